"""Who is calling: bearer API tokens (issued by signed ``token.issued`` entries, kept as hashes).

Public reads need nothing. Everything else names the parties and roles allowed; a request
without a valid token gets 401 ``authentication-required``, a party outside the policy 403
``forbidden``. Tokens arrive as ``Authorization: Bearer <token_id>.<secret>``; web pages
use a server-side session opened by the login form (``app.web_sessions``), which holds the
token's id, never its secret. A token (and a session opened with it) is refused once it is
revoked or expired, or once the key that signed its ``token.issued`` is revoked.

Reads of one object check the right to read before existence: a caller who may not read a lot
or an obligation gets the same 404 whether it exists or not.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import g, request, session

from app import service
from app.db.store import SqlStore
from app.db.uow import reading
from ledger.errors import LedgerError
from ledger.timefmt import parse_instant
from ledger.types.access import secret_hash
from ledger.types.publication import is_public

SUPERVISORS = frozenset({"arm", "operator"})
_BEARER = re.compile(r"([a-z0-9]{16})\.([A-Za-z0-9_-]{20,100})")


class Unauthenticated(LedgerError):
    """No valid credentials (401)."""

    def __init__(self, detail: str):
        super().__init__("authentication-required", detail)


def _presented() -> str | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthenticated("use Authorization: Bearer <token>")
        return value.strip()
    return None


def token_for(store: SqlStore, bearer: str) -> dict:
    """The token a bearer string presents, if it is valid now."""
    match = _BEARER.fullmatch(bearer)
    if not match:
        raise Unauthenticated("malformed token")
    token = store.get("token", match.group(1))
    if token is None or not hmac.compare_digest(token["secret_hash"], secret_hash(match.group(2))):
        raise Unauthenticated("unknown token")
    check_token(store, token)
    return token


def check_token(store: SqlStore, token: dict) -> None:
    """Refuse a revoked or expired token, and one whose issuing key is revoked."""
    if token["revoked_seq"] is not None:
        raise Unauthenticated("the token is revoked")
    if parse_instant(token["expires_at"]) <= datetime.now(UTC):
        raise Unauthenticated("the token has expired")
    key = store.get("key", token.get("key_id", ""))
    if key is None or key["revoked_seq"] is not None:
        raise Unauthenticated("the key that issued the token is revoked")


def party_for_token(store: SqlStore, bearer: str) -> dict:
    """The party a bearer token belongs to, if the token is valid now."""
    return store.get("party", token_for(store, bearer)["party"])


def _session_party(store: SqlStore) -> dict | None:
    token_id = session.get("token_id")
    token = store.get("token", token_id) if isinstance(token_id, str) else None
    if token is None or token["party"] != session.get("party"):
        return None
    try:
        check_token(store, token)
    except Unauthenticated:
        return None
    return store.get("party", token["party"])


def caller() -> dict | None:
    """The authenticated party of this request, or None for an anonymous request."""
    if "ledger_caller" not in g:
        bearer = _presented()
        if bearer:
            with reading(service.current().engine) as connection:
                g.ledger_caller = party_for_token(SqlStore(connection), bearer)
        elif session.get("party"):
            with reading(service.current().engine) as connection:
                g.ledger_caller = _session_party(SqlStore(connection))
        else:
            g.ledger_caller = None
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
    raise LedgerError("forbidden", f"{party['id']} may not read this resource")


def lot_readers(store: SqlStore, lot: dict) -> set[str]:
    """Who may read ``lot``: everyone who has held, shipped, received or mined it and the
    certification bodies of its mines (ARM and the operator read every lot)."""
    readers = set(lot["custodians"]) | set(lot["origin_asmos"])
    if lot["incoming_to"]:
        readers.add(lot["incoming_to"])
    readers |= {
        c["certifier"] for a in lot["origin_asmos"] for c in store.find("certificate", "party", a)
    }
    return readers


def may_read(party: dict | None, readers: set[str]) -> bool:
    """True if ``party`` is a supervisor or one of ``readers``."""
    return party is not None and bool(SUPERVISORS & set(party["roles"]) or party["id"] in readers)


def not_found(what: str) -> LedgerError:
    """The one answer for a missing object and an object the caller may not read."""
    return LedgerError("not-found", f"no {what} you may read")


def viewable_lot(store: SqlStore, lot_id: str) -> dict:
    """The lot, if its provenance may be shown to the caller (anonymous or not): a public lot
    (``ledger.types.publication``) or one the caller may read; 404 alike otherwise."""
    lot = store.get("lot", lot_id)
    if lot is None or not (is_public(lot) or may_read(caller(), lot_readers(store, lot))):
        raise not_found(f"lot {lot_id!r}")
    return lot


def readable_lot(store: SqlStore, lot_id: str) -> dict:
    """The lot, if the (authenticated) caller may read it; 404 alike when missing or not."""
    party = authenticated()
    lot = store.get("lot", lot_id)
    if lot is None or not may_read(party, lot_readers(store, lot)):
        raise not_found(f"lot {lot_id!r}")
    return lot
