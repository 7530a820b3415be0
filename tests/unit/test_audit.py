"""The chain verifier names the first bad seq and why (pure core, in memory)."""

from __future__ import annotations

import dataclasses

import pytest

from ledger.admission import apply_entry
from ledger.audit import audit
from ledger.client import Signer
from ledger.keys import PrivateKey
from ledger.record import GENESIS_PREV, Record, make_record
from ledger.state import MemoryStore
from ledger.types.identity import DEFAULT_PARAMS

T0 = "2026-03-01T10:00:00Z"


def _append(store: MemoryStore, chain: list[Record], entry: dict) -> Record:
    prev = chain[-1].entry_hash if chain else GENESIS_PREV
    applied = apply_entry(
        store, entry, seq=len(chain) + 1, prev_hash=prev, received_at="2026-03-01T10:00:00.000000Z"
    )
    for kind, value in applied.writes:
        store.put(kind, value)
    chain.append(applied.record)
    return applied.record


@pytest.fixture
def chain() -> list[Record]:
    operator, arm = Signer("operator", PrivateKey.generate()), Signer("arm", PrivateKey.generate())
    store, records = MemoryStore(), []
    _append(
        store,
        records,
        operator.entry(
            "ledger.genesis",
            {
                "origin": "test/log",
                "operator": {
                    "party_id": "operator",
                    "name": "Op",
                    "country": "CH",
                    "public_key": operator.key.public.b64,
                },
                "arm": {
                    "party_id": "arm",
                    "name": "ARM",
                    "country": "CO",
                    "public_key": arm.key.public.b64,
                },
                "params": DEFAULT_PARAMS,
                "rates": [],
            },
            created_at=T0,
        ),
    )
    mine_key = PrivateKey.generate()
    for index in range(5):
        _append(
            store,
            records,
            arm.entry(
                "party.registered",
                {
                    "party_id": f"party-{index}",
                    "name": f"Party {index}",
                    "country": "PE",
                    "roles": ["asmo"],
                    "public_key": PrivateKey.generate().public.b64,
                },
                created_at=T0,
            ),
        )
    _append(
        store,
        records,
        arm.entry(
            "party.registered",
            {
                "party_id": "mine",
                "name": "Mine",
                "country": "PE",
                "roles": ["asmo"],
                "public_key": mine_key.public.b64,
            },
            created_at=T0,
        ),
    )
    mine = Signer("mine", mine_key)
    new_key = PrivateKey.generate()
    _append(
        store,
        records,
        mine.entry(
            "key.added", {"party_id": "mine", "public_key": new_key.public.b64}, created_at=T0
        ),
    )
    return records


def test_an_untouched_chain_verifies(chain):
    report = audit(chain)
    assert report.ok
    assert report.size == len(chain)
    assert report.head == chain[-1].entry_hash
    assert audit(chain, replay=True).ok


def test_changed_payload_is_a_bad_hash(chain):
    tampered = dataclasses.replace(chain[3], entry={**chain[3].entry, "nonce": "x" * 20})
    report = audit([*chain[:3], tampered, *chain[4:]])
    assert (report.failure.seq, report.failure.reason) == (4, "bad-hash")
    assert report.size == 3


def test_rehashed_payload_change_is_a_bad_signature(chain):
    old = chain[3]
    body = {**old.entry["body"], "name": "Someone Else"}
    forged = make_record(old.seq, old.prev_hash, old.received_at, {**old.entry, "body": body})
    report = audit([*chain[:3], forged, *chain[4:]])
    assert (report.failure.seq, report.failure.reason) == (4, "bad-signature")


def test_deleted_record_is_a_gap(chain):
    report = audit([*chain[:2], *chain[3:]])
    assert (report.failure.seq, report.failure.reason) == (3, "gap")


def test_swapped_records_are_out_of_order(chain):
    report = audit([*chain[:2], chain[3], chain[2], *chain[4:]])
    assert report.failure.seq == 3
    assert report.failure.reason == "gap"


def test_relinked_record_is_a_broken_link(chain):
    moved = dataclasses.replace(chain[4], prev_hash=chain[2].entry_hash)
    report = audit([*chain[:4], moved, *chain[5:]])
    assert (report.failure.seq, report.failure.reason) == (5, "broken-link")


def test_duplicated_record_is_out_of_order(chain):
    report = audit([*chain[:3], chain[2], *chain[3:]])
    assert (report.failure.seq, report.failure.reason) == (4, "out-of-order")
