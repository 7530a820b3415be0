"""The signed entry envelope of DESIGN.md: what a party states and signs, client-side.

    {type, actor, key_id, created_at, nonce, body, signature}

Signed bytes are ``ENTRY_PREFIX`` followed by the RFC 8785 canonical JSON of the entry without
``signature``; the signature is Ed25519, base64 encoded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ledger.canonical import canonical_bytes
from ledger.errors import LedgerError, invalid
from ledger.fields import KEY_ID, PARTY_ID, Instant, Obj, Str
from ledger.keys import PrivateKey, PublicKey, b64decode, b64encode
from ledger.projections import JSONObject

ENTRY_PREFIX = b"gold-ledger/entry/v1\n"

ENVELOPE = Obj(
    {
        "type": Str(pattern=r"[a-z][a-z_]*(\.[a-z_]+)+", max_len=64, description="entry type"),
        "actor": PARTY_ID,
        "key_id": KEY_ID,
        "created_at": Instant(description="when the actor signed it (UTC)"),
        "nonce": Str(
            pattern=r"[A-Za-z0-9_-]{16,64}",
            min_len=16,
            max_len=64,
            description="unique per actor; makes resubmission idempotent",
        ),
        "body": Obj({}, description="type-specific content"),
        "signature": Str(
            pattern=r"[A-Za-z0-9+/]{86}==",
            min_len=88,
            max_len=88,
            description="Ed25519 signature, base64",
        ),
    }
)
_ENVELOPE_MEMBERS = set(ENVELOPE.members)


def check_envelope(entry: Any) -> JSONObject:
    """Validate the envelope's shape (not the body, not the signature); return it."""
    if not isinstance(entry, dict):
        raise invalid("an entry must be a JSON object", "/")
    unknown = sorted(set(entry) - _ENVELOPE_MEMBERS)
    if unknown:
        raise invalid(f"unknown member {unknown[0]!r}", f"/{unknown[0]}")
    for name, member in ENVELOPE.members.items():
        if name not in entry:
            raise invalid("is required", f"/{name}")
        if name != "body":
            member.check(entry[name], f"/{name}")
    if not isinstance(entry["body"], dict):
        raise invalid("must be an object", "/body")
    return entry


@dataclass(frozen=True)
class CheckedEntry:
    """An entry whose envelope has been checked, with its canonical bytes (computed once, and
    reused for the signature, the record hash and storage)."""

    entry: JSONObject
    text: bytes


def checked_entry(entry: Any) -> CheckedEntry:
    """Check the envelope (``check_envelope``) and canonicalise the entry."""
    entry = check_envelope(entry)
    return CheckedEntry(entry, canonical_bytes(entry))


def signing_bytes(entry: JSONObject, text: bytes | None = None) -> bytes:
    """The exact bytes a party signs: prefix + canonical JSON of the entry minus signature.

    ``text``, the canonical bytes of the whole entry, gives them without a second walk: the
    envelope's last two members in canonical order are ``signature`` and ``type``, both
    ASCII by their patterns, so the unsigned form is ``text`` with the signature member cut.
    """
    if text is not None:
        tail = f',"type":"{entry["type"]}"}}'.encode()
        signed_tail = f',"signature":"{entry["signature"]}"'.encode() + tail
        if text.endswith(signed_tail):
            return ENTRY_PREFIX + text[: -len(signed_tail)] + tail
    unsigned = {k: v for k, v in entry.items() if k != "signature"}
    return ENTRY_PREFIX + canonical_bytes(unsigned)


def sign_entry(
    key: PrivateKey,
    *,
    type: str,
    actor: str,
    body: JSONObject,
    created_at: str,
    nonce: str | None = None,
) -> JSONObject:
    """Build and sign an entry with ``key`` (client-side)."""
    entry = {
        "type": type,
        "actor": actor,
        "key_id": key.key_id,
        "created_at": created_at,
        "nonce": nonce or secrets.token_urlsafe(18),
        "body": body,
    }
    entry["signature"] = b64encode(key.sign(signing_bytes(entry)))
    return entry


def verify_entry_signature(
    entry: JSONObject, public_key: PublicKey, text: bytes | None = None
) -> None:
    """Raise ``bad-signature`` unless ``entry`` carries a valid signature by ``public_key``
    (``text`` as in ``signing_bytes``)."""
    if public_key.key_id != entry["key_id"]:
        raise LedgerError("wrong-key", "key_id does not name this public key")
    signature = b64decode(entry["signature"], length=64, what="signature")
    if not public_key.verify(signature, signing_bytes(entry, text)):
        raise LedgerError("bad-signature", "the signature does not verify")
