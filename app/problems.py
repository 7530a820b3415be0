"""RFC 9457 problem details: one handler for every error, each with a stable ``code``.

``type`` is ``/problems/<code>``, served by the API as a short description of the code.
"""

from __future__ import annotations

import http

from flask import Flask, Response, json, jsonify, request
from flask_smorest import Api, abort
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from ledger import problem_codes
from ledger.errors import LedgerError
from ledger.problem_codes import Category

# The HTTP status of each category of problem.
STATUSES: dict[Category, int] = {
    Category.REQUEST: 400,
    Category.UNAUTHENTICATED: 401,
    Category.FORBIDDEN: 403,
    Category.NOT_FOUND: 404,
    Category.METHOD_NOT_ALLOWED: 405,
    Category.CONFLICT: 409,
    Category.TOO_LARGE: 413,
    Category.UNSUPPORTED_MEDIA_TYPE: 415,
    Category.INVALID: 422,
    Category.RATE_LIMITED: 429,
    Category.INTERNAL: 500,
    Category.UNAVAILABLE: 503,
}


def status_of(code: str) -> int:
    """The HTTP status a registered ``code`` is answered with."""
    return STATUSES[problem_codes.problem(code).category]


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
        validate=validate.OneOf(sorted(problem_codes.PROBLEMS)),
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


def problem(
    code: str, detail: str, pointer: str | None = None, *, status: int | None = None, **extra
) -> Response:
    """A problem+json response; ``status`` defaults to the one of the code's category."""
    status = status or status_of(code)
    document = {
        "type": f"/problems/{code}",
        "title": problem_codes.problem(code).title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if pointer is not None:
        document["pointer"] = pointer
    document.update(extra)
    return Response(json.dumps(document), status=status, mimetype=PROBLEM_JSON)


# The code of each HTTP error the web layer raises; any other is ``http-error``.
HTTP_CODES = {
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
        return problem("invalid-request", "the request parameters are not valid", errors=messages)
    status = exc.code or 500
    detail = data.get("message") or exc.description or exc.name
    response = problem(HTTP_CODES.get(status, "http-error"), detail, status=status)
    if getattr(exc, "valid_methods", None):  # a 405 names the allowed methods (RFC 9110)
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _ledger(exc: LedgerError) -> Response:
    response = problem(exc.code, exc.detail, exc.pointer)
    if exc.category is Category.UNAUTHENTICATED:
        response.headers["WWW-Authenticate"] = 'Bearer realm="gold-ledger"'
    return response


def _validation(exc: ValidationError) -> Response:
    return problem("invalid-entry", "the entry is not valid", errors=exc.messages)


def _database(exc: DBAPIError) -> Response:
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        response = problem("unavailable", "the database is busy or restarting; retry")
        response.headers["Retry-After"] = "1"
        return response
    return _unexpected(exc)


def _unexpected(exc: Exception) -> Response:
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=exc)
    return problem("internal-error", "an internal error occurred; nothing was written")


def _describe(code: str) -> Response:
    """What a problem's ``type`` names: the code's title and HTTP status."""
    if code not in problem_codes.PROBLEMS:
        abort(404, message=f"no problem code {code!r}")
    title = problem_codes.problem(code).title
    return jsonify(code=code, title=title, status=status_of(code))


def register(app: Flask) -> None:
    """Route every error through problem+json, and describe each code at ``/problems/<code>``."""
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(LedgerError, _ledger)
    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(DBAPIError, _database)
    app.register_error_handler(Exception, _unexpected)
    app.add_url_rule("/problems/<code>", "problem", _describe, methods=["GET"])
