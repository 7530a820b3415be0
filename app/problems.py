"""RFC 9457 problem details: one handler for every error, each with a stable ``code``.

``type`` is ``/problems/<code>``, served by the API as a short description of the code.
"""

from __future__ import annotations

import http

from flask import Flask, Response, json, request
from flask_smorest import Api
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate
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
    # certification and authorisation
    "wrong-role": "The party is not registered in the required role",
    "not-certifier": "Only the issuing certification body may change the certificate",
    "certificate-exists": "The certificate number is already used",
    "certificate-not-active": "The certificate is not active",
    "certificate-not-suspended": "The certificate is not suspended",
    "no-certificate": "The ASMO holds no Fairmined certificate",
    "certificate-scope": "No certificate covers this metal and claim",
    "certificate-expired": "The mine's certificate has expired",
    "certificate-suspended": "The mine's certificate is suspended",
    "certificate-withdrawn": "The mine's certificate is withdrawn",
    "certificate-not-yet-valid": "The mine's certificate is not yet valid",
    "not-authorised": "The party holds no active authorisation",
    "recipient-not-authorised": "The recipient is not authorised to receive this lot",
    "production-outside-certificate": "The production period lies outside the certificate",
    "capacity-exceeded": "The registration exceeds the mine's certified capacity",
    "capacity-not-artisanal": "The capacity exceeds what the miners can produce artisanally",
    # lots
    "unknown-lot": "No such lot",
    "lot-exists": "The lot already exists",
    "not-holder": "Only the current holder may act on the lot",
    "stale-head": "The lot changed since the given lot_head",
    "lot-in-transit": "The lot is in transit",
    "lot-not-active": "The lot is no longer held by anyone",
    "claim-requires-asmo": "Only a certified ASMO registers labelled lots",
    "ecological-process": "Ecological Gold requires mercury-free, cyanide-free processing",
    "sale-required": "A labelled lot leaves the mine only to the buyer it was sold to",
    "not-recipient": "The lot is not in transit to this party",
    "claim-requires-label": "The lot carries no Fairmined label",
    "already-claimed": "The lot is already claimed",
    "premium-unsettled": "Premiums owed on the lot's origin are not settled",
    "weight-dispute": "The lot is held until its weighing dispute is reconciled",
    "no-dispute": "The lot has no open weighing dispute",
    "not-party-to-dispute": "Only the sender, the receiver or ARM settles a weighing dispute",
    "cosignature-required": "The other party's cosignature is required",
    "bad-cosignature": "The cosignature does not verify",
    "not-frozen": "The lot's keeper holds an active authorisation",
    "not-correctable": "Only the lot's current mass statement can be corrected",
    "not-own-statement": "A party corrects only its own statements",
    # market, sales and premiums
    "rate-exists": "The premium rate exists; add a new version",
    "no-premium-rate": "No premium rate is effective on that day",
    "price-exists": "A reference price for that day exists",
    "no-reference-price": "No recent reference price",
    "already-sold": "The lot is already sold",
    "price-below-floor": "The price is below the Fairmined price floor",
    "unknown-obligation": "No such premium obligation",
    "not-payer": "Only the payer records a premium payment",
    "overpayment": "The payment exceeds the premium due",
    "not-payee": "Only the ASMO owed the premium confirms it",
    "over-confirmation": "The confirmation exceeds the amount paid",
    "settlement-not-open": "The lot awaits no settlement assay",
    # transformations
    "metal-mismatch": "Inputs of different metals cannot be combined",
    "split-not-exact": "The parts of a split must add up to the lot exactly",
    "not-refiner": "Only a registered refiner refines",
    "fine-metal-created": "The outputs hold more fine metal than the inputs",
    "excess-loss": "The fine-metal loss exceeds the tolerance",
    "not-manufacturer": "Only a jeweller or caster alloys metal",
    "alloy-not-added": "An alloy weighs more than the metal it is made from",
    "fineness-mismatch": "The fineness is not the one the masses imply",
    # supply models: exchange rates, Fairmined Credits, mass balance
    "no-exchange-rate": "ARM has posted no exchange rate for the sale's currency that week",
    "not-own-production": "Credits are issued only on the mine's own labelled production "
    "before its first sale",
    "credits-exceed-production": "More credits than the lot's labelled fine grams",
    "credits-exist": "The credit batch id is already used",
    "unknown-credits": "No such credit batch",
    "insufficient-credits": "The party holds fewer credits of the batch",
    "retirement-exists": "The retirement id is already used",
    "account-exists": "The mass-balance account id is already used",
    "unknown-account": "No such mass-balance account",
    "not-account-holder": "The account is kept by another party",
    "mass-balance-overdraw": "More fine metal than the account holds for the period",
    # proofs and checkpoints
    "invalid-proof": "The Merkle proof does not verify",
    "invalid-range": "The tree sizes or index are out of range",
    "invalid-note": "The signed note does not verify",
    "invalid-key": "The verifier key is malformed",
    # access
    "authentication-required": "Present a valid API token",
    "forbidden": "The caller may not read this resource",
    "token-exists": "The token id is already used",
    "not-own-token": "A party revokes only its own tokens",
    "token-already-revoked": "The token is already revoked",
    "terms-mismatch": "The private terms do not match the signed commitment",
    "invalid-checkpoint": "The checkpoint is malformed or its signature does not verify",
    "inconsistent-checkpoint": "The checkpoint is not consistent with the log",
    "empty-log": "The ledger has no genesis entry yet",
    "unknown-checkpoint": "No checkpoint of that size",
    "invalid-bundle": "The provenance bundle does not verify",
    "evidence-mismatch": "The private payment evidence does not match the signed commitment",
    # witnesses and publication
    "key-reuse": "Entry-signing keys and witness keys must be distinct",
    "not-own-witness": "A party registers only its own witness (or ARM does)",
    "witness-exists": "The witness key or name is already registered",
    "witness-already-revoked": "The witness key is already revoked",
    "invalid-cosignature": "The posted cosignatures do not all verify against a witness key",
    "already-published": "The lot is already public",
    "rate-limited": "Too many requests; retry later",
    "policy-not-met": "The bundle does not meet the verifier's policy",
    "csrf-failed": "The form's CSRF token is missing or not valid",
}

PROBLEM_JSON = "application/problem+json"


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error response of the service carries them."""

    class Meta:
        unknown = INCLUDE  # RFC 9457 extension members (e.g. ``errors``) may follow

    type = fields.String(required=True, metadata={"description": "/problems/<code>"})
    title = fields.String(required=True)
    status = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    detail = fields.String(required=True)
    code = fields.String(
        required=True,
        validate=validate.OneOf(sorted(TITLES)),
        metadata={"description": "stable, machine-readable reason"},
    )
    instance = fields.String(required=True, metadata={"description": "the request path"})
    pointer = fields.String(metadata={"description": "JSON Pointer to the offending member"})
    errors = fields.Dict(metadata={"description": "validation messages, by member"})


class ProblemApi(Api):
    """flask-smorest's ``Api``, documenting error responses as the problem+json really sent."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # Same components as flask-smorest registers, with the problem+json media type.
        def component(description: str, with_schema: bool) -> dict:
            response: dict = {"description": description}
            if with_schema:
                response["content"] = {PROBLEM_JSON: {"schema": self.ERROR_SCHEMA}}
            return response

        for status in http.HTTPStatus:
            with_schema = not 100 <= status < 200 and status not in (204, 304)
            self.spec.components.response(
                status.name, component(status.phrase, with_schema), lazy=True
            )
        self.spec.components.response(
            "DEFAULT_ERROR", component("An error, as RFC 9457 problem details", True), lazy=True
        )


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
    429: "rate-limited",
    503: "unavailable",
}


def _http(exc: HTTPException) -> Response:
    from app.web import home

    if exc.code == 404 and home.wants_page():  # a browser gets a page, an API client JSON
        return home.not_found_page()
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages:  # webargs / marshmallow validation of query or path parameters
        return problem(
            422, "invalid-request", "the request parameters are not valid", errors=messages
        )
    code = getattr(exc, "problem_code", None) or _HTTP_CODES.get(exc.code or 500, "http-error")
    response = problem(exc.code or 500, code, data.get("message") or exc.description or exc.name)
    if getattr(exc, "valid_methods", None):  # a 405 names the allowed methods (RFC 9110)
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _ledger(exc: LedgerError) -> Response:
    response = problem(exc.status, exc.code, exc.detail, exc.pointer)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="gold-ledger"'
    return response


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
