"""Tampering with stored rows is caught: ``flask ledger verify`` names the first bad seq and why.

Each case edits the ``records`` (or ``state``) table directly with SQL, as an attacker with
database access would, then runs the real CLI command against the real database.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, text, update

from app.db import log
from app.db.store import SqlStore
from app.db.tables import records, state
from app.db.uow import reading
from app.integrity import verify_log
from ledger.keys import PrivateKey
from ledger.record import record_hash

SIZE = 9  # genesis + 8 entries


@pytest.fixture
def ledger(world):
    """Genesis, four parties registered by ARM, then each adds a second key: 9 records."""
    for index in range(4):
        world.register(f"asmo-{index}", ["asmo"], name=f"Mine {index}")
    for index in range(4):
        party = f"asmo-{index}"
        world.state(
            party, "key.added", {"party_id": party, "public_key": PrivateKey.generate().public.b64}
        )
    with reading(world.engine) as connection:
        assert log.head(connection)[0] == SIZE
    return world


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


def test_untouched_ledger_verifies(app, ledger):
    code, output = _verify(app)
    assert code == 0, output
    with reading(ledger.engine) as connection:
        _, head_hash = log.head(connection)
    assert output.strip() == f"OK: {SIZE} records verify; head {head_hash}"
    replayed = app.test_cli_runner().invoke(args=["ledger", "verify", "--replay"])
    assert replayed.exit_code == 0, replayed.output
    assert f"OK: {SIZE} records verify" in replayed.output


def test_changed_payload_is_a_bad_hash(app, ledger, engine):
    _set(engine, 5, entry=_canonical(_edited_entry(engine, 5)))
    _assert_fails_at(app, 5, "bad-hash")


def test_changed_payload_as_raw_text_is_a_bad_hash(app, ledger, engine):
    # Not even canonical JSON any more: one byte of the stored text changes, and an extra space.
    original = _row(engine, 5).entry
    forged = original.replace('"name":"Mine 3"', '"name": "Mine 4"')
    assert forged != original
    _set(engine, 5, entry=forged)
    _assert_fails_at(app, 5, "bad-hash")


def test_changed_payload_with_recomputed_hash_is_a_bad_signature(app, ledger, engine):
    row = _row(engine, 5)
    entry = _edited_entry(engine, 5)
    forged_hash = record_hash(row.seq, row.prev_hash, row.received_at, entry)
    _set(engine, 5, entry=_canonical(entry), entry_hash=forged_hash)
    output = _assert_fails_at(app, 5, "bad-signature")
    assert "the signature does not verify" in output


def test_payload_and_whole_chain_rewritten_is_still_a_bad_signature(app, ledger, engine):
    # The attacker recomputes every later hash and the head: the chain is consistent again,
    # but the party's signature over the edited entry is not.
    entry = _edited_entry(engine, 5)
    with engine.begin() as connection:
        rows = connection.execute(select(records).order_by(records.c.seq)).all()
        prev = rows[3].entry_hash
        for row in rows[4:]:
            content = entry if row.seq == 5 else json.loads(row.entry)
            new_hash = record_hash(row.seq, prev, row.received_at, content)
            connection.execute(
                update(records)
                .where(records.c.seq == row.seq)
                .values(entry=_canonical(content), prev_hash=prev, entry_hash=new_hash)
            )
            prev = new_hash
        connection.execute(text("UPDATE log_head SET head_hash = :h"), {"h": prev})
    _assert_fails_at(app, 5, "bad-signature")


def test_changed_entry_hash_only_is_a_bad_hash_at_that_seq(app, ledger, engine):
    # The hash is recomputed from the record's content before the next record is looked at,
    # so the tampered seq (5) is named, not the record whose prev_hash no longer links (6).
    _set(engine, 5, entry_hash="ab" * 32)
    _assert_fails_at(app, 5, "bad-hash")


def test_changed_prev_hash_is_a_broken_link(app, ledger, engine):
    _set(engine, 5, prev_hash="cd" * 32)
    _assert_fails_at(app, 5, "broken-link")


def test_changed_received_at_is_a_bad_hash(app, ledger, engine):
    _set(engine, 5, received_at="2001-01-01T00:00:00.000000Z")
    _assert_fails_at(app, 5, "bad-hash")


def test_swapped_records_are_a_broken_link_at_the_first(app, ledger, engine):
    # Swap the contents of seq 4 and 5 (every column but seq): renumber the two rows.
    four, five = _row(engine, 4), _row(engine, 5)
    with engine.begin() as connection:
        for old, new in ((5, -5), (4, 5), (-5, 4)):
            connection.execute(update(records).where(records.c.seq == old).values(seq=new))
    assert _row(engine, 4).entry == five.entry
    assert _row(engine, 5).entry_hash == four.entry_hash
    _assert_fails_at(app, 4, "broken-link")


def test_deleted_middle_record_is_a_gap(app, ledger, engine):
    with engine.begin() as connection:
        connection.execute(delete(records).where(records.c.seq == 5))
    output = _assert_fails_at(app, 5, "gap")
    assert "expected seq 5, found 6" in output


def test_deleted_last_record_is_missing(app, ledger, engine):
    with engine.begin() as connection:
        connection.execute(delete(records).where(records.c.seq == SIZE))
    output = _assert_fails_at(app, SIZE, "missing")
    assert f"the head says {SIZE} records" in output


def test_head_hash_not_matching_the_records_is_a_bad_head(app, ledger, engine):
    with engine.begin() as connection:
        connection.execute(text("UPDATE log_head SET head_hash = :h"), {"h": "ef" * 32})
    _assert_fails_at(app, SIZE, "bad-head")


def test_verify_log_reports_the_same_failure_as_the_cli(app, ledger, engine):
    _set(engine, 7, prev_hash="00" * 32)
    report = verify_log(engine)
    assert not report.ok
    assert (report.failure.seq, report.failure.reason) == (7, "broken-link")
    assert report.size == 6  # records 1..6 verified before the failure
    _assert_fails_at(app, 7, "broken-link")


def _dump(engine) -> dict:
    with reading(engine) as connection:
        return SqlStore(connection).dump()


def _rebuild(app) -> str:
    result = app.test_cli_runner().invoke(args=["ledger", "rebuild"])
    assert result.exit_code == 0, result.output
    return result.output


def test_rebuild_of_untouched_projections_is_identical(app, ledger, engine):
    before = _dump(engine)
    assert len(before["party"]) == 2 + 4
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
    ledger.state(
        "asmo-1",
        "key.added",
        {"party_id": "asmo-1", "public_key": PrivateKey.generate().public.b64},
    )
    assert verify_log(engine).ok


def test_rebuild_refuses_a_forged_log_and_keeps_the_projections(app, ledger, engine):
    before = _dump(engine)
    row = _row(engine, 5)
    entry = _edited_entry(engine, 5)
    _set(
        engine,
        5,
        entry=_canonical(entry),
        entry_hash=record_hash(row.seq, row.prev_hash, row.received_at, entry),
    )
    result = app.test_cli_runner().invoke(args=["ledger", "rebuild"])
    assert result.exit_code == 1
    assert "replay refused an entry: bad-signature" in result.output
    assert _dump(engine) == before
