"""Chunked request bodies through gunicorn, as a client on the network sends them: one over the
limit is 413 and writes nothing; one under it is read whole."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.db import log
from app.db.uow import reading

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(app, world, tmp_path):
    """gunicorn serving the ``app`` fixture's database; yields its port."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "LEDGER_OPERATOR_KEY_FILE": app.config["OPERATOR_KEY_FILE"],
        "LEDGER_SECRET_KEY_FILE": str(tmp_path / "secret-key"),
    }
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _post_chunked(port: int, body: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest("POST", "/api/v1/entries")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    for start in range(0, len(body), 8192):
        piece = body[start : start + 8192]
        connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    connection.send(b"0\r\n\r\n")
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def _size(engine) -> int:
    with reading(engine) as connection:
        return log.head(connection)[0]


def test_a_chunked_body_over_the_limit_is_refused_by_the_service(served, world, engine):
    signer = world.signers["arm"]
    entry = json.dumps(signer.entry("token.revoked", {"token_id": "c" * 16})).encode()
    before = _size(engine)
    padded = entry[:-1] + b" " * (65 * 1024 + 1 - len(entry)) + b"}"
    status, problem = _post_chunked(served, padded)
    assert status == 413
    assert problem["code"] == "too-large"
    assert _size(engine) == before
    status, problem = _post_chunked(served, entry)  # under the limit: read whole, then judged
    assert status == 422
    assert problem["pointer"] == "/body/token_id"
    assert _size(engine) == before
