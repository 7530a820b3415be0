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
    assert "$4,400.00" in blocked  # 1,100 g fine Fairmined at USD 4,000/kg

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


@pytest.mark.parametrize(
    ("locale", "viewport"),
    [("en-GB", {"width": 1280, "height": 900}), ("es-CO", {"width": 390, "height": 844})],
)
def test_dashboard_views_in_chromium(
    live_server, arm_token, chromium_browser, request, locale, viewport
):
    """Per country, certificates and capacity, licensees and friendly filter messages, at
    desktop and phone sizes, in English and Spanish; screenshots checked for their content."""
    from browser.conftest import ARTIFACTS

    spanish = locale.startswith("es")
    context = chromium_browser.new_context(locale=locale, viewport=viewport)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login?next=/arm/dashboard")
        page.fill("#token", arm_token)
        page.click("form[action$='/login'] button[type=submit]")
        page.wait_for_url(f"{live_server}/arm/dashboard")
        assert page.get_attribute("html", "lang") == ("es" if spanish else "en")
        countries = page.inner_text("#countries")
        assert ("Perú" if spanish else "Peru") in countries
        assert "Colombia" in countries
        mines = page.inner_text("#mines")
        assert ("suspendido" if spanish else "suspended") in mines
        assert "FM-005" in mines
        assert (
            page.locator("#mines svg.meter").count()
            == page.locator("#mines [data-certificate]").count()
        )
        assert "Oro Verde Jewellery Ltd" in page.inner_text("#licensees")
        tops = {
            page.locator("#flows figure.chart").nth(i).get_attribute("data-scale-top")
            for i in range(page.locator("#flows figure.chart").count())
        }
        assert len(tops) == 1
        backend = request.node.callspec.params["database_url"]
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"dashboard-{locale}-{viewport['width']}-{backend}.png"
        page.screenshot(path=str(shot))
        with Image.open(shot) as image:
            assert image.size == (viewport["width"], viewport["height"])
            assert ImageStat.Stat(image.convert("L")).stddev[0] > 10

        # A filter typed by hand that cannot be read: named on the page, never a JSON problem.
        page.goto(f"{live_server}/arm/dashboard?from=2026-02-30&period=decade")
        assert page.locator("#error-from").is_visible()
        message = page.inner_text("#error-period")
        assert message == (
            "Elija mes, trimestre o año." if spanish else "Choose month, quarter or year."
        )
        assert page.locator("#flows").is_visible()
    finally:
        context.close()
