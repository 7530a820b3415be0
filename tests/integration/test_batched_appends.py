"""Group commit against real databases: batches, refusals inside them, failed commits, and a
process's cached projections following what other processes write."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, insert, select
from support import post_together

from app import create_app
from app.db import log
from app.db.tables import log_head, merkle_nodes, state
from app.db.uow import reading, writing
from app.integrity import rebuild, verify_log
from ledger.client import Signer
from ledger.keys import PrivateKey

THREADS = 16


def _records(engine):
    with reading(engine) as connection:
        return list(log.stream(connection))


def test_refusals_and_resends_inside_batches_leave_the_rest_appended(app, world, engine):
    parties = [world.register(f"supplier-{n:02d}", ["supplier"]) for n in range(THREADS)]
    base = len(_records(engine))
    good = [
        signer.entry(
            "key.added",
            {"party_id": signer.party_id, "public_key": PrivateKey.generate().public.b64},
        )
        for signer in parties
    ]
    forged = dict(good[0], nonce="forged-nonce-0000001")  # signature no longer matches
    stranger = Signer("nobody-here", PrivateKey.generate()).entry(
        "key.added", {"party_id": "nobody-here", "public_key": PrivateKey.generate().public.b64}
    )
    submissions = [*good, forged, stranger, good[3], good[3], good[5]]

    answers = post_together(app, submissions)

    assert answers[len(good)][1]["code"] == "bad-signature"
    assert answers[len(good) + 1][1]["code"] == "unknown-actor"
    for entry in good:  # once 201; a resend answers 200 with the original record
        copies = [a for e, a in zip(submissions, answers, strict=True) if e is entry]
        assert sorted(status for status, _ in copies) == [200] * (len(copies) - 1) + [201]
        assert len({answer["entry_hash"] for _, answer in copies}) == 1
        assert copies[0][1]["entry"] == entry

    records = _records(engine)
    assert len(records) == base + len(good)
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert Counter(r.entry["nonce"] for r in records[base:]) == Counter(e["nonce"] for e in good)
    # Records admitted in one transaction share its received_at: appends were grouped.
    shared = Counter(r.received_at for r in records[base:])
    assert max(shared.values()) > 1
    report = verify_log(engine, replay=True)
    assert report.ok, report.failure


def test_a_failed_commit_stores_nothing_and_a_retry_is_appended_once(app, world, engine):
    signer = world.register("asmo-retry", ["asmo"])
    entry = signer.entry(
        "key.added", {"party_id": "asmo-retry", "public_key": PrivateKey.generate().public.b64}
    )
    with reading(engine) as connection:
        size, head_hash = log.head(connection)
    # A stray Merkle node where the next leaf goes: the batch's insert of it fails.
    with writing(engine) as connection:
        connection.execute(insert(merkle_nodes).values(level=0, idx=size, hash=b"\0" * 32))

    client = app.test_client()
    failed = client.post("/api/v1/entries", json=entry)
    assert failed.status_code == 500
    assert failed.get_json()["code"] == "internal-error"
    with reading(engine) as connection:
        assert log.head(connection) == (size, head_hash)
        assert connection.execute(select(state.c.id).where(state.c.kind == "key")).all()
    appender = app.extensions["ledger"].appender
    assert appender.cache.generation is None, "a failed batch forgets its cache"

    with writing(engine) as connection:
        connection.execute(delete(merkle_nodes).where(merkle_nodes.c.idx == size))
    first = client.post("/api/v1/entries", json=entry)
    again = client.post("/api/v1/entries", json=entry)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["seq"] == again.get_json()["seq"] == size + 1
    assert verify_log(engine, replay=True).ok


def test_each_process_sees_what_the_others_wrote(app, world, database_url, tmp_path):
    """Two apps on one database are two processes' appenders, each with its own cache."""
    other = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "OPERATOR_KEY_FILE": app.config["OPERATOR_KEY_FILE"],
        }
    )
    try:
        first, second = app.test_client(), other.test_client()
        old = world.register("supplier-rotating", ["supplier"])
        new_key = PrivateKey.generate()
        added = old.entry(
            "key.added", {"party_id": "supplier-rotating", "public_key": new_key.public.b64}
        )
        assert first.post("/api/v1/entries", json=added).status_code == 201
        # The first process has now cached the old key as active. The second revokes it.
        new = Signer("supplier-rotating", new_key)
        revoked = new.entry(
            "key.revoked", {"party_id": "supplier-rotating", "key_id": old.key.key_id}
        )
        assert second.post("/api/v1/entries", json=revoked).status_code == 201
        late = old.entry(
            "key.added",
            {"party_id": "supplier-rotating", "public_key": PrivateKey.generate().public.b64},
        )
        refused = first.post("/api/v1/entries", json=late)
        assert refused.status_code == 403
        assert refused.get_json()["code"] == "revoked-key"
        ok = new.entry(
            "key.added",
            {"party_id": "supplier-rotating", "public_key": PrivateKey.generate().public.b64},
        )
        assert first.post("/api/v1/entries", json=ok).status_code == 201
        assert verify_log(app.extensions["ledger"].engine, replay=True).ok
    finally:
        other.extensions["ledger"].engine.dispose()


def test_rebuild_is_a_new_generation_of_every_projection_row(app, world, engine):
    world.register("asmo-gen", ["asmo"])
    with reading(engine) as connection:
        before = connection.execute(select(log_head.c.generation)).scalar_one()
    rebuild(engine)
    with reading(engine) as connection:
        after = connection.execute(select(log_head.c.generation)).scalar_one()
        stamps = set(connection.execute(select(state.c.changed_gen)).scalars())
    assert after == before + 1
    assert stamps == {after}
