"""What a licensee prints on a product's packaging: the QR code of its provenance page, as PNG
or SVG, and a one-page certificate with print styles.

Both answer only for lots the visitor may see (the same 404 as the page otherwise), and encode
the configured public URL of the page, never the request's Host header.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import qrcode
from flask import Blueprint, abort, render_template, send_file
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

from app.web import provenance_page

bp = Blueprint("packaging", __name__)
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def _page_url(lot_id: str) -> str:
    if provenance_page.view(lot_id) is None:
        abort(404)
    return provenance_page.public_url(f"/lots/{quote(lot_id, safe='')}")


@bp.get("/lots/<lot_id>/qr.<fmt>")
def qr(lot_id: str, fmt: str):
    """The QR code of the lot's page as a download: PNG (10 px modules, for print at
    300 dpi) or SVG (scalable), each with the standard quiet zone of four modules."""
    if fmt not in FORMATS:
        abort(404)
    url = _page_url(lot_id)
    code = qrcode.QRCode(border=4, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    factory = PilImage if fmt == "png" else SvgPathFillImage
    data = io.BytesIO()
    code.make_image(image_factory=factory).save(data)
    data.seek(0)
    return send_file(
        data,
        mimetype=FORMATS[fmt],
        as_attachment=True,
        download_name=f"{lot_id}-qr.{fmt}",
        max_age=3600,
    )


@bp.get("/lots/<lot_id>/certificate")
def certificate(lot_id: str):
    """A printable certificate of the lot's provenance for the product's packaging."""
    found = provenance_page.view(lot_id)
    if found is None:
        abort(404)
    _lot, content = found
    if "page" not in content:
        abort(404)  # a record that does not verify gets no certificate
    return render_template("certificate.html", **content)
