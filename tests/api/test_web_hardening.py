"""Web and input hardening: headers, the proxy, body limits, nesting, links, rate limits."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import Supply, csrf_token

from app import create_app
from app.db import log
from app.db.uow import reading
from app.web_sessions import COOKIE
from ledger import jsonlimits
from ledger.client import LedgerClient

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "app" / "templates"


def _size(engine) -> int:
    with reading(engine) as connection:
        return log.head(connection)[0]


@pytest.fixture
def public_lot(world):
    supply = Supply(world)
    supply.register_lot()
    world.state("asmo-iquira", "lot.published", {"lot_id": "DORE-001"})
    return "DORE-001"


@pytest.mark.parametrize(
    "path",
    [
        "/lots/DORE-001",
        "/lots/NO-SUCH-LOT",
        "/login",
        "/api/v1/checkpoint",
        "/api/v1/lots/DORE-001/bundle",
        "/api/v1/parties/nobody/holdings",
        "/api/docs",
        "/static/ledger.css",
    ],
)
def test_every_response_carries_the_security_headers(client, public_lot, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", csp).group(1)
    assert script == "'self'"
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_template_has_inline_script_or_handlers():
    """Scripts come from files; an inline block may only be inert JSON data for them."""
    executable = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>")
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not executable.search(text), template
        assert not re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE), template
        assert "javascript:" not in text, template


def test_the_qr_code_and_links_ignore_the_host_header(client, public_lot):
    hostile = client.get(
        "/lots/DORE-001",
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert hostile.status_code == 200
    assert "evil.example" not in hostile.text
    assert 'data-url="https://ledger.test/lots/DORE-001"' in hostile.text
    assert 'href="https://ledger.test/api/v1/lots/DORE-001/bundle"' in hostile.text


def test_secure_cookies_behind_a_tls_proxy(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "OPERATOR_KEY_FILE": str(tmp_path / "operator.pem"),
            "SECRET_KEY_FILE": str(tmp_path / "secret-key"),
            "PROXY_HOPS": 1,
        }
    )
    try:
        client = app.test_client()
        proxied = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        cookie = proxied.headers["Set-Cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "max-age=31536000" in proxied.headers["Strict-Transport-Security"]
        direct = app.test_client().get("/login")
        assert "Secure" not in direct.headers["Set-Cookie"]
    finally:
        app.extensions["ledger"].engine.dispose()


def _chunked(client, body: bytes):
    return client.post(
        "/api/v1/entries",
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413_and_writes_nothing(world, client, engine):
    signer = world.signers["arm"]
    entry = signer.entry(
        "token.issued",
        {
            "token_id": "a" * 16,
            "secret_hash": "b" * 64,
            "expires_at": "2099-01-01T00:00:00Z",
            "label": "x" * 900,
        },
    )
    padded = json.dumps(entry).encode()
    padded = padded[:-1] + b" " * (65 * 1024 + 1 - len(padded)) + b"}"  # valid JSON, 65 KiB+
    before = _size(engine)
    response = _chunked(client, padded)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "too-large"
    assert _size(engine) == before
    small = _chunked(
        client, json.dumps(signer.entry("token.revoked", {"token_id": "c" * 16})).encode()
    )
    assert small.status_code == 422  # read whole and judged on its content (no such token)
    assert small.get_json()["pointer"] == "/body/token_id"


def test_deep_nesting_is_400_on_the_server(world, client, engine):
    before = _size(engine)
    for depth in (30_000, 65, 1000):
        body = "[" * depth + "]" * depth
        response = client.post("/api/v1/entries", data=body, content_type="application/json")
        assert response.status_code == 400, depth
        assert response.get_json()["code"] == "malformed-json"
        assert "nested deeper" in response.get_json()["detail"]
    assert _size(engine) == before


def test_deep_nesting_is_a_clear_error_in_the_verifier(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"format": ' + "[" * 30_000 + "]" * 30_000 + "}")
    result = subprocess.run(
        [sys.executable, "-m", "ledger.verify", str(path), "--key", "x+00000000+AA=="],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("FAILED")


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=200))
def test_nesting_is_accepted_exactly_up_to_the_limit(depth):
    text = "[" * depth + "]" * depth
    if depth <= jsonlimits.MAX_DEPTH:
        assert jsonlimits.loads(text) is not None
    else:
        with pytest.raises(ValueError, match="nested deeper"):
            jsonlimits.loads(text)


def test_anonymous_and_expensive_endpoints_are_rate_limited(app, public_lot):
    limited_app = create_app({**app.config, "RATELIMIT_ENABLED": True})
    client = limited_app.test_client()
    try:
        statuses = [client.get("/api/v1/lots/DORE-001/bundle").status_code for _ in range(31)]
        assert statuses[:30] == [200] * 30
        assert statuses[30] == 429
        limited = client.get("/api/v1/lots/DORE-001/bundle")
        assert limited.mimetype == "application/problem+json"
        assert limited.get_json()["code"] == "rate-limited"
        assert client.get("/api/v1/healthz").status_code == 200  # cheap reads are not limited
        other = client.get("/api/v1/lots/DORE-001/bundle", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200  # per client address
    finally:
        limited_app.extensions["ledger"].engine.dispose()


def test_the_openapi_document_declares_the_bearer_scheme(client):
    spec = client.get("/api/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert {"bearerAuth": []} in spec["security"]


def test_state_changing_forms_carry_a_csrf_token(world, client):
    form = client.get("/login")
    assert csrf_token(form.text)
    token = LedgerClient(world.client.transport).issue_token(world.signers["arm"])
    client.post("/login", data={"token": token, "csrf_token": csrf_token(form.text)})
    dashboard = client.get("/arm/dashboard").text
    for match in re.finditer(r'<form[^>]*method="post".*?</form>', dashboard, re.DOTALL):
        assert 'name="csrf_token"' in match.group(0)


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/proofs/inclusion/1?size=9223372036854775808",
        "/api/v1/proofs/inclusion/1?size=99999999999999999999",
        "/api/v1/proofs/consistency?from=1&to=9223372036854775808",
        "/api/v1/proofs/consistency?from=99999999999999999999&to=2",
    ],
)
def test_proof_sizes_beyond_the_databases_integers_are_refused(world, client, query):
    response = client.get(query)
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid-request"
