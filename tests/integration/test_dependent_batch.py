"""Entries that read what an earlier entry of the same batch wrote.

The batch is admitted as one transaction (``Appender._admit`` on a list of jobs, exactly as the
writer thread runs it): a certificate and the registrations it allows, the second of which would
exceed the certificate's capacity counted with the first. Each entry sees the batch so far, so
the first registration is accepted, the second refused ``capacity-exceeded``, the third (within
what is left) accepted; all of it on SQLite and PostgreSQL, and the replay agrees.
"""

from __future__ import annotations

from datetime import date

import pytest
from support import DAY, PROCESS_ECO

from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from app.integrity import verify_log
from app.writer import Job
from ledger.errors import LedgerError
from ledger.fairmined import certificate_year


def _registration(lot_id: str, gross_mg: int) -> dict:
    return {
        "lot_id": lot_id,
        "metal": "gold",
        "form": "dore",
        "gross_mg": gross_mg,
        "fineness": 10_000,
        "claim": "ecological",
        "mine_site": "Vereda El Tambo",
        "production_from": "2025-12-01",
        "production_to": DAY,
        "processing": PROCESS_ECO,
    }


def test_entries_of_one_batch_read_what_the_earlier_ones_wrote(world, engine):
    world.client.token = world.token("arm")
    world.register("certifier-batch", ["certifier"], activities=["certification"])
    world.register("asmo-batch", ["asmo"], activities=["mining"])
    certificate = {
        "certificate_id": "FM-BATCH-1",
        "party_id": "asmo-batch",
        "metals": ["gold"],
        "ecological": True,
        "valid_from": "2025-01-01",
        "valid_to": "2030-12-31",
        "miners": 4,  # 1 kg fine metal a year by default
    }
    signed = [
        world.signers["certifier-batch"].entry("certificate.issued", certificate),
        world.signers["asmo-batch"].entry("lot.registered", _registration("BATCH-1", 600_000)),
        world.signers["asmo-batch"].entry("lot.registered", _registration("BATCH-2", 600_000)),
        world.signers["asmo-batch"].entry("lot.registered", _registration("BATCH-3", 400_000)),
    ]
    appender = world.app.extensions["ledger"].appender
    jobs = [Job(appender.prepare(entry, skew=300, max_age=86400)) for entry in signed]
    with reading(engine) as connection:
        size, _ = log.head(connection)

    appender._admit(jobs)

    first, second, third = jobs[1:]
    assert jobs[0].outcome().record.seq == size + 1
    assert first.outcome().record.seq == size + 2
    with pytest.raises(LedgerError) as refused:
        second.outcome()
    assert refused.value.code == "capacity-exceeded"
    assert third.outcome().record.seq == size + 3
    with reading(engine) as connection:
        store = SqlStore(connection)
        records = list(log.stream(connection))
        used = store.get("certificate", "FM-BATCH-1")["capacity_used"]
    year = certificate_year(date(2025, 1, 1), date.fromisoformat(records[-1].received_at[:10]))
    assert used == {year.isoformat(): 1_000_000}
    assert len({r.received_at for r in records[size:]}) == 1  # one transaction
    report = verify_log(engine, replay=True)
    assert report.ok, report.failure
