"""Who is calling: bearer API tokens (issued by signed ``token.issued`` entries, kept as hashes).

Public reads need nothing. Everything else names the parties and roles allowed; a request
without a valid token gets 401 ``authentication-required``, a party outside the policy 403
``forbidden``. Tokens arrive as ``Authorization: Bearer <token_id>.<secret>`` or, for web
pages, in the ``ledger_token`` cookie set by the login form.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import g, request

from app import db
from app.db.store import SqlStore
from app.db.uow import reading
from ledger.errors import LedgerError
from ledger.timefmt import parse_instant
from ledger.types.access import secret_hash

COOKIE = "ledger_token"
SUPERVISORS = frozenset({"arm", "operator"})
_BEARER = re.compile(r"([a-z0-9]{16})\.([A-Za-z0-9_-]{20,100})")


class Unauthenticated(LedgerError):
    """No valid credentials (401)."""

    def __init__(self, detail: str):
        super().__init__("authentication-required", detail, status=401)


def _presented() -> str | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthenticated("use Authorization: Bearer <token>")
        return value.strip()
    return request.cookies.get(COOKIE)


def party_for_token(store: SqlStore, bearer: str) -> dict:
    """The party a bearer token belongs to, if the token is valid now."""
    match = _BEARER.fullmatch(bearer)
    if not match:
        raise Unauthenticated("malformed token")
    token = store.get("token", match.group(1))
    if token is None or not hmac.compare_digest(token["secret_hash"], secret_hash(match.group(2))):
        raise Unauthenticated("unknown token")
    if token["revoked_seq"] is not None:
        raise Unauthenticated("the token is revoked")
    if parse_instant(token["expires_at"]) <= datetime.now(UTC):
        raise Unauthenticated("the token has expired")
    return store.get("party", token["party"])


def caller() -> dict | None:
    """The authenticated party of this request, or None for an anonymous request."""
    if "ledger_caller" not in g:
        bearer = _presented()
        if not bearer:
            g.ledger_caller = None
        else:
            with reading(db.get_engine()) as connection:
                g.ledger_caller = party_for_token(SqlStore(connection), bearer)
    return g.ledger_caller


def authenticated() -> dict:
    """The caller, who must have presented a valid token."""
    party = caller()
    if party is None:
        raise Unauthenticated("this resource needs an API token")
    return party


def require(*, roles: Iterable[str] = (), parties: Iterable[str] = ()) -> dict:
    """The caller, if it is ARM or the operator, has one of ``roles``, or is one of ``parties``."""
    party = authenticated()
    allowed_roles = SUPERVISORS | set(roles)
    if allowed_roles & set(party["roles"]) or party["id"] in set(parties):
        return party
    raise LedgerError("forbidden", f"{party['id']} may not read this resource", status=403)


def require_lot_reader(store: SqlStore, lot: dict) -> dict:
    """The caller, if it may read ``lot``: everyone who has held, shipped, received or mined
    it, the certification bodies of its mines, ARM and the operator."""
    readers = set(lot["custodians"]) | set(lot["origin_asmos"])
    if lot["incoming_to"]:
        readers.add(lot["incoming_to"])
    readers |= {
        c["certifier"] for a in lot["origin_asmos"] for c in store.find("certificate", "party", a)
    }
    return require(parties=readers)
