"""The published signing vectors (tests/data/signing/vectors.json, specified in
docs/signing.md) are exactly what the core computes and accepts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import terms
from ledger.admission import REGISTRY
from ledger.canonical import canonical_bytes
from ledger.entry import ENTRY_PREFIX, check_envelope, sign_entry, signing_bytes
from ledger.entry import verify_entry_signature as verify
from ledger.errors import LedgerError
from ledger.keys import KEY_ID_PREFIX, PrivateKey

VECTORS = json.loads(
    (Path(__file__).parents[1] / "data" / "signing" / "vectors.json").read_text(encoding="utf-8")
)
ENTRIES = VECTORS["entries"]


def _key(case: dict) -> PrivateKey:
    return PrivateKey.from_raw(bytes.fromhex(VECTORS["keys"][case["key"]]["seed_hex"]))


def test_the_prefixes_are_the_cores():
    assert VECTORS["entry_prefix"].encode() == ENTRY_PREFIX
    assert VECTORS["key_prefix"].encode() == KEY_ID_PREFIX
    assert VECTORS["terms_prefix"].encode() == terms.TERMS_PREFIX


@pytest.mark.parametrize("key", VECTORS["keys"], ids=lambda k: k["key_id"])
def test_key_ids_and_public_keys(key):
    private = PrivateKey.from_raw(bytes.fromhex(key["seed_hex"]))
    assert private.public.b64 == key["public_key"]
    assert private.key_id == key["key_id"]
    digest = hashlib.sha256(KEY_ID_PREFIX + private.public.raw).digest()
    assert key["key_id"] == digest[:16].hex()


@pytest.mark.parametrize("case", ENTRIES, ids=lambda c: c["entry"]["type"])
def test_entries_canonical_bytes_and_signatures(case):
    entry = case["entry"]
    check_envelope(entry)
    REGISTRY[entry["type"]].body.check(entry["body"], "/body")
    unsigned = {k: v for k, v in entry.items() if k != "signature"}
    assert canonical_bytes(unsigned).decode() == case["canonical"]
    assert signing_bytes(entry) == ENTRY_PREFIX + case["canonical"].encode()
    assert hashlib.sha256(signing_bytes(entry)).hexdigest() == case["signing_bytes_sha256"]
    key = _key(case)
    verify(entry, key.public)
    resigned = sign_entry(
        key,
        **{k: unsigned[k] for k in ("type", "actor", "body", "nonce")},
        created_at=unsigned["created_at"],
    )
    assert resigned == entry  # Ed25519 is deterministic: the vector is reproducible


@pytest.mark.parametrize("vector", VECTORS["terms"], ids=lambda t: t["terms"]["currency"])
def test_terms_commitments(vector):
    terms.TERMS.check(vector["terms"], "/private")
    assert canonical_bytes(vector["terms"]).decode() == vector["canonical"]
    assert terms.commitment(vector["terms"]) == vector["commitment"]
    digest = hashlib.sha256(terms.TERMS_PREFIX + vector["canonical"].encode()).hexdigest()
    assert digest == vector["commitment"]


def test_the_sale_vector_commits_to_the_first_terms():
    (sale,) = [c for c in ENTRIES if c["entry"]["type"] == "lot.sold"]
    assert sale["entry"]["body"]["terms_commitment"] == VECTORS["terms"][0]["commitment"]


@given(case=st.sampled_from(ENTRIES), data=st.data())
def test_any_change_to_a_signed_member_breaks_the_signature(case, data):
    entry = json.loads(json.dumps(case["entry"]))
    member = data.draw(st.sampled_from(sorted(entry["body"])))
    value = entry["body"][member]
    if isinstance(value, bool):
        entry["body"][member] = not value
    elif isinstance(value, int):
        entry["body"][member] = value + data.draw(st.integers(1, 10**6))
    else:
        entry["body"][member] = json.dumps(value) + data.draw(st.text(min_size=1, max_size=3))
    with pytest.raises(LedgerError) as refused:
        verify(entry, _key(case).public)
    assert refused.value.code == "bad-signature"
