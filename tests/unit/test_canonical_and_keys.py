"""Canonical JSON, keys and entry signatures (pure core)."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger import keys
from ledger.canonical import canonical_bytes
from ledger.entry import sign_entry, signing_bytes, verify_entry_signature
from ledger.errors import LedgerError
from ledger.keys import PrivateKey, PublicKey, b64decode, key_id_of

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def test_canonical_orders_members_and_strips_whitespace():
    assert (
        canonical_bytes({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    )


@pytest.mark.parametrize(
    ("value", "pointer"),
    [(1.5, "/"), ({"mass": 1.0}, "/mass"), ({"a": [1, {"b": 2.5}]}, "/a/1/b")],
)
def test_floats_are_refused_with_their_location(value, pointer):
    with pytest.raises(LedgerError) as refused:
        canonical_bytes(value)
    assert refused.value.code == "invalid-entry"
    assert refused.value.pointer == pointer


def test_integers_beyond_ijson_range_are_refused():
    with pytest.raises(LedgerError):
        canonical_bytes({"n": 2**60})


# Any text: control characters, quotes, backslashes, non-BMP characters and lone surrogates.
any_text = st.text(
    alphabet=st.characters(exclude_categories=()) | st.characters(categories=["Cs"]), max_size=12
)
wide_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**54), 2**54) | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=5)
    ),
    max_leaves=25,
)


@given(wide_values)
def test_canonical_bytes_equal_the_rfc8785_library_or_both_refuse(value):
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):  # the library's two refusals
        with pytest.raises(LedgerError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "keys",
    [["\ue000", "\U0001f600"], ["\uffff", "\U00010000", "a"], ["\U0001f600", "\U0001f601"]],
)
def test_keys_beyond_the_bmp_sort_by_utf16_as_rfc8785_says(keys):
    value = {key: n for n, key in enumerate(keys)}
    assert canonical_bytes(value) == rfc8785.dumps(value)
    # Code-point order puts U+E000..U+FFFF before U+10000; UTF-16 order puts them after.
    if "\ue000" in keys:
        assert canonical_bytes(value).index("\U0001f600".encode()) < canonical_bytes(value).index(
            "\ue000".encode()
        )


@given(json_values)
def test_canonical_form_is_stable_under_reordering(value):
    once = canonical_bytes(value)
    if isinstance(value, dict):
        assert canonical_bytes(dict(reversed(list(value.items())))) == once
    assert canonical_bytes(value) == once


def test_key_round_trips_pem_raw_and_base64():
    key = PrivateKey.generate()
    again = PrivateKey.from_pem(key.to_pem())
    assert again.raw() == key.raw()
    assert PrivateKey.from_raw(key.raw()).key_id == key.key_id
    public = PublicKey.from_pem(key.public.to_pem())
    assert public == key.public == PublicKey.from_b64(key.public.b64)
    assert key.key_id == key_id_of(key.public.raw)
    assert len(key.key_id) == 32


@pytest.mark.parametrize("text", ["not base64!", "AAAA", "A" * 42 + "==", ""])
def test_bad_public_keys_are_refused(text):
    with pytest.raises(LedgerError):
        PublicKey.from_b64(text)


def test_non_canonical_base64_is_refused():
    # Same bytes, different (non-zero) padding bits: must not be accepted as an alias.
    with pytest.raises(LedgerError):
        b64decode("AB==", length=1)


def _entry(key: PrivateKey, **body) -> dict:
    return sign_entry(
        key,
        type="test.thing",
        actor="asmo-one",
        body=body or {"n": 1},
        created_at="2026-01-01T00:00:00Z",
        nonce="n" * 16,
    )


def test_signed_entry_verifies_and_any_change_breaks_it():
    key = PrivateKey.generate()
    entry = _entry(key)
    verify_entry_signature(entry, key.public)
    for member, value in [
        ("actor", "asmo-two"),
        ("nonce", "m" * 16),
        ("body", {"n": 2}),
        ("created_at", "2026-01-01T00:00:01Z"),
        ("type", "test.other"),
    ]:
        tampered = {**entry, member: value}
        with pytest.raises(LedgerError) as refused:
            verify_entry_signature(tampered, key.public)
        assert refused.value.code == "bad-signature"


def test_signature_by_another_key_is_refused():
    key, other = PrivateKey.generate(), PrivateKey.generate()
    entry = _entry(key)
    with pytest.raises(LedgerError) as refused:
        verify_entry_signature(entry, other.public)
    assert refused.value.code == "wrong-key"


def test_signing_bytes_are_domain_separated():
    key = PrivateKey.generate()
    entry = _entry(key)
    assert signing_bytes(entry).startswith(b"gold-ledger/entry/v1\n")
    assert b"signature" not in signing_bytes(entry)


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_a_remembered_signature_vouches_for_its_own_bytes_only(message, other):
    key = PrivateKey.generate()
    signature = key.sign(message)
    assert key.public.verify(signature, message)
    assert key.public.verify(signature, message)  # remembered, and still true
    assert key.public.verify(signature, other) == (other == message)
    assert not PrivateKey.generate().public.verify(signature, message)
    forged = bytes([signature[0] ^ 1]) + signature[1:]
    for _ in range(2):  # a refusal is never remembered as a success
        assert not key.public.verify(forged, message)


def test_the_memory_of_verified_signatures_is_bounded():
    key = PrivateKey.generate()
    for n in range(keys.VERIFIED_MEMORY + 50):
        message = n.to_bytes(4, "big")
        assert key.public.verify(key.sign(message), message)
    assert len(keys._verified) == keys.VERIFIED_MEMORY
