"""A lot's provenance bundle: the records it rests on (``ledger.bundle_records``), an inclusion
proof of each against a checkpoint, and that checkpoint; built once per lot and checkpoint."""

from __future__ import annotations

import base64
import functools
import json

from flask import current_app
from sqlalchemy import Engine

from app import checkpoints, service
from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import merkle
from ledger.bundle import FORMAT
from ledger.bundle_records import bundle_records
from ledger.keys import PrivateKey


def build(engine: Engine, operator_key: PrivateKey, lot_id: str, max_age_seconds: int) -> dict:
    """The provenance bundle of ``lot_id`` against a checkpoint covering all its records."""
    with reading(engine) as connection:
        by_seq = functools.partial(log.by_seqs, connection)
        records = bundle_records(SqlStore(connection), by_seq, lot_id)
    checkpoint = checkpoints.fresh(engine, operator_key, max_age_seconds)
    if records[-1].seq > checkpoint.size:
        checkpoint = checkpoints.publish(engine, operator_key)
    seqs = [record.seq for record in records]
    with reading(engine) as connection:
        paths = merkle.inclusion_proofs_at(
            [seq - 1 for seq in seqs], checkpoint.size, log.SqlNodes(connection)
        )
        verifier = checkpoints.verifier_key_text(connection)
    proofs = {
        str(seq): [base64.b64encode(h).decode() for h in path]
        for seq, path in zip(seqs, paths, strict=True)
    }
    return {
        "format": FORMAT,
        "lot_id": lot_id,
        "checkpoint": checkpoint.note,
        "verifier_key": verifier,
        "records": [record.to_json() for record in records],
        "proofs": proofs,
    }


def cached_bundle(lot_id: str) -> tuple[str, dict]:
    """The lot's bundle as served (JSON text) and as a document, built once per checkpoint."""
    ledger = service.current()
    engine, key = ledger.engine, ledger.operator_key
    max_age = current_app.config["CHECKPOINT_MAX_AGE_SECONDS"]
    latest = checkpoints.fresh(engine, key, max_age)

    def make() -> tuple[str, dict]:
        document = build(engine, key, lot_id, max_age)
        return json.dumps(document, indent=1), document

    cache = ledger.bundles
    return cache.get_or_make(cache.key("bundle", lot_id, latest.size, latest.note), make)
