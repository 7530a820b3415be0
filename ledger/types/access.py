"""API tokens: a party issues a bearer token by signing its hash; the secret never reaches the log.

The party draws a random secret client-side, signs ``token.issued`` with SHA-256 of the
secret, and presents ``<token_id>.<secret>`` as a bearer token. The service keeps only the hash.
A token records the key that signed its issue and dies with it: once that key is revoked, the
service refuses the token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from ledger.entry_types import Context, entry_type
from ledger.errors import conflict, forbidden, invalid
from ledger.fields import HASH_HEX, TEXT, Instant, Obj, Str
from ledger.timefmt import parse_instant
from ledger.types.identity import REGISTRABLE_ROLES

TOKEN_ID = Str(pattern=r"[a-z0-9]{16}", min_len=16, max_len=16, description="token id")
MAX_LIFETIME = timedelta(days=366)
ALL_ROLES = {"operator", "arm", *REGISTRABLE_ROLES}


def secret_hash(secret: str) -> str:
    """Hex SHA-256 of a token secret."""
    return hashlib.sha256(b"gold-ledger/token/v1\n" + secret.encode()).hexdigest()


def new_token() -> tuple[str, str, str]:
    """A fresh ``(token_id, secret, bearer)``; sign ``token.issued`` with ``secret_hash``."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return token_id, secret, f"{token_id}.{secret}"


@entry_type(
    "token.issued",
    Obj(
        {"token_id": TOKEN_ID, "secret_hash": HASH_HEX, "expires_at": Instant(), "label": TEXT},
        optional=frozenset({"label"}),
    ),
    roles=ALL_ROLES,
    summary="A party issues itself an API token (only the secret's hash is stated).",
)
def token_issued(ctx: Context) -> None:
    body = ctx.body
    expires = parse_instant(body["expires_at"])
    if not ctx.created_at < expires <= ctx.created_at + MAX_LIFETIME:
        raise invalid("a token expires after it is issued and within 366 days", "/body/expires_at")
    if ctx.store.get("token", body["token_id"]) is not None:
        raise conflict("token-exists", "this token id is already used")
    ctx.store.put(
        "token",
        {
            "id": body["token_id"],
            "party": ctx.actor["id"],
            "secret_hash": body["secret_hash"],
            "expires_at": body["expires_at"],
            "label": body.get("label"),
            "key_id": ctx.entry["key_id"],
            "issued_seq": ctx.seq,
            "revoked_seq": None,
        },
    )


@entry_type(
    "token.revoked",
    Obj({"token_id": TOKEN_ID}),
    roles=ALL_ROLES,
    summary="A party (or ARM) revokes an API token.",
)
def token_revoked(ctx: Context) -> None:
    token = ctx.store.get("token", ctx.body["token_id"])
    if token is None:
        raise invalid("no such token", "/body/token_id")
    if token["party"] != ctx.actor["id"] and "arm" not in ctx.actor["roles"]:
        raise forbidden("not-own-token", "a party revokes only its own tokens (or ARM does)")
    if token["revoked_seq"] is not None:
        raise conflict("token-already-revoked", f"revoked at seq {token['revoked_seq']}")
    token["revoked_seq"] = ctx.seq
    ctx.store.put("token", token)
