"""C2SP tlog-checkpoints (https://c2sp.org/tlog-checkpoint), signed and witnessed.

The operator signs the checkpoint body as an Ed25519 signed note. The spec only says the key
name SHOULD equal the origin line; here it MUST: ``sign_checkpoint`` and ``open_checkpoint``
refuse a checkpoint whose origin is not the operator's key name, so one key can never vouch for
another log's tree.

Witnesses (ARM) add C2SP tlog-cosignature v1 Ed25519 cosignatures (signature type 0x04,
https://c2sp.org/tlog-cosignature): the signature line holds ``key hash || u64 timestamp ||
Ed25519 signature`` over ``"cosignature/v1\\ntime <timestamp>\\n" || checkpoint body``. A witness
verifier key is the signed-note verifier key with algorithm byte 0x04 (``cosigner_key``). The
Ed25519 cosignature does not commit to the witness name, so a witness key serves one name only.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.errors import LedgerError
from ledger.keys import PrivateKey, PublicKey, b64decode, b64encode
from ledger.merkle import HASH_SIZE, verify_consistency
from ledger.note import (
    NoteVerifier,
    Verifier,
    append_signature,
    check_key_name,
    decode_verifier_key,
    key_hash,
    open_note,
    sign_note,
    verifier_key,
)

ALG_COSIGNATURE_V1 = 0x04
MAX_TREE_SIZE = (1 << 64) - 1
MAX_TIMESTAMP = (1 << 63) - 1

_SIZE = re.compile(r"0|[1-9][0-9]*")


def _bad_checkpoint(detail: str) -> LedgerError:
    return LedgerError("invalid-checkpoint", detail)


def _inconsistent(detail: str) -> LedgerError:
    return LedgerError("inconsistent-checkpoint", detail)


def _is_line(text: object) -> bool:
    return isinstance(text, str) and text != "" and not any(c < " " for c in text)


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: log origin, tree size and RFC 6962 root hash, plus opaque extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _is_line(self.origin):
            raise _bad_checkpoint("origin must be one non-empty line")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise _bad_checkpoint("tree size must be an integer")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise _bad_checkpoint("tree size is out of range")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise _bad_checkpoint(f"root must be a {HASH_SIZE}-byte hash")
        if not isinstance(self.extensions, tuple) or not all(map(_is_line, self.extensions)):
            raise _bad_checkpoint("extension lines must be non-empty lines")

    def body(self) -> str:
        """The note text: origin, decimal size, base64 root and extension lines."""
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint from its note text, strictly (``invalid-checkpoint`` otherwise)."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise _bad_checkpoint("checkpoint must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _bad_checkpoint("checkpoint needs origin, size and root lines")
    origin, size, root, *extensions = lines
    if not _SIZE.fullmatch(size):
        raise _bad_checkpoint("tree size must be decimal without leading zeros")
    try:
        root_hash = b64decode(root, length=HASH_SIZE, what="root hash")
    except LedgerError as exc:
        raise _bad_checkpoint(exc.detail) from exc
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def sign_checkpoint(cp: Checkpoint, name: str, private_key: PrivateKey) -> str:
    """The operator's signed note of a checkpoint; ``name`` must be the origin."""
    if name != cp.origin:
        raise _bad_checkpoint("the operator key name must equal the checkpoint origin")
    return sign_note(cp.body(), name, private_key)


def _cosigned_message(timestamp: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class CosignatureVerifier:
    """A witness key for tlog-cosignature v1 (Ed25519, type 0x04)."""

    name: str
    public_key: PublicKey
    key_hash: bytes = field(init=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        digest = key_hash(self.name, self.public_key.raw, ALG_COSIGNATURE_V1)
        object.__setattr__(self, "key_hash", digest)

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True only for ``u64 timestamp || Ed25519 signature`` over the cosigned message."""
        if len(signature) != 8 + 64:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        return self.public_key.verify(signature[8:], _cosigned_message(timestamp, text))


def cosigner_key(name: str, public_raw: bytes) -> str:
    """The verifier key text of a witness's cosignature v1 key."""
    return verifier_key(name, public_raw, ALG_COSIGNATURE_V1)


def parse_cosigner_key(text: str) -> CosignatureVerifier:
    """A ``CosignatureVerifier`` from its verifier key text (algorithm 0x04 only)."""
    return CosignatureVerifier(*decode_verifier_key(text, ALG_COSIGNATURE_V1))


def _open(
    note: str, operator: Verifier, witnesses: Sequence[NoteVerifier]
) -> tuple[str, Checkpoint, list[str]]:
    if any(w.name == operator.name for w in witnesses):
        raise LedgerError("invalid-key", "a witness may not share the operator's key name")
    opened = open_note(note, [operator, *witnesses], required=(operator.name,))
    cp = parse_checkpoint(opened.text)
    if cp.origin != operator.name:
        raise _bad_checkpoint(f"origin {cp.origin!r} is not the operator key name")
    names = dict.fromkeys(w.name for w in witnesses if w.name in opened.verified_by)
    return opened.text, cp, list(names)


def open_checkpoint(
    note: str, operator_verifier: Verifier, witnesses: Sequence[NoteVerifier] = ()
) -> tuple[Checkpoint, list[str]]:
    """Verify a signed checkpoint; return it and the names of witnesses whose cosignature verified.

    Requires a valid operator signature and an origin equal to the operator's key name. A bad
    signature from any known key (operator or witness) refuses the whole note.
    """
    _, cp, witnessed_by = _open(note, operator_verifier, witnesses)
    return cp, witnessed_by


def _check_extends(previous: Checkpoint | None, cp: Checkpoint, proof: Sequence[bytes]) -> None:
    if previous is None:
        if proof:
            raise _inconsistent("no previous checkpoint, so no consistency proof is expected")
        return
    if previous.origin != cp.origin:
        raise _inconsistent("checkpoint is for another log")
    if cp.size < previous.size:
        raise _inconsistent(f"tree shrinks from {previous.size} to {cp.size}")
    if cp.size == previous.size and cp.root != previous.root:
        raise _inconsistent(f"two different roots for tree size {cp.size}")
    if previous.size == 0 and cp.size > 0:
        if proof:
            raise _inconsistent("a tree extending the empty tree needs no proof")
        return
    verify_consistency(previous.size, cp.size, proof, previous.root, cp.root)


def cosign(
    note: str,
    previous: Checkpoint | None,
    consistency_proof: Sequence[bytes],
    witness_name: str,
    witness_key: PrivateKey,
    operator_verifier: Verifier,
    *,
    timestamp: int | None = None,
) -> str:
    """As a witness, check a signed checkpoint and append a cosignature v1 line to it.

    ``previous`` is the last checkpoint this witness cosigned for the log (``None`` at first
    sight: trust on first use). Refuses ``inconsistent-checkpoint`` (409) for another origin, a
    shrinking tree or a second root for one size, and ``invalid-proof`` (422) when the
    consistency proof does not verify. ``timestamp`` defaults to now (POSIX seconds).
    """
    text, cp, _ = _open(note, operator_verifier, ())
    _check_extends(previous, cp, consistency_proof)
    when = int(time.time()) if timestamp is None else timestamp
    if not isinstance(when, int) or not 0 <= when <= MAX_TIMESTAMP:
        raise _bad_checkpoint("cosignature timestamp is out of range")
    witness = CosignatureVerifier(witness_name, witness_key.public)
    signature = witness_key.sign(_cosigned_message(when, text.encode("utf-8")))
    return append_signature(
        note, witness.name, witness.key_hash, when.to_bytes(8, "big") + signature
    )
