"""C2SP tlog-checkpoints: body format, operator signature, witness cosignatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.checkpoint import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    CosignatureVerifier,
    cosign,
    cosigner_key,
    open_checkpoint,
    parse_checkpoint,
    parse_cosigner_key,
    sign_checkpoint,
)
from ledger.errors import LedgerError
from ledger.keys import PrivateKey, b64decode, b64encode
from ledger.merkle import EMPTY_ROOT, consistency_proof, leaf_hash, root
from ledger.note import (
    Verifier,
    add_signature,
    key_hash,
    open_note,
    parse_note,
    parse_verifier_key,
    sign_note,
)
from ledger.problem_codes import Category

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "checkpoint" / "vectors.json").read_text(
        encoding="utf-8"
    )
)

ORIGIN = "gold.example/ledger"
OPERATOR_KEY = PrivateKey.generate()
OPERATOR = Verifier(ORIGIN, OPERATOR_KEY.public)
ARM_NAME = "arm.example/witness"
ARM_KEY = PrivateKey.generate()
ARM = CosignatureVerifier(ARM_NAME, ARM_KEY.public)
T0 = 1_700_000_000


def _refused(code: str, call, *args, **kwargs) -> LedgerError:
    with pytest.raises(LedgerError) as err:
        call(*args, **kwargs)
    assert err.value.code == code, err.value.detail
    return err.value


def _leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


def _checkpoint(leaves: list[bytes], size: int) -> Checkpoint:
    return Checkpoint(ORIGIN, size, root(leaves[:size]))


def _signed(leaves: list[bytes], size: int) -> str:
    return sign_checkpoint(_checkpoint(leaves, size), ORIGIN, OPERATOR_KEY)


# --- body --------------------------------------------------------------------------------------


def test_body_and_parse_round_trip():
    digest = bytes(range(32))
    cp = Checkpoint(ORIGIN, 20852163, digest, ("ext one", "ext-two"))
    assert cp.body() == f"{ORIGIN}\n20852163\n{b64encode(digest)}\next one\next-two\n"
    assert parse_checkpoint(cp.body()) == cp
    empty = Checkpoint(ORIGIN, 0, EMPTY_ROOT)
    assert empty.body() == f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    assert parse_checkpoint(empty.body()) == empty


GOOD_ROOT = b64encode(bytes(32))


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n1\n{GOOD_ROOT}",
        f"{ORIGIN}\n1\n",
        f"\n1\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n01\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n00\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n+1\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n-1\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n 1\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n1.0\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n1_0\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n\u0661\n{GOOD_ROOT}\n",  # ARABIC-INDIC DIGIT ONE
        f"{ORIGIN}\n\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n{1 << 64}\n{GOOD_ROOT}\n",
        f"{ORIGIN}\n1\n{b64encode(bytes(31))}\n",
        f"{ORIGIN}\n1\n{GOOD_ROOT[:-1]}\n",
        f"{ORIGIN}\n1\n{GOOD_ROOT[:-2]}B=\n",  # non-canonical base64
        f"{ORIGIN}\n1\n{GOOD_ROOT}\n\n",  # empty extension line
        f"{ORIGIN}\n1\n{GOOD_ROOT}\next\n\n",
        f"{ORIGIN}\r\n1\n{GOOD_ROOT}\n",
    ],
)
def test_malformed_bodies_are_refused(text):
    _refused("invalid-checkpoint", parse_checkpoint, text)


@pytest.mark.parametrize(
    "args",
    [
        ("", 1, bytes(32)),
        ("two\nlines", 1, bytes(32)),
        (ORIGIN, -1, bytes(32)),
        (ORIGIN, True, bytes(32)),
        (ORIGIN, 1, bytes(31)),
        (ORIGIN, 1, "0" * 32),
        (ORIGIN, 1, bytes(32), ("",)),
        (ORIGIN, 1, bytes(32), ["list"]),
    ],
)
def test_invalid_checkpoints_cannot_be_built(args):
    _refused("invalid-checkpoint", Checkpoint, *args)


# --- operator signature ------------------------------------------------------------------------


def test_sign_and_open_round_trip():
    leaves = _leaves(11)
    note = _signed(leaves, 11)
    cp, witnessed_by = open_checkpoint(note, OPERATOR)
    assert cp == _checkpoint(leaves, 11)
    assert witnessed_by == []


def test_a_real_sum_golang_org_checkpoint_verifies_but_its_origin_is_not_its_key_name():
    v = VECTORS["sumdb"]
    sumdb = parse_verifier_key(v["vkey"])
    opened = open_note(v["note"], [sumdb])
    cp = parse_checkpoint(opened.text)
    assert (cp.origin, cp.size, cp.root) == (
        "go.sum database tree",
        v["size"],
        b64decode(v["root"]),
    )
    # Its origin line predates the "origin = key name" convention, which this ledger requires.
    err = _refused("invalid-checkpoint", open_checkpoint, v["note"], sumdb)
    assert "origin" in err.detail
    tampered = v["note"].replace(str(v["size"]), str(v["size"] + 1))
    _refused("invalid-note", open_note, tampered, [sumdb])


def test_operator_must_sign_under_the_origin_name():
    cp = _checkpoint(_leaves(3), 3)
    _refused("invalid-checkpoint", sign_checkpoint, cp, "other.example/log", OPERATOR_KEY)
    other = PrivateKey.generate()
    note = sign_note(cp.body(), "other.example/log", other)
    _refused(
        "invalid-checkpoint", open_checkpoint, note, Verifier("other.example/log", other.public)
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("\n11\n", "\n12\n"),  # size
        (ORIGIN + "\n", "gold.example/ledgex\n"),  # origin
        ("=\n\n", "=\nextension\n\n"),  # an added extension line
    ],
)
def test_tampered_checkpoints_are_refused(old, new):
    note = _signed(_leaves(11), 11)
    assert old in note
    _refused("invalid-note", open_checkpoint, note.replace(old, new, 1), OPERATOR)


def test_tampered_root_is_refused():
    note = _signed(_leaves(11), 11)
    cp = parse_checkpoint(parse_note(note)[0])
    other = b64encode(bytes([cp.root[0] ^ 1]) + cp.root[1:])
    _refused("invalid-note", open_checkpoint, note.replace(b64encode(cp.root), other), OPERATOR)


def test_missing_or_foreign_operator_signature_is_refused():
    note = _signed(_leaves(4), 4)
    impostor = PrivateKey.generate()
    _refused("invalid-note", open_checkpoint, note, Verifier(ORIGIN, impostor.public))
    forged = sign_note(parse_note(note)[0], ORIGIN, impostor)
    _refused("invalid-note", open_checkpoint, forged, OPERATOR)
    renamed = note.replace(f"— {ORIGIN} ", "— gold.example/other ")
    _refused("invalid-note", open_checkpoint, renamed, OPERATOR)


# --- witness cosignatures ----------------------------------------------------------------------


def test_cosigner_keys():
    text = cosigner_key(ARM_NAME, ARM_KEY.public.raw)
    assert parse_cosigner_key(text) == ARM
    assert ARM.key_hash == key_hash(ARM_NAME, ARM_KEY.public.raw, ALG_COSIGNATURE_V1)
    _refused("invalid-key", parse_verifier_key, text)  # not an Ed25519 note key
    _refused("invalid-key", parse_cosigner_key, "x+y+z")
    v = VECTORS["cosigner"]
    remora = parse_cosigner_key(v["vkey"])
    assert (remora.name, remora.key_hash.hex()) == (v["name"], v["key_hash"])
    assert cosigner_key(remora.name, remora.public_key.raw) == v["vkey"]
    _refused("invalid-key", parse_verifier_key, v["vkey"])


def test_cosign_first_checkpoint_and_open_with_witnesses():
    leaves = _leaves(8)
    note = _signed(leaves, 8)
    cosigned = cosign(note, None, [], ARM_NAME, ARM_KEY, OPERATOR, timestamp=T0)
    cp, witnessed_by = open_checkpoint(cosigned, OPERATOR, [ARM])
    assert cp == _checkpoint(leaves, 8)
    assert witnessed_by == [ARM_NAME]
    assert open_checkpoint(cosigned, OPERATOR) == (cp, [])  # witness unknown: ignored


def test_cosignature_line_is_tlog_cosignature_v1():
    note = _signed(_leaves(5), 5)
    cosigned = cosign(note, None, [], ARM_NAME, ARM_KEY, OPERATOR, timestamp=T0)
    text, signatures = parse_note(cosigned)
    [operator_sig, arm_sig] = signatures
    assert operator_sig.name == ORIGIN
    assert arm_sig.name == ARM_NAME
    assert arm_sig.key_hash == key_hash(ARM_NAME, ARM_KEY.public.raw, 0x04)
    assert arm_sig.signature[:8] == T0.to_bytes(8, "big")
    message = f"cosignature/v1\ntime {T0}\n{text}".encode()
    assert ARM_KEY.public.verify(arm_sig.signature[8:], message)


def test_witness_accepts_a_consistent_extension():
    leaves = _leaves(40)
    previous = _checkpoint(leaves, 13)
    note = _signed(leaves, 40)
    proof = consistency_proof(leaves, 13)
    cosigned = cosign(note, previous, proof, ARM_NAME, ARM_KEY, OPERATOR, timestamp=T0)
    assert open_checkpoint(cosigned, OPERATOR, [ARM])[1] == [ARM_NAME]
    same = cosign(note, _checkpoint(leaves, 40), [], ARM_NAME, ARM_KEY, OPERATOR, timestamp=T0)
    assert same == cosigned
    from_empty = cosign(note, Checkpoint(ORIGIN, 0, EMPTY_ROOT), [], ARM_NAME, ARM_KEY, OPERATOR)
    assert open_checkpoint(from_empty, OPERATOR, [ARM])[1] == [ARM_NAME]


def test_witness_refuses_a_shrinking_tree():
    leaves = _leaves(20)
    note = _signed(leaves, 10)
    err = _refused(
        "inconsistent-checkpoint",
        cosign,
        note,
        _checkpoint(leaves, 20),
        [],
        ARM_NAME,
        ARM_KEY,
        OPERATOR,
    )
    assert err.category is Category.CONFLICT


def test_witness_refuses_a_second_root_for_one_size():
    note = _signed(_leaves(10), 10)
    fork = _checkpoint(_leaves(10, b"fork"), 10)
    _refused("inconsistent-checkpoint", cosign, note, fork, [], ARM_NAME, ARM_KEY, OPERATOR)


def test_witness_refuses_a_forked_history():
    honest = _leaves(16)
    forked = honest[:5] + _leaves(11, b"fork")
    previous = _checkpoint(honest, 8)
    note = _signed(forked, 16)
    for proof in (consistency_proof(forked, 8), consistency_proof(honest, 8), []):
        _refused("invalid-proof", cosign, note, previous, proof, ARM_NAME, ARM_KEY, OPERATOR)


def test_witness_refuses_a_bad_proof_or_another_log():
    leaves = _leaves(30)
    previous = _checkpoint(leaves, 9)
    note = _signed(leaves, 30)
    proof = consistency_proof(leaves, 9)
    bad = [bytes([proof[0][0] ^ 0x80]) + proof[0][1:], *proof[1:]]
    _refused("invalid-proof", cosign, note, previous, bad, ARM_NAME, ARM_KEY, OPERATOR)
    _refused("invalid-proof", cosign, note, previous, proof[:-1], ARM_NAME, ARM_KEY, OPERATOR)
    elsewhere = Checkpoint("other.example/log", 9, previous.root)
    _refused("inconsistent-checkpoint", cosign, note, elsewhere, proof, ARM_NAME, ARM_KEY, OPERATOR)
    _refused("inconsistent-checkpoint", cosign, note, None, proof, ARM_NAME, ARM_KEY, OPERATOR)


def test_witness_refuses_a_note_without_a_valid_operator_signature():
    leaves = _leaves(6)
    forged = sign_note(_checkpoint(leaves, 6).body(), ORIGIN, PrivateKey.generate())
    _refused("invalid-note", cosign, forged, None, [], ARM_NAME, ARM_KEY, OPERATOR)
    tampered = _signed(leaves, 6).replace("\n6\n", "\n7\n")
    _refused("invalid-note", cosign, tampered, None, [], ARM_NAME, ARM_KEY, OPERATOR)


def test_a_bad_cosignature_from_a_known_witness_rejects_the_checkpoint():
    note = _signed(_leaves(7), 7)
    cosigned = cosign(note, None, [], ARM_NAME, ARM_KEY, OPERATOR, timestamp=T0)
    arm_sig = parse_note(cosigned)[1][-1]
    bumped = (T0 + 1).to_bytes(8, "big") + arm_sig.signature[8:]
    line = f"— {ARM_NAME} {b64encode(arm_sig.key_hash + bumped)}\n"
    tampered = cosigned.replace(cosigned.splitlines(keepends=True)[-1], line)
    _refused("invalid-note", open_checkpoint, tampered, OPERATOR, [ARM])
    assert open_checkpoint(tampered, OPERATOR)[1] == []


def test_a_plain_note_signature_is_not_a_cosignature():
    note = _signed(_leaves(7), 7)
    plain = add_signature(note, ARM_NAME, ARM_KEY)  # type 0x01 line: other key hash
    assert open_checkpoint(plain, OPERATOR, [ARM])[1] == []


def test_witness_names_must_differ_from_the_operator():
    note = _signed(_leaves(3), 3)
    twin = CosignatureVerifier(ORIGIN, ARM_KEY.public)
    _refused("invalid-key", open_checkpoint, note, OPERATOR, [twin])


def test_cosign_refuses_bad_timestamps_and_names():
    note = _signed(_leaves(3), 3)
    for when in (-1, 1 << 63):
        _refused(
            "invalid-checkpoint",
            cosign,
            note,
            None,
            [],
            ARM_NAME,
            ARM_KEY,
            OPERATOR,
            timestamp=when,
        )
    _refused("invalid-key", cosign, note, None, [], "bad name", ARM_KEY, OPERATOR, timestamp=T0)
