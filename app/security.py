"""Web hardening: security headers, the TLS proxy, request body limits, CSRF and rate limits.

- Every response carries a Content-Security-Policy without inline script (pages load their
  scripts from ``/static``), ``X-Content-Type-Options: nosniff``, frame protection
  (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``) and ``Referrer-Policy``.
- Behind a TLS-terminating proxy, ``LEDGER_PROXY_HOPS`` = the number of proxies in front makes
  the service trust that many ``X-Forwarded-For/-Proto`` hops (Werkzeug's ProxyFix), so cookies
  get ``Secure`` and rate limits see the client's address. ``X-Forwarded-Host`` is never
  trusted: links and QR codes use ``LEDGER_PUBLIC_URL``.
- A body sent without ``Content-Length`` (chunked) is read up to the limit; one byte more is
  ``413 too-large``, never a truncated body.
- State-changing web forms carry a CSRF token (Flask-WTF, kept in the server-side session);
  the JSON API authenticates with bearer tokens or signatures, never cookies, so it is exempt.
- Anonymous and expensive endpoints are rate limited per client address (Flask-Limiter, in
  memory by default; ``LEDGER_RATELIMIT_STORAGE_URI`` names a shared store such as Redis).
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from app import problems

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Swagger UI sets style attributes in its markup; scripts stay 'self' only.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

csrf = CSRFProtect()


def secret_key(path: Path) -> bytes:
    """The key that signs CSRF tokens, from a file (created, mode 0600, on first use), so that
    every worker of the service shares it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = path.open("xb")
        except FileExistsError:
            return path.read_bytes()
        path.chmod(0o600)
        with descriptor:
            descriptor.write(secrets.token_bytes(32))
    return path.read_bytes()


def _headers(response: Response) -> Response:
    docs = request.path.startswith("/api/docs")
    response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _bounded_body() -> None:
    """Read a body without Content-Length up to the limit; refuse one byte more (413).

    Werkzeug would silently stop reading such a body at the limit, so a truncated body could
    reach a view; here it is read from the server's input directly and replaced by its copy.
    """
    limit = request.max_content_length
    if request.content_length is not None or limit is None:
        return
    if request.headers.get("Transfer-Encoding", "").lower() != "chunked":
        return
    data = request.environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    request.environ["wsgi.input"] = io.BytesIO(data)
    request.environ["CONTENT_LENGTH"] = str(len(data))


def register(app: Flask) -> None:
    """Install the headers, proxy handling, body limit, CSRF protection and rate limiter."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_prefix=0)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(Path(app.config["SECRET_KEY_FILE"]))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session's own lifetime bounds it
    app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.before_request(_bounded_body)
    app.after_request(_headers)
    csrf.init_app(app)
    app.extensions["ledger_limiter"] = Limiter(
        key_func=get_remote_address, app=app, default_limits=[]
    )
    app.register_error_handler(CSRFError, _csrf_failed)


def _csrf_failed(exc: CSRFError) -> Response:
    return problems.problem("csrf-failed", exc.description)


ANONYMOUS_ENDPOINTS = (
    "proofs.checkpoint",
    "proofs.checkpoint_at",
    "proofs.verifier_key",
    "proofs.inclusion",
    "proofs.consistency",
    "provenance.lot_page",
    "packaging.qr",
    "packaging.certificate",
    "login.form",
)
EXPENSIVE_ENDPOINTS = ("proofs.bundle", "proofs.cosign", "login.sign_in", "epcis.lot_epcis")


def limit_endpoints(app: Flask) -> None:
    """Rate-limit the anonymous and the expensive endpoints, per client address."""
    limiter = app.extensions["ledger_limiter"]
    for names, setting in (
        (ANONYMOUS_ENDPOINTS, "RATELIMIT_ANONYMOUS"),
        (EXPENSIVE_ENDPOINTS, "RATELIMIT_EXPENSIVE"),
    ):
        for name in names:
            if name in app.view_functions:
                app.view_functions[name] = limiter.limit(app.config[setting])(
                    app.view_functions[name]
                )
