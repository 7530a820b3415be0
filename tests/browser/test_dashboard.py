"""ARM's dashboard in a real browser: the demo's mines, charts, blocked lot, and a real render."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from PIL import Image, ImageStat

pytestmark = pytest.mark.browser

SELLING_MINES = (
    "Cooperativa Minera El Tambo",
    "Asociación de Mineros La Palma",
    "Minera Artesanal Santa Rosa",
    "Cooperativa Aurífera Qori Tika",
)


class Sections(HTMLParser):
    """Text of each ``<section id=...>`` and the count of each tag."""

    def __init__(self):
        super().__init__()
        self.text: dict[str, str] = {}
        self.tags: dict[str, int] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "section":
            self._open.append(dict(attrs).get("id", ""))

    def handle_endtag(self, tag):
        if tag == "section" and self._open:
            self._open.pop()

    def handle_data(self, data):
        for section in self._open:
            self.text[section] = self.text.get(section, "") + data


def test_dashboard_renders_the_demo_in_chromium(live_server, browser, request, arm_token):
    assert "Sign in" in browser.dom(f"{live_server}/arm/dashboard")  # anonymous: the login form
    dom, png = browser.signed_in(live_server, arm_token, "/arm/dashboard", "dashboard.png")
    page = Sections()
    page.feed(dom)
    assert "Gold lot ledger" in dom
    for name in SELLING_MINES:
        assert name in page.text["flows"], name
    assert page.tags["svg"] >= len(SELLING_MINES) + 1  # one chart per mine, one ageing chart
    assert page.tags["rect"] >= 3 * len(SELLING_MINES)
    blocked = " ".join(page.text["blocked"].split())
    assert "DORE-2026-003" in blocked
    assert "Minera Artesanal Santa Rosa" in blocked  # whose premium is unpaid
    assert "unpaid" in blocked
    assert "USD 4,400.00" in blocked  # 1,100 g fine Fairmined at USD 4,000/kg

    backend = request.node.callspec.params["database_url"]
    browser.keep(png, f"dashboard-{backend}.png")
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size == browser.window
        gray = image.convert("L")
        spread = ImageStat.Stat(gray).stddev[0]
        colours = len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
    assert spread > 10, f"the screenshot looks blank (stddev {spread:.1f})"
    assert colours > 50, f"the screenshot has only {colours} colours"
