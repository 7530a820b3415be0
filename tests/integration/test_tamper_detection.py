"""Tampering with stored rows is caught: ``flask ledger verify`` names the first bad seq and why.

Each case edits the ``records`` (or ``state``) table directly with SQL, as an attacker with
database access would, then runs the real CLI command against the real database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import delete, select, text, update
from support import World

from app.db import log
from app.db.store import SqlStore
from app.db.tables import records, state
from app.db.uow import reading
from app.integrity import verify_log
from ledger.keys import PrivateKey
from ledger.record import record_hash


@dataclass
class Ledger:
    """The world, the log's size, and ``target``: the record the tampering cases edit."""

    world: World
    size: int
    target: int


@pytest.fixture
def ledger(world) -> Ledger:
    """After the world's own records (genesis, seq 1): four parties registered by ARM, then each
    adds a second key. ``target`` is the last registration ("Mine 3"; seq 5 on a bare world)."""
    base = _head_size(world.engine)
    for index in range(4):
        world.register(f"asmo-{index}", ["asmo"], name=f"Mine {index}")
    for index in range(4):
        party = f"asmo-{index}"
        world.state(
            party, "key.added", {"party_id": party, "public_key": PrivateKey.generate().public.b64}
        )
    size = _head_size(world.engine)
    assert size == base + 8
    target = base + 4
    assert json.loads(_row(world.engine, target).entry)["body"]["name"] == "Mine 3"
    return Ledger(world, size, target)


def _head_size(engine) -> int:
    with reading(engine) as connection:
        return log.head(connection)[0]


def _verify(app):
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


def _assert_fails_at(app, seq: int, reason: str) -> str:
    code, output = _verify(app)
    assert code == 1, output
    assert f"FAILED at seq {seq}: {reason}:" in output, output
    return output


def _row(engine, seq: int):
    with engine.connect() as connection:
        return connection.execute(select(records).where(records.c.seq == seq)).one()


def _set(engine, seq: int, **values) -> None:
    with engine.begin() as connection:
        changed = connection.execute(update(records).where(records.c.seq == seq).values(**values))
        assert changed.rowcount == 1


def _edited_entry(engine, seq: int) -> dict:
    """The entry of ``seq`` with one signed member changed (the party's name or its key)."""
    entry = json.loads(_row(engine, seq).entry)
    body = entry["body"]
    if "name" in body:
        body["name"] = body["name"] + " (forged)"
    else:
        body["public_key"] = PrivateKey.generate().public.b64
    return entry


def _canonical(entry: dict) -> str:
    return log.entry_text(entry)


def test_untouched_ledger_verifies(app, ledger, engine):
    code, output = _verify(app)
    assert code == 0, output
    with reading(engine) as connection:
        _, head_hash = log.head(connection)
    assert output.strip() == f"OK: {ledger.size} records verify; head {head_hash}"
    replayed = app.test_cli_runner().invoke(args=["ledger", "verify", "--replay"])
    assert replayed.exit_code == 0, replayed.output
    assert f"OK: {ledger.size} records verify" in replayed.output


def test_changed_payload_is_a_bad_hash(app, ledger, engine):
    seq = ledger.target
    _set(engine, seq, entry=_canonical(_edited_entry(engine, seq)))
    _assert_fails_at(app, seq, "bad-hash")


def test_changed_payload_as_raw_text_is_a_bad_hash(app, ledger, engine):
    # Not even canonical JSON any more: one byte of the stored text changes, and an extra space.
    seq = ledger.target
    original = _row(engine, seq).entry
    forged = original.replace('"name":"Mine 3"', '"name": "Mine 4"')
    assert forged != original
    _set(engine, seq, entry=forged)
    _assert_fails_at(app, seq, "bad-hash")


def test_changed_payload_with_recomputed_hash_is_a_bad_signature(app, ledger, engine):
    seq = ledger.target
    row = _row(engine, seq)
    entry = _edited_entry(engine, seq)
    forged_hash = record_hash(row.seq, row.prev_hash, row.received_at, entry)
    _set(engine, seq, entry=_canonical(entry), entry_hash=forged_hash)
    output = _assert_fails_at(app, seq, "bad-signature")
    assert "the signature does not verify" in output


def test_payload_and_whole_chain_rewritten_is_still_a_bad_signature(app, ledger, engine):
    # The attacker recomputes every later hash and the head: the chain is consistent again,
    # but the party's signature over the edited entry is not.
    seq = ledger.target
    entry = _edited_entry(engine, seq)
    with engine.begin() as connection:
        rows = connection.execute(
            select(records).where(records.c.seq >= seq - 1).order_by(records.c.seq)
        ).all()
        prev = rows[0].entry_hash
        for row in rows[1:]:
            content = entry if row.seq == seq else json.loads(row.entry)
            new_hash = record_hash(row.seq, prev, row.received_at, content)
            connection.execute(
                update(records)
                .where(records.c.seq == row.seq)
                .values(entry=_canonical(content), prev_hash=prev, entry_hash=new_hash)
            )
            prev = new_hash
        connection.execute(text("UPDATE log_head SET head_hash = :h"), {"h": prev})
    _assert_fails_at(app, seq, "bad-signature")


def test_changed_entry_hash_only_is_a_bad_hash_at_that_seq(app, ledger, engine):
    # The hash is recomputed from the record's content before the next record is looked at,
    # so the tampered seq is named, not the next one (whose prev_hash no longer links).
    seq = ledger.target
    _set(engine, seq, entry_hash="ab" * 32)
    _assert_fails_at(app, seq, "bad-hash")


def test_changed_prev_hash_is_a_broken_link(app, ledger, engine):
    seq = ledger.target
    _set(engine, seq, prev_hash="cd" * 32)
    _assert_fails_at(app, seq, "broken-link")


def test_changed_received_at_is_a_bad_hash(app, ledger, engine):
    seq = ledger.target
    _set(engine, seq, received_at="2001-01-01T00:00:00.000000Z")
    _assert_fails_at(app, seq, "bad-hash")


def test_swapped_records_are_a_broken_link_at_the_first(app, ledger, engine):
    # Swap the contents of two neighbours (every column but seq) by renumbering the rows.
    second = ledger.target
    first = second - 1
    before, after = _row(engine, first), _row(engine, second)
    with engine.begin() as connection:
        for old, new in ((second, -second), (first, second), (-second, first)):
            connection.execute(update(records).where(records.c.seq == old).values(seq=new))
    assert _row(engine, first).entry == after.entry
    assert _row(engine, second).entry_hash == before.entry_hash
    _assert_fails_at(app, first, "broken-link")


def test_deleted_middle_record_is_a_gap(app, ledger, engine):
    seq = ledger.target
    with engine.begin() as connection:
        connection.execute(delete(records).where(records.c.seq == seq))
    output = _assert_fails_at(app, seq, "gap")
    assert f"expected seq {seq}, found {seq + 1}" in output


def test_deleted_last_record_is_missing(app, ledger, engine):
    # The records that remain form a valid chain; only the head row still says ``size``.
    with engine.begin() as connection:
        connection.execute(delete(records).where(records.c.seq == ledger.size))
    output = _assert_fails_at(app, ledger.size, "missing")
    assert f"the head says {ledger.size} records" in output


def test_head_hash_not_matching_the_records_is_a_bad_head(app, ledger, engine):
    with engine.begin() as connection:
        connection.execute(text("UPDATE log_head SET head_hash = :h"), {"h": "ef" * 32})
    _assert_fails_at(app, ledger.size, "bad-head")


def test_verify_log_reports_the_same_failure_as_the_cli(app, ledger, engine):
    seq = ledger.target + 2
    _set(engine, seq, prev_hash="00" * 32)
    report = verify_log(engine)
    assert not report.ok
    assert (report.failure.seq, report.failure.reason) == (seq, "broken-link")
    assert report.size == seq - 1  # the records before it verified
    assert report.head == _row(engine, seq - 1).entry_hash
    _assert_fails_at(app, seq, "broken-link")


def _dump(engine) -> dict:
    with reading(engine) as connection:
        return SqlStore(connection).dump()


def _rebuild(app) -> str:
    result = app.test_cli_runner().invoke(args=["ledger", "rebuild"])
    assert result.exit_code == 0, result.output
    return result.output


def test_rebuild_of_untouched_projections_is_identical(app, ledger, engine):
    before = _dump(engine)
    assert {f"asmo-{i}" for i in range(4)} <= set(before["party"])
    output = _rebuild(app)
    objects = sum(len(objs) for objs in before.values())
    assert output.strip() == f"rebuilt {objects} objects; live projections were identical"
    assert _dump(engine) == before


def test_rebuild_detects_and_restores_a_corrupted_projection(app, ledger, engine, client):
    before = _dump(engine)
    party = before["party"]["asmo-2"]
    forged = {**party, "roles": ["asmo", "licensee"], "name": "Someone Else"}
    with engine.begin() as connection:
        connection.execute(
            update(state)
            .where(state.c.kind == "party", state.c.id == "asmo-2")
            .values(value=json.dumps(forged))
        )
    assert client.get("/api/v1/parties/asmo-2").get_json()["name"] == "Someone Else"

    assert "DIFFERENT (now replaced)" in _rebuild(app)
    assert _dump(engine) == before
    assert client.get("/api/v1/parties/asmo-2").get_json()["name"] == "Mine 2"
    assert "identical" in _rebuild(app)


def test_rebuild_restores_deleted_projection_rows_and_their_index(app, ledger, engine, client):
    before = _dump(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM state WHERE kind = 'key'"))
        connection.execute(text("DELETE FROM state_index WHERE kind = 'key'"))
    assert client.get("/api/v1/parties/asmo-1").get_json()["keys"] == []

    assert "DIFFERENT (now replaced)" in _rebuild(app)
    assert _dump(engine) == before
    keys = client.get("/api/v1/parties/asmo-1").get_json()["keys"]
    assert len(keys) == 2
    # The projections work for appends again: the party can use its restored key.
    new_key = PrivateKey.generate().public.b64
    ledger.world.state("asmo-1", "key.added", {"party_id": "asmo-1", "public_key": new_key})
    assert verify_log(engine).ok


def test_rebuild_refuses_a_forged_log_and_keeps_the_projections(app, ledger, engine):
    before = _dump(engine)
    seq = ledger.target
    row = _row(engine, seq)
    entry = _edited_entry(engine, seq)
    _set(
        engine,
        seq,
        entry=_canonical(entry),
        entry_hash=record_hash(row.seq, row.prev_hash, row.received_at, entry),
    )
    result = app.test_cli_runner().invoke(args=["ledger", "rebuild"])
    assert result.exit_code == 1
    assert "replay refused an entry: bad-signature" in result.output
    assert _dump(engine) == before
