"""The entry's canonical bytes, computed once, give exactly the signed bytes and the record's
leaf bytes that a fresh canonicalisation gives (pure core)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.canonical import canonical_bytes
from ledger.entry import checked_entry, sign_entry, signing_bytes, verify_entry_signature
from ledger.errors import LedgerError
from ledger.keys import PrivateKey
from ledger.record import GENESIS_PREV, leaf_bytes, leaf_bytes_of_text, make_record, record_hash

KEY = PrivateKey.generate()
SIGNED_AT = "2026-01-02T03:04:05Z"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        # keys that look like the envelope's own members, inside the body
        | st.dictionaries(
            st.sampled_from(["signature", "type", "nonce", "é", "a"]) | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)
bodies = st.dictionaries(st.text(max_size=8), json_values, max_size=5)
types = st.from_regex(r"[a-z][a-z_]{0,8}(\.[a-z_]{1,8}){1,2}", fullmatch=True)
instants = st.sampled_from([SIGNED_AT, "2026-12-04T18:20:50.123456Z"])


@given(body=bodies, type_=types, created_at=instants)
def test_signing_bytes_from_the_entry_text_equal_a_fresh_canonicalisation(body, type_, created_at):
    entry = sign_entry(KEY, type=type_, actor="p-1", body=body, created_at=created_at)
    checked = checked_entry(entry)
    assert signing_bytes(entry, checked.text) == signing_bytes(entry)
    verify_entry_signature(entry, KEY.public, checked.text)


@given(body=bodies, seq=st.integers(1, 2**53 - 1), received_at=instants)
def test_leaf_bytes_from_the_entry_text_equal_a_fresh_canonicalisation(body, seq, received_at):
    entry = sign_entry(KEY, type="lot.noted", actor="p-1", body=body, created_at=received_at)
    text = canonical_bytes(entry)
    assert leaf_bytes_of_text(seq, GENESIS_PREV, received_at, text) == leaf_bytes(
        seq, GENESIS_PREV, received_at, entry
    )
    record = make_record(seq, GENESIS_PREV, received_at, entry, text)
    assert record.entry_hash == record_hash(seq, GENESIS_PREV, received_at, entry)


@given(body=bodies)
def test_a_text_that_is_not_the_entry_is_never_trusted_for_the_signature(body):
    """A text whose tail is not the entry's own signature and type falls back to the entry."""
    entry = sign_entry(KEY, type="lot.noted", actor="p-1", body=body, created_at=SIGNED_AT)
    other = {**entry, "type": "lot.other"}
    assert signing_bytes(entry, canonical_bytes(other)) == signing_bytes(entry)


def test_a_changed_entry_fails_its_signature_even_with_its_own_text():
    entry = sign_entry(KEY, type="lot.noted", actor="p-1", body={"n": 1}, created_at=SIGNED_AT)
    changed = {**entry, "body": {"n": 2}}
    with pytest.raises(LedgerError) as refused:
        verify_entry_signature(changed, KEY.public, checked_entry(changed).text)
    assert refused.value.code == "bad-signature"
