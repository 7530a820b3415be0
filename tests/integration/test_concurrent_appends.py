"""Many clients appending at once: one gapless, linked, verifiable chain, and exactly-once resends.

Every thread has its own Flask test client (real request handling, its own database
connection from the pool) and signs its own entries client-side with its own key. A barrier
releases them together so the appends really contend for the head lock.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from app.db import log
from app.db.uow import reading
from app.integrity import verify_log
from ledger.client import Signer
from ledger.keys import PrivateKey
from ledger.merkle import root, root_at
from ledger.record import GENESIS_PREV, record_hash

THREADS = 16
PER_THREAD = 10


def _run_together(count: int, work) -> list:
    """Run ``work(index, barrier)`` in ``count`` threads; return results, re-raising errors."""
    barrier = threading.Barrier(count, timeout=30)
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work, index, barrier) for index in range(count)]
        return [future.result(timeout=120) for future in futures]


def _stored_records(engine) -> tuple[int, str, list]:
    with reading(engine) as connection:
        size, head_hash = log.head(connection)
        return size, head_hash, list(log.stream(connection))


def test_concurrent_appends_form_one_gapless_verified_chain(app, world, engine):
    base, _, _ = _stored_records(engine)
    parties = [world.register(f"asmo-{index:02d}", ["asmo"]) for index in range(THREADS)]
    before, _, _ = _stored_records(engine)
    assert before == base + THREADS

    def add_keys(index: int, barrier: threading.Barrier) -> list[tuple[int, dict, dict]]:
        signer = parties[index]
        client = app.test_client()
        entries = [
            signer.entry(
                "key.added",
                {"party_id": signer.party_id, "public_key": PrivateKey.generate().public.b64},
            )
            for _ in range(PER_THREAD)
        ]
        barrier.wait()
        results = []
        for entry in entries:
            response = client.post("/api/v1/entries", json=entry)
            results.append((response.status_code, entry, response.get_json()))
        return results

    by_thread = _run_together(THREADS, add_keys)

    # Every submission was appended once, with its own entry, in the thread's own order.
    statuses = [status for results in by_thread for status, _, _ in results]
    assert statuses == [201] * (THREADS * PER_THREAD)
    for results in by_thread:
        assert all(answer["entry"] == entry for _, entry, answer in results)
        seqs = [answer["seq"] for _, _, answer in results]
        assert seqs == sorted(seqs)

    size, head_hash, records = _stored_records(engine)
    expected = before + THREADS * PER_THREAD
    assert size == expected
    assert [r.seq for r in records] == list(range(1, expected + 1))

    # Each answer is exactly the stored record at its seq.
    by_seq = {r.seq: r for r in records}
    for results in by_thread:
        for _, _, answer in results:
            stored = by_seq[answer["seq"]].to_json()
            assert {k: answer[k] for k in stored} == stored

    # The chain links, every hash recomputes, and the head names the last record.
    previous = GENESIS_PREV
    for record in records:
        assert record.prev_hash == previous
        assert record.entry_hash == record_hash(
            record.seq, record.prev_hash, record.received_at, record.entry
        )
        previous = record.entry_hash
    assert head_hash == previous
    received = [r.received_at for r in records]
    assert received == sorted(received), "received_at must not go back in time along the log"

    # The Merkle nodes written under contention give the same root as the leaves themselves.
    with reading(engine) as connection:
        stored_root = root_at(size, log.SqlNodes(connection))
    assert stored_root == root([bytes.fromhex(r.entry_hash) for r in records])

    # Projections: every party now has its first key plus the ten it added.
    client = app.test_client()
    for signer in parties:
        keys = client.get(f"/api/v1/parties/{signer.party_id}").get_json()["keys"]
        assert len(keys) == 1 + PER_THREAD

    report = verify_log(engine)
    assert report.ok, report.failure
    assert (report.size, report.head) == (expected, head_hash)
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert f"OK: {expected} records verify" in result.output


def test_concurrent_registrations_by_one_signer(app, world, engine):
    """ARM registers distinct parties from 16 threads at once (one actor, many nonces)."""
    arm = world.signers["arm"]
    base, _, _ = _stored_records(engine)
    per_thread = 5  # fewer than above: the point here is one signer, many nonces

    def register(index: int, barrier: threading.Barrier) -> list[int]:
        client = app.test_client()
        entries = [
            arm.entry(
                "party.registered",
                {
                    "party_id": f"supplier-{index:02d}-{n:02d}",
                    "name": f"Supplier {index}/{n}",
                    "country": "CH",
                    "roles": ["supplier"],
                    "public_key": PrivateKey.generate().public.b64,
                },
            )
            for n in range(per_thread)
        ]
        barrier.wait()
        return [client.post("/api/v1/entries", json=e).status_code for e in entries]

    statuses = _run_together(THREADS, register)
    assert statuses == [[201] * per_thread] * THREADS
    size, _, records = _stored_records(engine)
    assert size == base + THREADS * per_thread
    assert [r.seq for r in records] == list(range(1, size + 1))
    parties = app.test_client().get("/api/v1/parties").get_json()
    assert len([p for p in parties if p["id"].startswith("supplier-")]) == THREADS * per_thread
    assert verify_log(engine, replay=True).ok


def test_concurrent_resends_of_one_entry_append_it_once(app, world, engine):
    base, _, _ = _stored_records(engine)
    key = PrivateKey.generate()
    entry = world.signers["arm"].entry(
        "party.registered",
        {
            "party_id": "asmo-resent",
            "name": "Resent",
            "country": "PE",
            "roles": ["asmo"],
            "public_key": key.public.b64,
        },
    )

    def resend(_index: int, barrier: threading.Barrier) -> tuple[int, dict]:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/entries", json=entry)
        return response.status_code, response.get_json()

    answers = _run_together(THREADS, resend)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (THREADS - 1) + [201]
    records = {tuple(sorted((k, str(v)) for k, v in answer.items())) for _, answer in answers}
    assert len(records) == 1, "every resend must return the identical record"
    record = answers[0][1]
    assert record["seq"] == base + 1
    assert record["entry"] == entry

    size, head_hash, stored = _stored_records(engine)
    assert (size, head_hash) == (base + 1, record["entry_hash"])
    assert [r.entry["nonce"] for r in stored].count(entry["nonce"]) == 1
    assert stored[-1].to_json() == {k: record[k] for k in stored[-1].to_json()}
    assert verify_log(engine).ok

    # The registered key works: the party can now state entries of its own.
    signer = Signer("asmo-resent", key)
    world.signers["asmo-resent"] = signer
    world.state(
        "asmo-resent",
        "key.added",
        {"party_id": "asmo-resent", "public_key": PrivateKey.generate().public.b64},
    )
    assert verify_log(engine).ok
