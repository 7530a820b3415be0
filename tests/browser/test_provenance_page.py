"""The public provenance page in real headless Chromium, over real HTTP, on every backend."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from werkzeug.serving import make_server

from app import bootstrap, demo

pytestmark = pytest.mark.browser

RING = "RING-2026-0001"
MINES = (
    "Cooperativa Minera El Tambo",
    "Asociación de Mineros La Palma",
    "Cooperativa Aurífera Qori Tika",
)


@pytest.fixture
def provenance_server(app, tmp_path) -> Iterator[str]:
    """Like ``live_server``, but the demo's genesis names the operator key the app signs with,
    so the checkpoints it publishes verify."""
    key = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(app.extensions["ledger"].engine, tmp_path / "demo-keys", key, "test/log")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base  # the links and QR codes name the server the browser sees
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def assert_not_blank(png: Path, size: tuple[int, int]) -> None:
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == size
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
        colours = len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
    assert spread > 10, f"the screenshot looks blank (stddev {spread:.1f})"
    assert colours > 50, f"the screenshot has only {colours} colours"


def test_provenance_page_renders_in_chromium(provenance_server, browser, request):
    url = f"{provenance_server}/lots/{RING}"
    dom = browser.dom(url)
    assert '<html lang="en">' in dom
    for mine in MINES:
        assert mine in dom
    assert "Colombia" in dom
    assert "Peru" in dom
    assert '<span class="answer-text">Yes</span>' in dom
    assert "Verified against checkpoint of size" in dom
    assert f'data-url="{url}"' in dom  # the QR code encodes the live page's own URL
    assert f'href="{provenance_server}/api/v1/lots/{RING}/bundle"' in dom
    assert "USD" not in dom
    # An 18k ring, shown as such, and verified without hiding its ancestry's finding.
    assert "<dd>750.0</dd>" in dom
    assert "999.9" not in dom
    assert "Verified, with 1 finding" in dom
    assert 'id="findings"' in dom

    backend = request.node.callspec.params["database_url"]
    png = browser.screenshot(url, "provenance.png")
    assert_not_blank(png, browser.window)
    browser.keep(png, f"provenance-{backend}.png")

    browser.window = (390, 1400)  # a phone
    png = browser.screenshot(url, "provenance-phone.png")
    assert_not_blank(png, browser.window)
    browser.keep(png, f"provenance-phone-{backend}.png")
