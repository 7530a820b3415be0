"""Browser tests: the real app over real HTTP, driven by Debian's headless Chromium.

``live_server`` serves the ``app`` fixture (so every backend) with the demo data loaded, on a
free port of 127.0.0.1, from a background thread. ``browser`` runs Chromium headless on a URL
and returns the rendered DOM or a PNG screenshot. Without Chromium the tests are skipped, unless
``LEDGER_REQUIRE_BROWSER=1`` (as in CI), when they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import flask_transport
from werkzeug.serving import make_server

from app import bootstrap, demo
from browser.devtools import DevTools
from ledger.client import LedgerClient, Signer
from ledger.keys import PrivateKey

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WINDOW = (1280, 1600)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=10000",  # let a page finish loading before its DOM is dumped
    "--run-all-compositor-stages-before-draw",  # a screenshot shows the whole painted page
)


def chromium_path() -> str:
    """The Chromium executable, or skip (fail when ``LEDGER_REQUIRE_BROWSER=1``)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("LEDGER_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


@dataclass
class Browser:
    """Headless Chromium runs, each with a fresh profile under ``workdir``."""

    executable: str
    workdir: Path
    window: tuple[int, int] = WINDOW
    timeout: int = 90
    runs: int = 0

    def _run(self, url: str, *extra: str) -> subprocess.CompletedProcess:
        self.runs += 1
        profile = self.workdir / f"profile-{self.runs}"
        width, height = self.window
        command = [
            self.executable,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            *extra,
            url,
        ]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=self.timeout, check=False
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result

    def signed_in(self, base: str, token: str, path: str, name: str) -> tuple[str, Path]:
        """Sign in with ``token`` through the real login form (with its CSRF token) as a
        person would, follow it to ``path``; the DOM there and a screenshot named ``name``."""
        self.runs += 1
        flags = tuple(f for f in FLAGS if not f.startswith("--virtual-time-budget"))
        page = DevTools(self.executable, flags, self.workdir / f"profile-{self.runs}", 60)
        try:
            page.open(f"{base}/login?next={urllib.parse.quote(path)}")
            page.evaluate(
                f"document.getElementById('token').value = {json.dumps(token)};"
                "document.querySelector('form[action$=\"/login\"]').submit(); true"
            )
            page.wait_for(f"location.pathname === {json.dumps(path)}")
            return page.dom(), page.screenshot(self.workdir / name, self.window)
        finally:
            page.close()

    def dom(self, url: str) -> str:
        """The DOM after Chromium loaded and rendered ``url``, serialised as HTML."""
        return self._run(url, "--dump-dom").stdout

    def screenshot(self, url: str, name: str = "screenshot.png") -> Path:
        """A PNG of the window (``window`` pixels) showing ``url``."""
        png = self.workdir / name
        self._run(url, f"--screenshot={png}")
        assert png.is_file(), f"Chromium wrote no screenshot of {url}"
        return png

    @staticmethod
    def keep(path: Path, name: str) -> Path:
        """Copy ``path`` to tests/artifacts/ (gitignored) for a person to look at."""
        ARTIFACTS.mkdir(exist_ok=True)
        return Path(shutil.copyfile(path, ARTIFACTS / name))


@pytest.fixture
def browser(tmp_path) -> Browser:
    return Browser(chromium_path(), tmp_path / "chromium")


@pytest.fixture
def live_server(app, tmp_path) -> Iterator[str]:
    """The base URL of the app, served over HTTP with the demo data of ``flask ledger demo``."""
    engine = app.extensions["ledger"].engine
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(engine, tmp_path / "demo-keys", operator, "test/log", scale=demo.SEASONS)
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


@pytest.fixture
def arm_token(app, live_server, tmp_path) -> str:
    """An API token of the demo's ARM, issued through the API."""
    arm = Signer("arm", PrivateKey.from_pem((tmp_path / "demo-keys" / "arm.pem").read_bytes()))
    return LedgerClient(flask_transport(app.test_client())).issue_token(arm)


@pytest.fixture(scope="session")
def chromium_browser():
    """One Playwright-driven Chromium for the whole test run (Debian's, headless)."""
    from browser.pages import chromium

    with chromium(chromium_path()) as launched:
        yield launched


@pytest.fixture
def pw_page(chromium_browser):
    """A fresh browser context and page (own cookies and IndexedDB)."""
    context = chromium_browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def static_page(chromium_browser):
    """A page on a plain HTTP origin serving app/static (a secure context on 127.0.0.1)."""
    from browser.pages import static_server

    with static_server() as base:
        context = chromium_browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/ledger.css")
        yield page
        context.close()
