"""C2SP signed notes: Go known answers, strict parsing, tampering, co-signing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.errors import LedgerError
from ledger.keys import PrivateKey, b64decode, b64encode
from ledger.note import (
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    NoteSignature,
    Verifier,
    add_signature,
    key_hash,
    open_note,
    parse_note,
    parse_verifier_key,
    sign_note,
    verifier_key,
)
from ledger.problem_codes import Category

GO = json.loads(
    (
        Path(__file__).resolve().parent.parent / "data" / "signed_note" / "golang_x_mod_note.json"
    ).read_text(encoding="utf-8")
)
TEXT = GO["text"]
PETER_SIG = GO["peter_sig_line"]
ENOCH_SIG = GO["enoch_sig_line"]
PETER = parse_verifier_key(GO["peter_vkey"])
ENOCH = parse_verifier_key(GO["enoch_vkey"])


def _peter_key() -> PrivateKey:
    encoded = GO["peter_skey"].split("+", 4)[4]
    return PrivateKey.from_raw(b64decode(encoded, length=33)[1:])


def _refused(code: str, call, *args, **kwargs) -> LedgerError:
    with pytest.raises(LedgerError) as err:
        call(*args, **kwargs)
    assert err.value.code == code, err.value.detail
    assert err.value.category is Category.INVALID
    return err.value


# --- known answers (golang.org/x/mod/sumdb/note) -----------------------------------------------


def test_verifier_key_known_answer():
    assert PETER.name == "PeterNeumann"
    assert PETER.key_hash == bytes.fromhex("c74f20a3")
    assert ENOCH.key_hash == bytes.fromhex("af0cfe78")
    assert key_hash("PeterNeumann", PETER.public_key.raw) == PETER.key_hash
    assert verifier_key("PeterNeumann", PETER.public_key.raw) == GO["peter_vkey"]
    assert _peter_key().public == PETER.public_key


def test_signing_reproduces_the_go_note_exactly():
    assert sign_note(TEXT, "PeterNeumann", _peter_key()) == TEXT + "\n" + PETER_SIG


def test_opening_the_go_note():
    opened = open_note(TEXT + "\n" + PETER_SIG, [PETER])
    assert opened.text == TEXT
    assert opened.verified_by == ["PeterNeumann"]
    assert opened.unknown_signers == []
    assert open_note((TEXT + "\n" + PETER_SIG).encode(), [PETER]).text == TEXT


def test_one_known_and_one_unknown_signature():
    opened = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER])
    assert opened.verified_by == ["PeterNeumann"]
    [enoch] = opened.unknown_signers
    assert enoch.name == "EnochRoot"
    assert enoch.key_hash == ENOCH.key_hash
    assert len(enoch.signature) == 64


def test_both_signatures_known():
    opened = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER, ENOCH])
    assert opened.verified_by == ["PeterNeumann", "EnochRoot"]
    assert opened.unknown_signers == []


def test_no_known_signature_is_refused():
    _refused("invalid-note", open_note, TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])


def test_required_signer_missing_is_refused():
    note = TEXT + "\n" + PETER_SIG
    assert open_note(note, [PETER, ENOCH], required=("PeterNeumann",)).verified_by
    err = _refused("invalid-note", open_note, note, [PETER, ENOCH], required=("EnochRoot",))
    assert "EnochRoot" in err.detail


def test_ambiguous_verifiers_are_refused():
    _refused("invalid-key", open_note, TEXT + "\n" + PETER_SIG, [PETER, ENOCH, PETER])


def _mangled_vkeys(vkey: str):
    for i in range(len(vkey) + 1):
        for j in range(i + 1, len(vkey) + 1):
            if (i, j) != (0, len(vkey)):
                yield vkey[i:j]
    for i in range(len(vkey)):
        yield vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :]


def test_every_mangled_verifier_key_is_refused():
    for bad in _mangled_vkeys(GO["peter_vkey"]):
        _refused("invalid-key", parse_verifier_key, bad)
    for bad in GO["bad_vkeys"].values():
        _refused("invalid-key", parse_verifier_key, bad)


@pytest.mark.parametrize(
    "bad",
    [
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not lowercase
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",  # non-canonical
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
        "",
    ],
)
def test_malformed_verifier_keys_are_refused(bad):
    _refused("invalid-key", parse_verifier_key, bad)


def test_verifier_key_round_trip_and_bad_inputs():
    key = PrivateKey.generate().public
    text = verifier_key("gold.example/log", key.raw)
    verifier = parse_verifier_key(text)
    assert verifier == Verifier("gold.example/log", key)
    assert verifier.key_hash == key_hash("gold.example/log", key.raw)
    _refused("invalid-key", verifier_key, "a+b", key.raw)
    _refused("invalid-key", verifier_key, "name", key.raw[:31])
    _refused("invalid-key", Verifier, "two words", key)
    _refused("invalid-key", Verifier, "", key)


# --- strict parsing ----------------------------------------------------------------------------

PETER_NOTE = TEXT + "\n" + PETER_SIG
TOO_MANY = TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1)


@pytest.mark.parametrize(
    "bad",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + PETER_NOTE,
        "\r" + PETER_NOTE,
        "\t" + PETER_NOTE,
        "\ud800" + PETER_NOTE,
        TEXT + "\n" + "— Bad Name " + PETER_SIG.split(" ")[-1],
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG.replace("— ", "- "),
        TEXT + "\n" + PETER_SIG.replace("— ", "—"),
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter+Neumann"),
        TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),  # unpadded base64
        TEXT + "\n" + PETER_SIG.replace("M=\n", "N=\n"),  # non-canonical base64
        TEXT + "\n" + "— PeterNeumann \n",
        TEXT + "\n" + "— PeterNeumann x08g\n",  # shorter than key hash + 1 byte
        TEXT + "\n" + PETER_SIG + "\n",
        TOO_MANY,
    ],
)
def test_malformed_notes_are_refused(bad):
    _refused("invalid-note", open_note, bad, [PETER])


def test_non_utf8_and_oversized_notes_are_refused():
    _refused("invalid-note", open_note, b"\xff" + PETER_NOTE.encode(), [PETER])
    padding = "x" * MAX_NOTE_BYTES + "\n"
    _refused("invalid-note", open_note, padding + PETER_NOTE, [PETER])
    _refused("invalid-note", open_note, (padding + PETER_NOTE).encode(), [PETER])
    _refused("invalid-note", open_note, None, [PETER])


def test_sixteen_signatures_are_accepted():
    note = sign_note(TEXT, "PeterNeumann", _peter_key())
    for i in range(15):
        note = add_signature(note, f"witness{i}", PrivateKey.generate())
    opened = open_note(note, [PETER])
    assert len(opened.unknown_signers) == 15


def test_text_may_contain_blank_lines():
    text = "first\n\nsecond\n\n"
    note = sign_note(text, "PeterNeumann", _peter_key())
    assert open_note(note, [PETER]).text == text


def test_parse_note_splits_without_verifying():
    text, signatures = parse_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG)
    assert text == TEXT
    assert [s.name for s in signatures] == ["PeterNeumann", "EnochRoot"]
    assert all(isinstance(s, NoteSignature) for s in signatures)


# --- tampering ---------------------------------------------------------------------------------


def test_tampered_text_is_refused():
    for tampered in [
        PETER_NOTE.replace("answer", "Answer"),
        PETER_NOTE.replace("is.\n", "is!\n"),
        "#" + PETER_NOTE,
    ]:
        _refused("invalid-note", open_note, tampered, [PETER])


def test_tampered_signature_is_refused():
    # Go's "invalid signature" case: four characters inserted into the signature.
    _refused(
        "invalid-note", open_note, TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], [PETER]
    )
    raw = bytearray(b64decode(PETER_SIG.split(" ")[-1].strip()))
    for at in (4, 40, len(raw) - 1):
        raw[at] ^= 0x01
        line = "— PeterNeumann " + b64encode(bytes(raw)) + "\n"
        _refused("invalid-note", open_note, TEXT + "\n" + line, [PETER])
        raw[at] ^= 0x01


def test_a_bad_signature_from_a_known_key_rejects_the_whole_note():
    bad_enoch = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    note = TEXT + "\n" + PETER_SIG + bad_enoch
    assert open_note(note, [PETER]).verified_by == ["PeterNeumann"]  # unknown: ignored
    _refused("invalid-note", open_note, note, [PETER, ENOCH])


def test_renamed_or_rehashed_signature_is_unknown():
    renamed = PETER_NOTE.replace("PeterNeumann", "CarmenSandiego")
    _refused("invalid-note", open_note, renamed, [PETER])
    assert open_note(renamed + PETER_SIG, [PETER]).unknown_signers[0].name == "CarmenSandiego"
    rehashed = PETER_NOTE.replace("x08g", "xxxx")
    _refused("invalid-note", open_note, rehashed, [PETER])


# --- signing and co-signing --------------------------------------------------------------------


def test_sign_and_open_round_trip():
    key = PrivateKey.generate()
    verifier = Verifier("gold.example/operator", key.public)
    note = sign_note("gold.example/log\n1\n", verifier.name, key)
    assert open_note(note, [verifier]).verified_by == [verifier.name]
    other = Verifier("gold.example/operator", PrivateKey.generate().public)
    _refused("invalid-note", open_note, note, [other])  # same name, other key: unknown


def test_add_signature_co_signs_and_replaces_its_own_line():
    operator, arm = PrivateKey.generate(), PrivateKey.generate()
    v_operator = Verifier("gold.example/operator", operator.public)
    v_arm = Verifier("arm.example/witness", arm.public)
    note = sign_note("lot 42 refined\n", v_operator.name, operator)
    cosigned = add_signature(note, v_arm.name, arm)
    opened = open_note(cosigned, [v_operator, v_arm], required=(v_operator.name, v_arm.name))
    assert opened.verified_by == [v_operator.name, v_arm.name]
    assert add_signature(cosigned, v_arm.name, arm) == cosigned  # Ed25519 is deterministic
    assert cosigned.count("arm.example/witness") == 1


@pytest.mark.parametrize(
    ("text", "name", "code"),
    [
        ("no final newline", "name", "invalid-note"),
        ("", "name", "invalid-note"),
        ("bell\x07\n", "name", "invalid-note"),
        ("carriage\r\n", "name", "invalid-note"),
        ("text\n", "two words", "invalid-key"),
        ("text\n", "a+b", "invalid-key"),
        ("text\n", "", "invalid-key"),
        ("text\n", "tab\tname", "invalid-key"),
        ("text\n", "nbsp\u00a0name", "invalid-key"),
    ],
)
def test_sign_note_refuses_bad_input(text, name, code):
    _refused(code, sign_note, text, name, _peter_key())


def test_add_signature_refuses_malformed_notes_and_names():
    _refused("invalid-note", add_signature, TEXT, "EnochRoot", PrivateKey.generate())
    _refused("invalid-key", add_signature, PETER_NOTE, "bad name", PrivateKey.generate())
