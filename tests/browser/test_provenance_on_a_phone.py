"""The provenance page a customer scans, in real headless Chromium at phone and desktop sizes:
what comes first on a phone, custody stages that open to every signed step, the QR downloads,
the printable certificate, and screenshots checked for their content."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageStat

from browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

RING = "RING-2026-0001"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MINES = (
    "Cooperativa Minera El Tambo",
    "Asociación de Mineros La Palma",
    "Cooperativa Aurífera Qori Tika",
)
# What a customer must see before the QR code and the details, in this order.
FIRST = ("#summary", "#claim", "#origins", "#custody")
AFTER = ("#qr", "#details", "#integrity", "#verify")


def _top(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box["y"]


def _not_blank(png: Path, width: int) -> None:
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert image.size[0] == width
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
        colours = len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
    assert spread > 10, f"the screenshot looks blank (stddev {spread:.1f})"
    assert colours > 50, f"the screenshot has only {colours} colours"


@pytest.fixture
def phone(chromium_browser):
    context = chromium_browser.new_context(
        locale="en-GB", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1
    )
    yield context.new_page()
    context.close()


def test_on_a_phone_claim_mines_premium_and_custody_come_before_the_qr_code(
    live_server, phone, request
):
    page = phone
    page.goto(f"{live_server}/lots/{RING}")
    tops = [_top(page, s) for s in (*FIRST, *AFTER)]
    assert tops == sorted(tops), dict(zip((*FIRST, *AFTER), tops, strict=True))
    # One column: each card spans the phone's width, nothing overflows sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The claim is on the first screen.
    assert _top(page, "#claim") < PHONE["height"]
    origins = page.inner_text("#origins")
    for mine in MINES:
        assert mine in origins
    assert "Colombia" in origins
    assert "Peru" in origins
    qr_top = _top(page, "#qr")
    mines = page.locator("#origins li.mine")
    assert mines.count() == 3
    for index in range(mines.count()):
        mine = mines.nth(index)
        text = mine.inner_text()
        assert "Fairmined" in text
        assert " per gram" in text  # the premium it confirmed, and per gram of fine gold
        assert mine.locator(".per-gram").bounding_box()["y"] < qr_top
        ecological = "Fairmined Ecological" in text
        assert ("Mercury-free" in text) == ecological
    assert page.locator(".mercury-free").count() >= 1

    backend = request.node.callspec.params["database_url"]
    shot = ARTIFACTS / f"provenance-phone-full-{backend}.png"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    _not_blank(shot, PHONE["width"])
    first_screen = ARTIFACTS / f"provenance-phone-{backend}.png"
    page.screenshot(path=str(first_screen))
    _not_blank(first_screen, PHONE["width"])
    # Down to the first mine's premium: what the README shows.
    bottom = page.locator("#origins li.mine").first.bounding_box()
    clip = {"x": 0, "y": 0, "width": PHONE["width"], "height": bottom["y"] + bottom["height"] + 16}
    top = ARTIFACTS / f"provenance-phone-top-{backend}.png"
    page.screenshot(path=str(top), full_page=True, clip=clip)
    _not_blank(top, PHONE["width"])


def test_custody_stages_open_to_every_signed_step(live_server, pw_page):
    page = pw_page
    page.goto(f"{live_server}/lots/{RING}")
    stages = page.locator("#custody li.stage")
    codes = [stages.nth(i).get_attribute("data-stage") for i in range(stages.count())]
    assert codes[0] == "mine"
    assert {"mine", "buyer", "refiner", "jeweller"} <= set(codes)
    assert codes[-1] == "jeweller"
    steps = page.locator("#custody .timeline li")
    assert steps.count() > len(codes)
    assert not steps.first.is_visible()  # closed: the summary only
    summaries = page.locator("#custody details > summary")
    for index in range(summaries.count()):
        summaries.nth(index).click()
    assert all(steps.nth(i).is_visible() for i in range(steps.count()))
    records = [steps.nth(i).get_attribute("data-seq") for i in range(steps.count())]
    assert len(set(records)) == len(records)  # each signed step once
    assert [int(r) for r in records] == sorted(int(r) for r in records)  # in log order
    mine = page.inner_text("#custody li.stage-mine summary")
    assert " g" in mine  # the mass the mine handed on
    assert "Mined and registered" in page.inner_text("#custody li.stage-mine")


def test_qr_downloads_and_printable_certificate(live_server, pw_page):
    page = pw_page
    page.goto(f"{live_server}/lots/{RING}")
    for fmt, mimetype in (("png", "image/png"), ("svg", "image/svg+xml")):
        link = page.locator(f'#qr a[href$="/qr.{fmt}"]')
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == f"{RING}-qr.{fmt}"
        fetched = page.request.get(f"{live_server}/lots/{RING}/qr.{fmt}")
        assert fetched.headers["content-type"].startswith(mimetype)
    page.click('#qr a[href$="/certificate"]')
    page.wait_for_url(f"{live_server}/lots/{RING}/certificate")
    sheet = page.text_content(".sheet")
    assert "Certificate of provenance" in sheet
    for mine in MINES:
        assert mine in sheet
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert not page.locator(".no-print").is_visible()
    assert page.locator(".sheet .qr-code").is_visible()
    pdf = page.pdf(format="A5")
    assert pdf.startswith(b"%PDF")


def test_spanish_phone_page(live_server, chromium_browser, request):
    context = chromium_browser.new_context(locale="es-CO", viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/lots/{RING}")
        assert page.get_attribute("html", "lang") == "es"
        origins = page.inner_text("#origins")
        assert "Dónde se extrajo el oro" in origins
        assert "Perú" in origins
        assert "US$ por gramo" in origins
        assert "Cadena de custodia" in page.inner_text("#custody")
        tops = [_top(page, s) for s in (*FIRST, *AFTER)]
        assert tops == sorted(tops)
        backend = request.node.callspec.params["database_url"]
        shot = ARTIFACTS / f"provenance-phone-es-{backend}.png"
        page.screenshot(path=str(shot))
        _not_blank(shot, PHONE["width"])
    finally:
        context.close()


def test_desktop_page(live_server, chromium_browser, request):
    context = chromium_browser.new_context(locale="en-GB", viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/lots/{RING}")
        # Claim and premium side by side on a wide screen.
        claim = page.locator("#claim").bounding_box()
        premium = page.locator("#premium").bounding_box()
        assert abs(claim["y"] - premium["y"]) < 1
        assert premium["x"] > claim["x"] + claim["width"] - 1
        backend = request.node.callspec.params["database_url"]
        shot = ARTIFACTS / f"provenance-desktop-{backend}.png"
        page.screenshot(path=str(shot))
        _not_blank(shot, DESKTOP["width"])
    finally:
        context.close()
