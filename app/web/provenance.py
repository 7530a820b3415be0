"""The public provenance page of a lot: its bundle, verified as a jeweller verifies it offline.

The page shows only what the verified bundle establishes (origin mines, claim, custody, whether
premiums were paid) and never a commercial figure: no price, premium amount or payment evidence.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree

import qrcode
from flask import Blueprint, current_app, render_template
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage

from app import auth, checkpoints, db, provenance
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import accounting
from ledger.bundle import Provenance, verify_bundle
from ledger.checkpoint import parse_checkpoint
from ledger.errors import LedgerError
from ledger.keys import b64encode
from ledger.note import parse_note
from ledger.timefmt import parse_instant
from ledger.types.publication import is_public
from ledger.verify import CLAIMS

bp = Blueprint("provenance", __name__)

COUNTRIES = {
    "CH": "Switzerland",
    "CO": "Colombia",
    "FR": "France",
    "GB": "United Kingdom",
    "PE": "Peru",
}
ROLES = {
    "asmo": "Mining organisation",
    "first_buyer": "First Authorized Buyer",
    "supplier": "Authorized Supplier",
    "licensee": "Fairmined Licensee",
    "certifier": "Certification body",
}
FORMS = {"dore": "Doré", "ore_concentrate": "Ore concentrate", "semi_finished": "Semi-finished"}
STEPS = {
    "lot.registered": "Registered",
    "lot.sold": "Sold",
    "lot.shipped": "Shipped",
    "lot.received": "Received and weighed",
    "lot.assayed": "Assayed",
    "lot.refined": "Refined",
    "lot.split": "Split into parts",
    "lot.merged": "Merged",
    "lot.claimed": "Fairmined label applied",
    "lot.alloyed": "Alloyed",
    "lot.corrected": "Figure corrected",
    "lot.weight_reconciled": "Weighing reconciled",
    "lot.released": "Released by ARM",
}
FINDINGS = {
    "weight-discrepancy": "Weighing differs from the shipment",
    "assay-discrepancy": "Assay differs from the stated fineness",
    "correction": "A stated figure was corrected",
    "weight-reconciled": "Weighing dispute reconciled",
    "release": "Released by ARM from a party without authorisation",
}
RETIRED = {
    "sold_to_consumer": "Sold to a consumer",
    "lost": "Reported lost",
    "recycled": "Sent for recycling",
    "other": "Taken out of circulation",
}
FAILURES = {
    "invalid-note": "the checkpoint's signature does not match the operator's key",
    "invalid-checkpoint": "the checkpoint is malformed or its signature does not verify",
    "invalid-bundle": "a record is missing, altered, or breaks a Fairmined rule",
}


@bp.get("/lots/<lot_id>")
def lot_page(lot_id: str):
    """A lot's provenance, verified once per lot and checkpoint; an HTML 404 for a lot that does
    not exist or that the visitor may not see (the same page, so existence does not leak)."""
    try:
        with reading(db.get_engine()) as connection:
            lot = auth.viewable_lot(SqlStore(connection), lot_id)
    except LedgerError as exc:
        if exc.code != "not-found":
            raise
        return render_template("provenance.html", lot_id=lot_id, missing=True), 404
    _, bundle = provenance.cached_bundle(lot_id)
    cache = provenance.cache()
    key = cache.key("page", lot_id, _size(bundle), bundle["checkpoint"])
    # What the page shows is cached; it is rendered per request, since the header carries the
    # visitor's own sign-out form and CSRF token.
    content = cache.get_or_make(key, lambda: _content(lot_id, bundle))
    return render_template("provenance.html", readers_only=not is_public(lot), **content)


def _size(bundle: dict) -> int:
    return parse_checkpoint(parse_note(bundle["checkpoint"])[0]).size


def _content(lot_id: str, bundle: dict) -> dict:
    """The page's template values: the verified provenance, or why it failed."""
    links = _links(lot_id)
    try:
        page = _page(bundle)
    except LedgerError as exc:
        current_app.logger.warning("bundle of %s failed verification: %s", lot_id, exc)
        failure = {"code": exc.code, "reason": FAILURES.get(exc.code, "the records do not verify")}
        return {"lot_id": lot_id, "failure": failure, **links}
    return {"lot_id": lot_id, "page": page, **links}


def _verify(bundle: dict) -> tuple[Provenance, dict[str, str]]:
    """``verify_bundle`` against the operator key and witnesses the ledger itself names; also
    which party runs each witness."""
    with reading(db.get_engine()) as connection:
        operator = checkpoints.operator_verifier(connection)
        witnesses = checkpoints.witness_verifiers(connection)
        runs = checkpoints.witness_parties(connection)
    return verify_bundle(bundle, operator, witnesses), runs


def public_url(path: str) -> str:
    """``path`` under the configured public base URL (``LEDGER_PUBLIC_URL``), never the Host
    header of the request: these links are printed on packaging as QR codes."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def _links(lot_id: str) -> dict:
    page_url = public_url(f"/lots/{quote(lot_id, safe='')}")
    return {
        "page_url": page_url,
        "qr_svg": qr_svg(page_url),
        "bundle_url": public_url(f"/api/v1/lots/{quote(lot_id, safe='')}/bundle"),
        "key_url": public_url("/api/v1/verifier-key"),
    }


def qr_svg(url: str) -> Markup:
    """An inline, scalable SVG QR code of ``url`` (white quiet zone, for print and dark mode)."""
    svg = qrcode.make(url, image_factory=SvgPathFillImage, border=4).get_image()
    for attribute in ("width", "height"):
        del svg.attrib[attribute]
    svg.set("class", "qr-code")
    svg.set("role", "img")
    svg.set("aria-label", f"QR code linking to {url}")
    svg.set("data-url", url)
    return Markup(ElementTree.tostring(svg, encoding="unicode"))  # noqa: S704 (ElementTree escapes)


def _page(bundle: dict) -> dict:
    """Everything the page shows, from the verified bundle only."""
    p, runs = _verify(bundle)
    checkpoint = parse_checkpoint(parse_note(bundle["checkpoint"])[0])
    entries = {record["seq"]: record["entry"] for record in bundle["records"]}
    lot = p.lot
    return {
        "lot": {
            "metal": lot["metal"].capitalize(),
            "form": FORMS.get(lot["form"], lot["form"].replace("_", " ").capitalize()),
            "gross": grams(lot["gross_mg"]),
            "fine": grams(lot["fine_mg"]),
            "fineness": f"{lot['fineness'] // 10}.{lot['fineness'] % 10}",
            "status": _status(p),
            "product": lot.get("product"),
        },
        "claim": {
            "code": lot["claim"],
            "name": CLAIMS[lot["claim"]],
            "by": _party(p, lot["claimed_by"]) if lot["claimed_by"] else None,
        },
        "origins": [
            {**_origin(p, mine), "capacity": _capacity(mine["id"], lot["metal"])}
            for mine in p.origins
        ],
        "premium": _premium(p),
        "backing": _backing(p),
        "custody": _introduce([_step(p, s, entries[s["seq"]]["body"]) for s in p.custody]),
        "status": p.status,
        "findings": [_finding(p, f) for f in p.findings],
        "integrity": {
            "size": p.checkpoint_size,
            "root": b64encode(checkpoint.root),
            "log": checkpoint.origin,
            "records": p.records,
            "witnesses": [_party(p, runs.get(name, name))["name"] for name in p.witnessed_by],
        },
    }


def _backing(p: Provenance) -> dict:
    """Credits retired for the lot and metal drawn for it by mass balance, in plain words."""
    return {
        "credits": _sentence(p.credits),
        "retirements": [
            {
                "credits": r["credits"],
                "mine": _party(p, r["asmo"])["name"],
                "by": _party(p, r["party"])["name"],
                "day": r["day"],
                "claim_text": r["claim_text"],
            }
            for r in p.retirements
        ],
        "credit_premium": _settlement(p.credit_obligations),
        "incorporated": p.incorporated,
    }


def _sentence(text: str | None) -> str | None:
    return text[0].upper() + text[1:] if text else None


def _finding(p: Provenance, finding: dict) -> dict:
    """A finding in the lot's ancestry, in plain words."""
    return {
        "seq": finding["seq"],
        "day": finding["day"],
        "what": FINDINGS.get(finding["code"], finding["code"]),
        "code": finding["code"],
        "lot": finding["lot"],
        "by": _party(p, finding["party"])["name"],
        "detail": finding["detail"],
    }


def grams(mg: int) -> str:
    """Integer milligrams as grams with three decimals, e.g. ``1,099.736 g``."""
    return f"{mg // 1000:,}.{mg % 1000:03d} g"


def _party(p: Provenance, party_id: str) -> dict:
    party = p.parties.get(party_id, {"name": party_id, "country": None, "roles": []})
    role = next((ROLES[r] for r in party["roles"] if r in ROLES), None)
    return {
        "name": party["name"],
        "role": role,
        "country": COUNTRIES.get(party["country"], party["country"]),
    }


def _status(p: Provenance) -> str:
    lot = p.lot
    if lot["status"] == "retired":
        return RETIRED.get(lot.get("retired_reason"), "Taken out of circulation")
    if lot["status"] == "in_transit":
        return f"In transit to {_party(p, lot['incoming_to'])['name']}"
    if lot["status"] == "held":
        return f"Held by {_party(p, lot['holder'])['name']}"
    return f"Made into {', '.join(lot['children'])}"


def _origin(p: Provenance, mine: dict) -> dict:
    owed = [o for o in p.obligations if o["asmo"] == mine["id"]]
    return {
        "name": mine["name"],
        "country": COUNTRIES.get(mine["country"], mine["country"]),
        "code": mine["country"].lower(),
        "sites": [
            site.partition(": ")[2]
            for site in p.lot["origin_sites"]
            if site.startswith(f"{mine['id']}: ")
        ],
        "ecological": any(o["certification"] == "ecological" for o in owed),
        "premium": _settlement(owed),
    }


def _capacity(asmo: str, metal: str) -> list[dict]:
    """The mine's certified capacity for the lot's metal and its use this certificate year, as
    the ledger records it today (a bundle holds only the registrations of this lot's
    ancestry)."""
    with reading(db.get_engine()) as connection:
        found = SqlStore(connection).find("certificate", "party", asmo)
    certificates = [c for c in found if metal in c["metals"]]
    rows = accounting.capacity_use(certificates, datetime.now(UTC).date())
    return [
        {
            "miners": row["miners"],
            "cap": f"{row['capacity_fine_mg_per_year'] / 1_000_000:,.1f} kg",
            "used": f"{row['used_bp'] // 100}.{row['used_bp'] % 100:02d}%",
            "year_from": row["year_from"],
        }
        for row in rows
        if row["status"] != "withdrawn"
    ]


def _settlement(obligations: list[dict]) -> str:
    """``paid``, ``unconfirmed`` (paid, not yet confirmed by the mine), ``unpaid`` or ``none``."""
    if not obligations:
        return "none"
    if any(o["paid"] < o["due"] for o in obligations):
        return "unpaid"
    if any(o["confirmed"] < o["due"] for o in obligations):
        return "unconfirmed"
    return "paid"


def _premium(p: Provenance) -> dict:
    """Counts only: how many premiums, to how many mines, and how many are settled."""
    by_state = [_settlement([o]) for o in p.obligations]
    return {
        "state": _settlement(p.obligations),
        "owed": len(p.obligations),
        "mines": len({o["asmo"] for o in p.obligations}),
        "paid": by_state.count("paid"),
        "unconfirmed": by_state.count("unconfirmed"),
        "unpaid": by_state.count("unpaid"),
    }


def _introduce(steps: list[dict]) -> list[dict]:
    """Name each party's role at its first appearance in the timeline only."""
    seen = set()
    for party in (party for step in steps for party in (step["who"], step["to"]) if party):
        if party["name"] in seen:
            party["role"] = None
        seen.add(party["name"])
    return steps


def _step(p: Provenance, step: dict, body: dict) -> dict:
    """One custody step in plain words: when, what, who, to whom, which lots."""
    outputs = {o["lot_id"] for o in body.get("outputs", [])}
    if "output" in body:
        outputs.add(body["output"]["lot_id"])
    actor = p.parties.get(step["actor"], {"roles": []})
    what = STEPS.get(step["type"], step["type"])
    if step["type"] == "lot.registered" and "asmo" in actor["roles"]:
        what = "Mined and registered"
    elif step["type"] == "lot.retired":
        what = RETIRED.get(body.get("reason"), "Taken out of circulation")
    to = step["to"] or body.get("buyer")
    at = parse_instant(step["at"])
    return {
        "at": step["at"],
        "date": f"{at.day} {at:%b %Y}",
        "time": f"{at:%H:%M} UTC",
        "what": what,
        "type": step["type"].removeprefix("lot."),
        "who": _party(p, step["actor"]),
        "to": _party(p, to) if to else None,
        "inputs": [lot for lot in step["lots"] if lot not in outputs],
        "outputs": [lot for lot in step["lots"] if lot in outputs],
    }
