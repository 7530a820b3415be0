"""The API docs page runs under the Content-Security-Policy (no inline script) in Chromium."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser


@pytest.fixture
def docs_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_swagger_ui_starts_from_its_static_script(docs_server, browser):
    dom = browser.dom(f"{docs_server}/api/docs")
    container = dom.split('id="swagger-ui-container"', 1)[1]
    assert '<div class="swagger-ui">' in container  # drawn by Swagger UI's script, CSP and all
