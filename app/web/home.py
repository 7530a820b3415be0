"""The front door: what the ledger is, a lot search (an id or a scanned link), where to go next;
the favicon; and 404 pages for browsers."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _

from ledger.fields import LOT_ID

bp = Blueprint("home", __name__)
STATIC = Path(__file__).resolve().parents[1] / "static"
_LOT = re.compile(LOT_ID.pattern)
_LINKED = re.compile(r"/lots/([^/?#\s]+)")


def lot_from_query(query: str) -> str | None:
    """The lot id in what was typed or scanned: an id, or a link to a provenance page."""
    text = query.strip()
    found = _LINKED.search(text)
    candidate = found.group(1) if found else text.upper()
    return candidate if _LOT.fullmatch(candidate) else None


@bp.route("/", methods=["GET"])
def home():
    """The landing page."""
    return render_template("home.html", query="", error=None)


@bp.route("/search", methods=["GET"])
def search():
    """Open the provenance page of the lot named (or linked) in ``q``."""
    query = request.args.get("q", "")
    lot_id = lot_from_query(query)
    if lot_id is None:
        error = _("Type a lot id such as RING-2026-0001, or paste the link from a lot's QR code.")
        return render_template("home.html", query=query, error=error), 400
    return redirect(url_for("provenance.lot_page", lot_id=lot_id))


@bp.route("/favicon.ico", methods=["GET"])
def favicon():
    return send_from_directory(STATIC, "favicon.ico", max_age=86400)


def wants_page() -> bool:
    """Whether the client prefers an HTML page to JSON (a browser, not an API client)."""
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(
        ["application/problem+json", "application/json", "text/html"]
    )
    return best == "text/html"


def not_found_page():
    return render_template("not_found.html", path=request.path), 404
