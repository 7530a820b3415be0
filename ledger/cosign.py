"""A second party's signature over another party's entry (e.g. shipper and receiver agreeing).

The cosigner signs ``COSIGN_PREFIX`` + the RFC 8785 canonical JSON of ``{type, actor, body}``
with the body's ``cosignature`` member left out. The body names the lot's current head, so a
cosignature agrees to exactly one statement about one state of one lot.
"""

from __future__ import annotations

from ledger.canonical import canonical_bytes
from ledger.entry_types import Context
from ledger.errors import forbidden
from ledger.fields import KEY_ID, PARTY_ID, Obj, Str
from ledger.keys import PrivateKey, PublicKey, b64decode, b64encode
from ledger.projections import JSONObject

COSIGN_PREFIX = b"gold-ledger/cosignature/v1\n"

COSIGNATURE = Obj(
    {
        "party": PARTY_ID,
        "key_id": KEY_ID,
        "signature": Str(
            pattern=r"[A-Za-z0-9+/]{86}==",
            min_len=88,
            max_len=88,
            description="Ed25519 signature, base64",
        ),
    },
    description="the other party's signature over {type, actor, body without cosignature}",
)


def cosigning_bytes(type: str, actor: str, body: JSONObject) -> bytes:
    """The bytes a cosigner signs."""
    unsigned = {k: v for k, v in body.items() if k != "cosignature"}
    return COSIGN_PREFIX + canonical_bytes({"type": type, "actor": actor, "body": unsigned})


def cosign(key: PrivateKey, party: str, type: str, actor: str, body: JSONObject) -> JSONObject:
    """``body`` with ``party``'s cosignature (made client-side with ``key``)."""
    signature = b64encode(key.sign(cosigning_bytes(type, actor, body)))
    return {**body, "cosignature": {"party": party, "key_id": key.key_id, "signature": signature}}


def require_cosignature(ctx: Context, party_id: str) -> None:
    """Refuse unless the body carries a valid cosignature by an active key of ``party_id``."""
    found = ctx.body.get("cosignature")
    if found is None or found["party"] != party_id:
        raise forbidden("cosignature-required", f"this entry needs {party_id}'s cosignature")
    key = ctx.store.get("key", found["key_id"])
    if key is None or key["party"] != party_id or key["revoked_at"] is not None:
        raise forbidden("bad-cosignature", f"no active key {found['key_id']} of {party_id}")
    message = cosigning_bytes(ctx.entry["type"], ctx.entry["actor"], ctx.body)
    signature = b64decode(found["signature"], length=64, what="cosignature")
    if not PublicKey.from_b64(key["public_key"]).verify(signature, message):
        raise forbidden("bad-cosignature", f"{party_id}'s cosignature does not verify")
