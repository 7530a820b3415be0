"""The browser signs exactly what the Python core signs: canonical bytes, key ids, signatures
and sale-terms commitments, byte for byte (Ed25519 is deterministic: same key and bytes, same
signature), for unicode text, large integers and every JSON value an entry may hold."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.canonical import SAFE_INT, canonical_bytes
from ledger.entry import sign_entry, signing_bytes, verify_entry_signature
from ledger.keys import PrivateKey, PublicKey, b64decode
from ledger.terms import commitment

pytestmark = pytest.mark.browser

IMPORT = (
    "const m = await import('/workspace/signing.js');"
    "const c = await import('/workspace/canonical.js');"
)


def js(page, body: str, arg=None):
    return page.evaluate(f"async (arg) => {{ {IMPORT} {body} }}", arg)


def browser_canonical(page, value) -> bytes:
    text = js(page, "return c.canonicalText(arg);", value)
    return text.encode("utf-8")


VECTORS = [
    {},
    [],
    {"b": 1, "a": 2, "A": 3, "_": 4, "é": 5, "aa": 6, "a\u0000": 7},
    {
        "text": "Asociación de Mineros La Palma · Nariño — ñandú 🐄 \u2028\u2029"
        ' "q" \\ \n\t\b\f\u001f\u007f'
    },
    {"big": SAFE_INT, "small": -SAFE_INT, "zero": 0, "neg": -1, "mg": 1_000_000_000_000},
    {"nested": {"z": [True, False, None, [], {}], "y": {"x": {"w": "deep"}}}},
    {"\U0001f600": 1, "\uffff": 2, "\ue000": 3},  # keys beyond the BMP sort by UTF-16 units
    ["€", "\U0001d11e", "\u00e9", "e\u0301"],
]


@pytest.mark.parametrize("value", VECTORS)
def test_canonical_bytes_equal_the_core(static_page, value):
    assert browser_canonical(static_page, value) == canonical_bytes(value)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-SAFE_INT, SAFE_INT)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=("Cs",)), max_size=6), children, max_size=4
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=JSON_VALUES)
def test_canonical_bytes_equal_the_core_for_any_entry_value(static_page, value):
    assert browser_canonical(static_page, value) == canonical_bytes(value)


@pytest.mark.parametrize(
    ("expression", "pointer"),
    [
        ("({price: 1.5})", "/price"),
        ("({mass: 2 ** 53})", "/mass"),
        ("({mass: -(2 ** 53)})", "/mass"),
        ("({a: [NaN]})", "/a/0"),
        ("({a: [Infinity]})", "/a/0"),
        ("({s: 'x\\ud800'})", "/s"),
        ("({['k\\udc00']: 1})", "/k\udc00"),
        ("({u: undefined})", "/u"),
        ("({n: 10n})", "/n"),
        ("({d: new Date(0)})", "/d"),
        ("JSON.parse('['.repeat(40) + ']'.repeat(40))", None),
    ],
)
def test_what_the_core_refuses_the_browser_refuses(static_page, expression, pointer):
    refused = js(
        static_page,
        f"try {{ c.canonicalText({expression}); return null; }}"
        " catch (e) { return {name: e.name, pointer: e.pointer, message: e.message}; }",
    )
    assert refused is not None, f"{expression} was canonicalised"
    assert refused["message"]
    if pointer is not None:
        assert refused["pointer"] == pointer


def test_python_refuses_the_same_values():
    """The other half of the refusal contract, on the core's side."""
    from ledger.errors import LedgerError

    for value in ({"price": 1.5}, {"mass": 2**53}, {"s": "x\ud800"}, {"a": [float("nan")]}):
        with pytest.raises(LedgerError):
            canonical_bytes(value)


ENTRY_BODIES = [
    {"lot_id": "DORE-2026-001", "lot_head": "ab" * 32, "gross_mg": 999_999_999_999},
    {"party_id": "asmo-qori-tika", "name": "Cooperativa Aurífera Qori Tika ⛏️", "roles": ["asmo"]},
    {"product": "Anillo de oro Fairmined, 18k — «Ñusta» 💍", "n": -SAFE_INT, "ok": True, "x": None},
]


@pytest.mark.parametrize("body", ENTRY_BODIES)
def test_key_ids_signing_bytes_and_signatures_equal_the_core(static_page, body):
    key = PrivateKey.generate()
    entry = sign_entry(
        key,
        type="lot.received",
        actor="refiner-alpes",
        body=body,
        created_at="2026-12-04T10:11:12Z",
        nonce="n0nce-0123456789_abcdef",
    )
    got = js(
        static_page,
        """
        const key = await m.importPrivateKeyPem(arg.pem);
        const draft = m.draftEntry({type: arg.entry.type, actor: arg.entry.actor, keyId: key.keyId,
          body: arg.entry.body, createdAt: arg.entry.created_at, nonce: arg.entry.nonce});
        const signed = await m.signEntry(key.privateKey, draft);
        return {keyId: key.keyId, publicKey: key.publicKey, extractable: key.privateKey.extractable,
                usages: key.privateKey.usages, bytes: m.b64encode(m.signingBytes(draft)),
                entry: signed};
        """,
        {"pem": key.to_pem().decode(), "entry": entry},
    )
    assert got["keyId"] == key.key_id
    assert got["publicKey"] == key.public.b64
    assert got["extractable"] is False
    assert got["usages"] == ["sign"]
    assert b64decode(got["bytes"]) == signing_bytes(entry)
    assert got["entry"] == entry  # the same signature, byte for byte
    verify_entry_signature(got["entry"], PublicKey.from_b64(key.public.b64))


def test_key_id_of_raw_public_keys_equals_the_core(static_page):
    keys = [PrivateKey.generate().public for _ in range(5)]
    got = js(
        static_page,
        "return Promise.all(arg.map((k) => m.keyIdOf(m.b64decode(k))));",
        [k.b64 for k in keys],
    )
    assert got == [k.key_id for k in keys]


def test_a_non_ed25519_or_garbled_pem_is_refused(static_page):
    refused = js(
        static_page,
        "try { await m.importPrivateKeyPem(arg); return null; } catch (e) { return String(e); }",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    assert refused


@pytest.mark.parametrize(
    "terms",
    [
        {"price": 113_000_00, "currency": "USD", "salt": "c2FsdC1zYWx0LXNhbHQtc2FsdA"},
        {"price": SAFE_INT, "currency": "COP", "salt": "A" * 64},
    ],
)
def test_terms_commitment_equals_the_core(static_page, terms):
    assert js(static_page, "return m.termsCommitment(arg);", terms) == commitment(terms)


def test_sealed_terms_draw_a_fresh_salt_and_commit_to_it(static_page):
    sealed = js(
        static_page, "return Promise.all([m.sealTerms(500, 'USD'), m.sealTerms(500, 'USD')]);"
    )
    first, second = sealed
    assert first["terms"]["salt"] != second["terms"]["salt"]
    for one in sealed:
        assert len(one["terms"]["salt"]) == 32
        assert one["commitment"] == commitment(one["terms"])


@pytest.mark.parametrize("levels", [32, 33, 34, 35])
def test_nesting_limit_is_the_cores(static_page, levels):
    """The deepest nesting the core accepts is exactly the deepest the browser accepts."""
    from ledger.errors import LedgerError

    value: object = []
    for _ in range(levels - 1):
        value = [value]
    try:
        expected = canonical_bytes(value)
    except LedgerError:
        expected = None
    got = js(
        static_page,
        "try { return c.canonicalText(arg); } catch (e) { return null; }",
        value,
    )
    assert (got.encode() if got is not None else None) == expected
    assert (expected is None) == (levels > 33)
