"""The parallel verifier gives exactly ``audit``'s report, first failure included.

A small chain (identity entries interleaved with lot registrations) is tampered with at every
position in several ways, with and without re-hashing the rest of the chain, and
``parallel_audit`` (2 processes, tiny chunks so failures land in different chunks) must return
the same ``AuditReport`` as ``ledger.audit.audit``.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ProcessPoolExecutor

import pytest

from ledger.admission import apply_entry
from ledger.audit import AuditReport, audit
from ledger.client import Signer
from ledger.keys import PrivateKey
from ledger.parallel_audit import parallel_audit
from ledger.record import GENESIS_PREV, Record, make_record
from ledger.state import MemoryStore
from ledger.types.identity import DEFAULT_PARAMS

T0 = "2026-03-01T10:00:00Z"
T1 = "2026-03-01T11:00:00Z"
RECEIVED = "2026-03-01T12:00:00.000000Z"


@pytest.fixture(scope="module")
def pool():
    with ProcessPoolExecutor(max_workers=2) as executor:
        yield executor


def _lot(signer: Signer, number: int, created_at: str = T1) -> dict:
    body = {
        "lot_id": f"LOT-{number:04d}",
        "metal": "gold",
        "form": "dore",
        "gross_mg": 1_000_000,
        "fineness": 8500,
        "claim": "none",
        "mine_site": "Somewhere",
        "production_from": "2026-01-01",
        "production_to": "2026-02-01",
        "processing": {"mercury": False, "cyanide": False, "gravimetric_only": True},
    }
    return signer.entry("lot.registered", body, created_at=created_at)


class Chain:
    """Builds a valid chain through ``apply_entry`` and remembers the signers."""

    def __init__(self) -> None:
        self.store, self.records = MemoryStore(), []
        self.operator = Signer("operator", PrivateKey.generate())
        self.arm = Signer("arm", PrivateKey.generate())
        founders = {
            role: {"party_id": s.party_id, "name": role, "country": "CH", "public_key": b64}
            for role, s, b64 in (
                ("operator", self.operator, self.operator.key.public.b64),
                ("arm", self.arm, self.arm.key.public.b64),
            )
        }
        body = {"origin": "test/log", **founders, "params": DEFAULT_PARAMS, "rates": []}
        self.add(self.operator.entry("ledger.genesis", body, created_at=T0))

    def add(self, entry: object) -> Record:
        prev = self.records[-1].entry_hash if self.records else GENESIS_PREV
        applied = apply_entry(
            self.store, entry, seq=len(self.records) + 1, prev_hash=prev, received_at=RECEIVED
        )
        for kind, value in applied.writes:
            self.store.put(kind, value)
        self.records.append(applied.record)
        return applied.record

    def register(self, party_id: str) -> Signer:
        signer = Signer(party_id, PrivateKey.generate())
        body = {
            "party_id": party_id,
            "name": party_id,
            "country": "PE",
            "roles": ["asmo"],
            "public_key": signer.key.public.b64,
        }
        self.add(self.arm.entry("party.registered", body, created_at=T0))
        return signer


@pytest.fixture(scope="module")
def built() -> tuple[list[Record], dict[str, Signer]]:
    chain = Chain()
    mines = [chain.register(f"mine-{n}") for n in range(3)]
    number = 0
    for round_ in range(3):
        for mine in mines:
            for _ in range(2):
                number += 1
                chain.add(_lot(mine, number))
        rotating = mines[round_]
        new = PrivateKey.generate()
        chain.add(
            rotating.entry(
                "key.added",
                {"party_id": rotating.party_id, "public_key": new.public.b64},
                created_at=T0,
            )
        )
        chain.add(
            rotating.entry(
                "key.revoked",
                {"party_id": rotating.party_id, "key_id": rotating.key.key_id},
                created_at=T1,
            )
        )
        old = mines[round_]
        mines[round_] = Signer(rotating.party_id, new)
        signers = {"old": old, "mine": mines[(round_ + 1) % 3]}
    return chain.records, signers


def rechain(records: list[Record], start: int) -> list[Record]:
    """Recompute hashes and links from ``start`` on, as a forger rewriting history would."""
    out = list(records[:start])
    for record in records[start:]:
        prev = out[-1].entry_hash if out else GENESIS_PREV
        out.append(make_record(record.seq, prev, record.received_at, record.entry))
    return out


def same(records: list[Record], pool, expected: AuditReport | None = None) -> None:
    expected = audit(records) if expected is None else expected
    for chunk_size in (1, 3, 1000):
        got = parallel_audit(records, chunk_size=chunk_size, max_pending=2, executor=pool)
        assert got == expected, (chunk_size, got, expected)


def test_an_untouched_chain_gives_the_same_report(built, pool):
    records, _ = built
    assert audit(records).ok
    same(records, pool)
    assert parallel_audit(records, workers=2) == audit(records)  # its own pool


def test_empty_log(pool):
    same([], pool)


@pytest.mark.slow  # every position, nine ways, three chunk sizes: about a thousand audits
@pytest.mark.parametrize(
    "tamper",
    [
        "payload",  # bad hash
        "payload-rehashed",  # bad signature (identity entries: replay refusal)
        "nonce-rehashed",
        "drop",  # gap
        "swap",  # out of order / gap
        "relink",  # broken link
        "no-actor-rehashed",  # malformed
        "not-an-object-rehashed",  # malformed
        "type-is-a-list-rehashed",  # malformed
    ],
)
def test_tampering_anywhere_gives_the_same_first_failure(built, pool, tamper):
    records, _ = built
    for index in range(1, len(records)):
        old = records[index]
        entry = old.entry
        tampered = list(records)
        if tamper == "drop":
            if index + 1 >= len(records):
                continue  # truncation is the head's business (app.integrity), not the chain's
            del tampered[index]
        elif tamper == "swap":
            if index + 1 >= len(records):
                continue
            tampered[index], tampered[index + 1] = tampered[index + 1], tampered[index]
        elif tamper == "relink":
            tampered[index] = dataclasses.replace(old, prev_hash=records[index - 1].prev_hash)
        else:
            if tamper.startswith("payload"):
                entry = {**entry, "body": {**entry["body"], "extra": 1}}
            elif tamper.startswith("nonce"):
                entry = {**entry, "nonce": "n" * 20}
            elif tamper.startswith("no-actor"):
                entry = {k: v for k, v in entry.items() if k != "actor"}
            elif tamper.startswith("not-an-object"):
                entry = ["not", "an", "object"]
            elif tamper.startswith("type-is-a-list"):
                entry = {**entry, "type": ["lot.registered"]}
            tampered[index] = dataclasses.replace(old, entry=entry)
            if tamper.endswith("rehashed"):
                tampered = rechain(tampered, index)
        report = audit(tampered)
        assert not report.ok, (tamper, index)
        same(tampered, pool, report)


def test_revoked_and_unknown_keys_and_several_failures(built, pool):
    records, signers = built
    stale = signers["old"].entry("lot.registered", _lot(signers["old"], 9001)["body"])
    stranger = Signer(signers["mine"].party_id, PrivateKey.generate())
    unknown = stranger.entry("lot.registered", _lot(stranger, 9002)["body"])
    for forged in (stale, unknown):
        last = records[-1]
        extra = make_record(last.seq + 1, last.entry_hash, RECEIVED, forged)
        tampered = [*records, extra]
        assert audit(tampered).failure.reason == "bad-signature"
        same(tampered, pool)
    # Two failures: a late broken link found in order, an early bad signature found by a worker.
    early = dataclasses.replace(records[5], entry={**records[5].entry, "nonce": "z" * 20})
    tampered = rechain([*records[:5], early, *records[6:]], 5)
    tampered[-2] = dataclasses.replace(tampered[-2], prev_hash="0" * 64)
    assert audit(tampered).failure.seq == 6
    same(tampered, pool)
