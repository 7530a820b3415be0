"""RFC 9457 problem details: one handler for every error, each with a stable ``code``.

``type`` is ``/problems/<code>``, served by the API as a short description of the code.
"""

from __future__ import annotations

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from ledger.errors import LedgerError

# Every code the service can answer with, and its title. A test keeps this list complete.
TITLES = {
    # request level
    "malformed-json": "The request body is not valid JSON",
    "unsupported-media-type": "Send application/json",
    "too-large": "The request body is too large",
    "invalid-request": "The request parameters are not valid",
    "not-found": "No such resource",
    "method-not-allowed": "Method not allowed",
    "http-error": "HTTP error",
    "internal-error": "Internal error",
    "unavailable": "The service is busy; retry",
    # entry shape and authentication
    "invalid-entry": "The entry or its body is not valid",
    "unknown-actor": "The actor is not a registered party",
    "unknown-key": "The key is not registered",
    "wrong-key": "The key belongs to another party",
    "revoked-key": "The key is revoked",
    "key-not-yet-valid": "The entry predates its key",
    "bad-signature": "The signature does not verify",
    "role-not-allowed": "The actor's role may not state this entry type",
    "clock-skew": "created_at is in the future",
    "entry-too-old": "created_at is too far in the past",
    "nonce-reused": "The nonce was already used for a different entry",
    "genesis-only-first": "The genesis entry is exactly the first",
    # identity
    "party-exists": "The party is already registered",
    "key-exists": "The key is already registered",
    "not-own-key": "A party manages only its own keys",
    "key-already-revoked": "The key is already revoked",
    "last-key": "The last active key cannot be revoked by its party",
    # proofs
    "invalid-proof": "The Merkle proof does not verify",
    "invalid-note": "The signed note does not verify",
    "invalid-key": "The verifier key is malformed",
}

PROBLEM_JSON = "application/problem+json"


def problem(status: int, code: str, detail: str, pointer: str | None = None, **extra) -> Response:
    """A problem+json response."""
    document = {
        "type": f"/problems/{code}",
        "title": TITLES.get(code, code),
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if pointer is not None:
        document["pointer"] = pointer
    document.update(extra)
    return Response(json.dumps(document), status=status, mimetype=PROBLEM_JSON)


_HTTP_CODES = {
    400: "malformed-json",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    503: "unavailable",
}


def _http(exc: HTTPException) -> Response:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages:  # webargs / marshmallow validation of query or path parameters
        return problem(
            422, "invalid-request", "the request parameters are not valid", errors=messages
        )
    code = getattr(exc, "problem_code", None) or _HTTP_CODES.get(exc.code or 500, "http-error")
    return problem(exc.code or 500, code, data.get("message") or exc.description or exc.name)


def _ledger(exc: LedgerError) -> Response:
    return problem(exc.status, exc.code, exc.detail, exc.pointer)


def _validation(exc: ValidationError) -> Response:
    return problem(422, "invalid-entry", "the entry is not valid", errors=exc.messages)


def _database(exc: DBAPIError) -> Response:
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        response = problem(503, "unavailable", "the database is busy or restarting; retry")
        response.headers["Retry-After"] = "1"
        return response
    return _unexpected(exc)


def _unexpected(exc: Exception) -> Response:
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=exc)
    return problem(500, "internal-error", "an internal error occurred; nothing was written")


def register(app: Flask) -> None:
    """Route every error through problem+json."""
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(LedgerError, _ledger)
    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(DBAPIError, _database)
    app.register_error_handler(Exception, _unexpected)
