"""What goes on a product's packaging: the QR code of its page (PNG, SVG) and the certificate."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import qrcode
from PIL import Image

from app import bootstrap, demo

RING = "RING-2026-0001"
BASE = "https://ledger.test"  # the app fixture's LEDGER_PUBLIC_URL


@pytest.fixture
def demo_data(app, tmp_path):
    key = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(app.extensions["ledger"].engine, tmp_path / "keys", key, "test/log")
    return app


def qr_modules(png: bytes) -> tuple[int, int]:
    """The PNG's size and its module count per side (10 px modules, 4-module quiet zone)."""
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        width, height = image.size
        grey = image.convert("L")
        assert width == height
        # The quiet zone is white; the finder pattern's top-left module is black.
        assert grey.getpixel((5, 5)) == 255
        assert grey.getpixel((45, 45)) == 0
    return width, width // 10 - 8


def test_png_qr_code_is_a_download_of_the_pages_public_url(demo_data, client):
    response = client.get(f"/lots/{RING}/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert f"attachment; filename={RING}-qr.png" in response.headers["Content-Disposition"]
    _, modules = qr_modules(response.data)
    code = qrcode.QRCode(border=4, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(f"{BASE}/lots/{RING}")
    code.make()
    assert modules == code.modules_count
    # The same matrix as a fresh encoding of the URL: module by module.
    with Image.open(io.BytesIO(response.data)) as image:
        grey = image.convert("L")
        for row, cells in enumerate(code.get_matrix()[4:-4]):
            for column, dark in enumerate(cells[4:-4]):
                pixel = grey.getpixel((45 + column * 10, 45 + row * 10))
                assert (pixel == 0) == dark, (row, column)


def test_svg_qr_code_is_a_scalable_download(demo_data, client):
    response = client.get(f"/lots/{RING}/qr.svg", headers={"Host": "evil.example"})
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    svg = response.get_data(as_text=True)
    assert svg.startswith("<?xml") or svg.startswith("<svg")
    assert "<path" in svg
    assert "<script" not in svg
    assert "evil.example" not in svg


@pytest.mark.parametrize("path", ["qr.png", "qr.svg", "certificate", "qr.gif"])
def test_hidden_or_missing_lots_have_no_codes(demo_data, client, path):
    for lot in ("NO-SUCH-LOT", "DORE-2026-003"):  # unknown, and not public
        response = client.get(f"/lots/{lot}/{path}")
        assert response.status_code == 404
    assert client.get(f"/lots/{RING}/qr.gif").status_code == 404


def test_certificate_prints_claim_mines_custody_and_the_qr_code(demo_data, client):
    response = client.get(f"/lots/{RING}/certificate")
    assert response.status_code == 200
    html = " ".join(response.get_data(as_text=True).split())
    assert "Certificate of provenance" in html
    assert "<h1>Fairmined Gold</h1>" in html
    for mine in ("Cooperativa Minera El Tambo", "Cooperativa Aurífera Qori Tika"):
        assert mine in html
    for stage in ("Mine", "Buyer", "Refiner", "Jeweller"):
        assert f"<strong>{stage}</strong>:" in html
    assert f'data-url="{BASE}/lots/{RING}"' in html
    assert "certificate.css" in html
    css = client.get("/static/certificate.css").get_data(as_text=True)
    assert "@media print" in css
    assert "@page" in css


def test_page_links_the_downloads(demo_data, client):
    html = client.get(f"/lots/{RING}").get_data(as_text=True)
    assert f'href="/lots/{RING}/qr.png" download="{RING}-qr.png"' in html
    assert f'href="/lots/{RING}/qr.svg" download="{RING}-qr.svg"' in html
    assert f'href="/lots/{RING}/certificate"' in html
