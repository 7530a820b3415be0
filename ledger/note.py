"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and verifier keys.

A signed note is a text ending in a newline, a blank line, then signature lines
``— <key name> base64(4-byte key hash || signature)``. The key hash is
``SHA-256(name || "\\n" || algorithm byte || public key)[:4]``; a verifier key is the text
``<name>+<8 hex digits of the key hash>+base64(algorithm byte || public key)``.

Parsing is strict and fails closed: notes over 1 MiB or with more than 100 signature lines,
anything but UTF-8 without control characters (newline aside), malformed signature lines and
non-canonical base64 are refused. Unlike golang.org/x/mod/sumdb/note, every signature line from a
known key is verified, repeats included, and one bad signature rejects the whole note.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ledger.errors import LedgerError
from ledger.keys import PrivateKey, PublicKey, b64decode, b64encode

ALG_ED25519 = 0x01
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "  # em dash, space

_HEX8 = re.compile(r"[0-9a-f]{8}")


def _bad_note(detail: str) -> LedgerError:
    return LedgerError("invalid-note", detail)


def _bad_key(detail: str) -> LedgerError:
    return LedgerError("invalid-key", detail)


def _is_valid_name(name: object) -> bool:
    """Non-empty UTF-8 without Unicode spaces, plus signs or control characters."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c.isspace() or c < " " for c in name)
        and _is_utf8(name)
    )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_key_name(name: object) -> None:
    """Refuse (``invalid-key``) a key name that is empty or has a space, a plus or a control."""
    if not _is_valid_name(name):
        raise _bad_key(f"invalid key name {name!r}")


def key_hash(name: str, public_raw: bytes, algorithm: int = ALG_ED25519) -> bytes:
    """The 4-byte key hash: SHA-256(name || "\\n" || algorithm || public key)[:4]."""
    material = name.encode("utf-8") + b"\n" + bytes([algorithm]) + public_raw
    return hashlib.sha256(material).digest()[:4]


def verifier_key(name: str, public_raw: bytes, algorithm: int = ALG_ED25519) -> str:
    """The verifier key text ``name+hash+base64(algorithm || key)`` of a 32-byte public key."""
    check_key_name(name)
    if len(public_raw) != 32:
        raise _bad_key("public key must be 32 bytes")
    digest = key_hash(name, public_raw, algorithm).hex()
    return f"{name}+{digest}+{b64encode(bytes([algorithm]) + public_raw)}"


def decode_verifier_key(text: str, algorithm: int = ALG_ED25519) -> tuple[str, PublicKey]:
    """The name and public key of a verifier key of the given algorithm; ``invalid-key`` else."""
    if not isinstance(text, str):
        raise _bad_key("verifier key must be text")
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise _bad_key("verifier key must be name+hash+key")
    name, digest, encoded = parts
    check_key_name(name)
    if not _HEX8.fullmatch(digest):
        raise _bad_key("key hash must be 8 lowercase hex digits")
    try:
        key = b64decode(encoded, length=33, what="verifier key")
    except LedgerError as exc:
        raise _bad_key(exc.detail) from exc
    if key[0] != algorithm:
        raise _bad_key(f"key algorithm is {key[0]:#04x}, expected {algorithm:#04x}")
    if key_hash(name, key[1:], algorithm).hex() != digest:
        raise _bad_key("key hash does not match the name and key")
    return name, PublicKey(key[1:])


class NoteVerifier(Protocol):
    """A known key as ``open_note`` needs it."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True only if ``signature`` (key hash removed) is valid for the note text."""
        ...


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 note key; ``key_hash`` is derived from the name and key."""

    name: str
    public_key: PublicKey
    key_hash: bytes = field(init=False)

    def __post_init__(self) -> None:
        check_key_name(self.name)
        object.__setattr__(self, "key_hash", key_hash(self.name, self.public_key.raw))

    def verify(self, text: bytes, signature: bytes) -> bool:
        return self.public_key.verify(signature, text)


def parse_verifier_key(text: str) -> Verifier:
    """An Ed25519 ``Verifier`` from its verifier key text."""
    return Verifier(*decode_verifier_key(text, ALG_ED25519))


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key hash and the signature without the key hash."""

    name: str
    key_hash: bytes
    signature: bytes


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures from known keys all verified."""

    text: str
    verified_by: list[str]
    unknown_signers: list[NoteSignature]


def _check_chars(text: str) -> None:
    if any(c < " " and c != "\n" for c in text):
        raise _bad_note("note contains a control character")
    if not _is_utf8(text):
        raise _bad_note("note is not valid UTF-8")


def _decode(note: str | bytes) -> str:
    if not isinstance(note, (str, bytes)):
        raise _bad_note("note must be text")
    if len(note) > MAX_NOTE_BYTES:
        raise _bad_note("note is larger than 1 MiB")
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad_note("note is not valid UTF-8") from exc
    _check_chars(note)
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise _bad_note("note is larger than 1 MiB")
    return note


def _parse_line(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise _bad_note("signature line must start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not _is_valid_name(name):
        raise _bad_note(f"invalid key name {name!r} in a signature line")
    try:
        raw = b64decode(encoded, what="signature")
    except LedgerError as exc:
        raise _bad_note(exc.detail) from exc
    if len(raw) < 5:
        raise _bad_note("signature is too short")
    return NoteSignature(name, raw[:4], raw[4:])


def parse_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signature lines, strictly. Verifies nothing."""
    note = _decode(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise _bad_note("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise _bad_note("note must end with a signature line and a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _bad_note(f"note has more than {MAX_SIGNATURES} signatures")
    return text, [_parse_line(line) for line in lines]


def open_note(
    note: str | bytes, verifiers: Sequence[NoteVerifier], *, required: Sequence[str] = ()
) -> OpenedNote:
    """Parse a note and verify every signature from a known key.

    Refuses (``invalid-note``) a malformed note, any failing signature from a known key, a note
    with no valid signature from a known key, and a note lacking a valid signature from a key
    named in ``required``. Signatures from unknown keys are returned, unverified.
    """
    text, signatures = parse_note(note)
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_hash)
        if slot in known:
            raise _bad_key(f"two verifiers share the name and key hash of {verifier.name!r}")
        known[slot] = verifier
    message = text.encode("utf-8")
    verified: list[str] = []
    unknown: list[NoteSignature] = []
    for sig in signatures:
        signer = known.get((sig.name, sig.key_hash))
        if signer is None:
            unknown.append(sig)
        elif not signer.verify(message, sig.signature):
            raise _bad_note(f"invalid signature by {sig.name}")
        elif sig.name not in verified:
            verified.append(sig.name)
    if not verified:
        raise _bad_note("note has no valid signature from a known key")
    missing = [name for name in required if name not in verified]
    if missing:
        raise _bad_note(f"note is not signed by {', '.join(missing)}")
    return OpenedNote(text, verified, unknown)


def _line(name: str, digest: bytes, signature: bytes) -> str:
    return f"{SIGNATURE_PREFIX}{name} {b64encode(digest + signature)}\n"


def sign_note(text: str, name: str, private_key: PrivateKey) -> str:
    """Sign ``text`` (which must end in a newline) as a new note with one Ed25519 signature."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise _bad_note("note text must end with a newline")
    _check_chars(text)
    check_key_name(name)
    signature = private_key.sign(text.encode("utf-8"))
    return _decode(text + "\n" + _line(name, key_hash(name, private_key.public.raw), signature))


def append_signature(note: str, name: str, digest: bytes, signature: bytes) -> str:
    """Add a signature line to a note, replacing any earlier line with the same name and hash."""
    text, signatures = parse_note(note)
    check_key_name(name)
    if len(digest) != 4:
        raise _bad_key("key hash must be 4 bytes")
    lines = [
        _line(sig.name, sig.key_hash, sig.signature)
        for sig in signatures
        if (sig.name, sig.key_hash) != (name, digest)
    ]
    return _decode(text + "\n" + "".join(lines) + _line(name, digest, signature))


def add_signature(note: str, name: str, private_key: PrivateKey) -> str:
    """Co-sign a signed note with an Ed25519 key. Open and check the note first: this does not."""
    check_key_name(name)
    text, _ = parse_note(note)
    signature = private_key.sign(text.encode("utf-8"))
    return append_signature(note, name, key_hash(name, private_key.public.raw), signature)
