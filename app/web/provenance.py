"""The public provenance page of a lot: its bundle, verified as a jeweller verifies it offline.

The page shows only what the verified bundle establishes (origin mines, claim, custody, the
premium each mine confirmed) and never a commercial term: no sale price, no payment evidence.
Words and figures follow the visitor's language (``app.i18n``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from urllib.parse import quote
from xml.etree import ElementTree

import qrcode
from babel.numbers import format_decimal
from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup
from qrcode.image.svg import SvgPathFillImage

from app import auth, checkpoints, i18n, provenance, service
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

bp = Blueprint("provenance", __name__)

ROLES = {
    "asmo": _l("Mining organisation"),
    "first_buyer": _l("First Authorized Buyer"),
    "supplier": _l("Authorized Supplier"),
    "licensee": _l("Fairmined Licensee"),
    "certifier": _l("Certification body"),
}
METALS = {"gold": _l("Gold"), "silver": _l("Silver"), "platinum": _l("Platinum")}
FORMS = {
    "dore": _l("Doré"),
    "ore_concentrate": _l("Ore concentrate"),
    "semi_finished": _l("Semi-finished"),
}
STEPS = {
    "lot.registered": _l("Registered"),
    "lot.sold": _l("Sold"),
    "lot.shipped": _l("Shipped"),
    "lot.received": _l("Received and weighed"),
    "lot.assayed": _l("Assayed"),
    "lot.refined": _l("Refined"),
    "lot.split": _l("Split into parts"),
    "lot.merged": _l("Merged"),
    "lot.claimed": _l("Fairmined label applied"),
    "lot.alloyed": _l("Alloyed"),
    "lot.corrected": _l("Figure corrected"),
    "lot.weight_reconciled": _l("Weighing reconciled"),
    "lot.released": _l("Released by ARM"),
}
FINDINGS = {
    "weight-discrepancy": _l("Weighing differs from the shipment"),
    "assay-discrepancy": _l("Assay differs from the stated fineness"),
    "correction": _l("A stated figure was corrected"),
    "weight-reconciled": _l("Weighing dispute reconciled"),
    "release": _l("Released by ARM from a party without authorisation"),
}
RETIRED = {
    "sold_to_consumer": _l("Sold to a consumer"),
    "lost": _l("Reported lost"),
    "recycled": _l("Sent for recycling"),
    "other": _l("Taken out of circulation"),
}
FAILURES = {
    "invalid-note": _l("the checkpoint's signature does not match the operator's key"),
    "invalid-checkpoint": _l("the checkpoint is malformed or its signature does not verify"),
    "invalid-bundle": _l("a record is missing, altered, or breaks a Fairmined rule"),
}
CLAIM_NAMES = {
    "fairmined": _l("Fairmined Gold"),
    "ecological": _l("Fairmined Ecological Gold"),
    "none": _l("no Fairmined claim"),
}


STAGES = (
    ("mine", _l("Mine"), ("asmo",), ("mining",)),
    ("buyer", _l("Buyer"), ("first_buyer",), ("trading",)),
    ("refiner", _l("Refiner"), (), ("refining",)),
    ("jeweller", _l("Jeweller"), ("licensee",), ("manufacturing", "casting", "retail")),
)


@bp.get("/lots/<lot_id>")
def lot_page(lot_id: str):
    """A lot's provenance, verified once per lot, checkpoint and language; an HTML 404 for a lot
    that does not exist or that the visitor may not see (the same page, so existence does not
    leak)."""
    found = view(lot_id)
    if found is None:
        return render_template("provenance.html", lot_id=lot_id, missing=True), 404
    lot, content = found
    return render_template("provenance.html", readers_only=not is_public(lot), **content)


def view(lot_id: str) -> tuple[dict, dict] | None:
    """The lot and the page's content, or None when the visitor may not see it (or it does not
    exist). What the page shows is cached; it is rendered per request, since the header carries
    the visitor's own sign-out form and CSRF token."""
    try:
        with reading(service.current().engine) as connection:
            lot = auth.viewable_lot(SqlStore(connection), lot_id)
    except LedgerError as exc:
        if exc.code != "not-found":
            raise
        return None
    _, bundle = provenance.cached_bundle(lot_id)
    cache = service.current().bundles
    key = (*cache.key("page", lot_id, _size(bundle), bundle["checkpoint"]), i18n.language())
    return lot, cache.get_or_make(key, lambda: _content(lot_id, bundle))


def _size(bundle: dict) -> int:
    return parse_checkpoint(parse_note(bundle["checkpoint"])[0]).size


def _content(lot_id: str, bundle: dict) -> dict:
    """The page's template values: the verified provenance, or why it failed."""
    links = _links(lot_id)
    try:
        page = _page(bundle)
    except LedgerError as exc:
        current_app.logger.warning("bundle of %s failed verification: %s", lot_id, exc)
        reason = FAILURES.get(exc.code, _l("the records do not verify"))
        return {"lot_id": lot_id, "failure": {"code": exc.code, "reason": reason}, **links}
    return {"lot_id": lot_id, "page": page, **links}


def _verify(bundle: dict) -> tuple[Provenance, dict[str, str]]:
    """``verify_bundle`` against the operator key and witnesses the ledger itself names; also
    which party runs each witness."""
    with reading(service.current().engine) as connection:
        operator = checkpoints.operator_verifier(connection)
        witnesses = checkpoints.witness_verifiers(connection)
        runs = checkpoints.witness_parties(connection)
    return verify_bundle(bundle, operator, witnesses), runs


def public_url(path: str) -> str:
    """``path`` under the configured public base URL (``LEDGER_PUBLIC_URL``), never the Host
    header of the request: these links are printed on packaging as QR codes."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def _links(lot_id: str) -> dict:
    lot = quote(lot_id, safe="")
    page_url = public_url(f"/lots/{lot}")
    return {
        "page_url": page_url,
        "qr_svg": qr_svg(page_url),
        "bundle_url": public_url(f"/api/v1/lots/{lot}/bundle"),
        "key_url": public_url("/api/v1/verifier-key"),
    }


def qr_svg(url: str) -> Markup:
    """An inline, scalable SVG QR code of ``url`` (white quiet zone, for print and dark mode)."""
    svg = qrcode.make(url, image_factory=SvgPathFillImage, border=4).get_image()
    for attribute in ("width", "height"):
        del svg.attrib[attribute]
    svg.set("class", "qr-code")
    svg.set("role", "img")
    svg.set("aria-label", _("QR code linking to %(url)s", url=url))
    svg.set("data-url", url)
    return Markup(ElementTree.tostring(svg, encoding="unicode"))  # noqa: S704 (ElementTree escapes)


def _page(bundle: dict) -> dict:
    """Everything the page shows, from the verified bundle only."""
    p, runs = _verify(bundle)
    checkpoint = parse_checkpoint(parse_note(bundle["checkpoint"])[0])
    entries = {record["seq"]: record["entry"] for record in bundle["records"]}
    lot = p.lot
    steps = _introduce([_step(p, s, entries[s["seq"]]["body"]) for s in p.custody])
    return {
        "lot": {
            "metal": METALS.get(lot["metal"], lot["metal"].capitalize()),
            "metal_code": lot["metal"],
            "form": FORMS.get(lot["form"], lot["form"].replace("_", " ").capitalize()),
            "gross": grams(lot["gross_mg"]),
            "fine": grams(lot["fine_mg"]),
            "fineness": f"{lot['fineness'] // 10}.{lot['fineness'] % 10}",
            "status": _status(p),
            "product": lot.get("product"),
        },
        "claim": {
            "code": lot["claim"],
            "name": CLAIM_NAMES[lot["claim"]],
            "by": _party(p, lot["claimed_by"]) if lot["claimed_by"] else None,
        },
        "origins": [
            {**_origin(p, mine), "capacity": _capacity(mine["id"], lot["metal"])}
            for mine in p.origins
        ],
        "premium": _premium(p),
        "backing": _backing(p),
        "custody": steps,
        "stages": stages(p, steps),
        "status": _verdict(p),
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


def _verdict(p: Provenance) -> str:
    """``Verified``, or ``Verified, with N findings``, in the page's language."""
    if not p.findings:
        return _("Verified")
    count = len(p.findings)
    return ngettext("Verified, with %(num)d finding", "Verified, with %(num)d findings", count)


def _finding(p: Provenance, finding: dict) -> dict:
    """A finding in the lot's ancestry, in plain words."""
    return {
        "seq": finding["seq"],
        "day": i18n.day(finding["day"]),
        "what": FINDINGS.get(finding["code"], finding["code"]),
        "code": finding["code"],
        "lot": finding["lot"],
        "by": _party(p, finding["party"])["name"],
        "detail": finding["detail"],
    }


def grams(mg: int) -> str:
    """Integer milligrams as grams with three decimals in the page's language, e.g.
    ``1,099.736 g`` (``1.099,736 g`` in Spanish); exact, never through a float."""
    amount = Decimal(mg).scaleb(-3)
    return f"{format_decimal(amount, format='#,##0.000', locale=i18n.language())} g"


def _party(p: Provenance, party_id: str) -> dict:
    party = p.parties.get(party_id, {"name": party_id, "country": None, "roles": []})
    role = next((ROLES[r] for r in party["roles"] if r in ROLES), None)
    return {
        "name": party["name"],
        "role": role,
        "country": i18n.country(party["country"])["name"] if party["country"] else None,
    }


def _stage(party: dict) -> str:
    """Which part of the chain a party stands for: ``mine``, ``buyer``, ``refiner`` or
    ``jeweller`` (by role, then by activity)."""
    for code, _name, roles, _activities in STAGES:
        if set(roles) & set(party.get("roles", ())):
            return code
    for code, _name, _roles, activities in STAGES:
        if set(activities) & set(party.get("activities", ())):
            return code
    return "buyer"


def stages(p: Provenance, steps: list[dict]) -> list[dict]:
    """The custody summary: consecutive steps by parties of one stage (mine, buyer, refiner,
    jeweller) as one group, with its parties, days and the mass it handed on."""
    names = {code: name for code, name, _roles, _activities in STAGES}
    groups: list[dict] = []
    for step in steps:
        code = _stage(p.parties.get(step["actor"], {}))
        if not groups or groups[-1]["code"] != code:
            groups.append({"code": code, "name": names[code], "parties": [], "steps": []})
        group = groups[-1]
        if step["who"]["name"] not in group["parties"]:
            group["parties"].append(step["who"]["name"])
        group["steps"].append(step)
    for group in groups:
        masses = [s["mass_mg"] for s in group["steps"] if s["mass_mg"] is not None]
        group["mass"] = grams(masses[-1]) if masses else None
        group["first"] = group["steps"][0]["date"]
        group["last"] = group["steps"][-1]["date"]
    return groups


def _status(p: Provenance) -> str:
    lot = p.lot
    if lot["status"] == "retired":
        return RETIRED.get(lot.get("retired_reason"), RETIRED["other"])
    if lot["status"] == "in_transit":
        return _("In transit to %(party)s", party=_party(p, lot["incoming_to"])["name"])
    if lot["status"] == "held":
        return _("Held by %(party)s", party=_party(p, lot["holder"])["name"])
    return _("Made into %(lots)s", lots=", ".join(lot["children"]))


def _origin(p: Provenance, mine: dict) -> dict:
    owed = [o for o in p.obligations if o["asmo"] == mine["id"]]
    country = i18n.country(mine["country"])
    ecological = any(o["certification"] == "ecological" for o in owed)
    return {
        "name": mine["name"],
        "country": country["name"],
        "flag": country["flag"],
        "code": mine["country"].lower(),
        "sites": [
            site.partition(": ")[2]
            for site in p.lot["origin_sites"]
            if site.startswith(f"{mine['id']}: ")
        ],
        "ecological": ecological,
        "mercury_free": ecological,
        "premium": _settlement(owed),
        "paid": premium_paid(owed),
    }


def premium_paid(obligations: list[dict]) -> list[dict]:
    """Per currency, the premium a mine confirmed it received, the fine gold it was paid for and
    the amount per gram of fine gold (exact sums; the per-gram figure is rounded to the
    currency's minor unit for display only)."""
    by_currency: dict[str, list[dict]] = {}
    for obligation in obligations:
        by_currency.setdefault(obligation["currency"], []).append(obligation)
    paid = []
    for currency, found in sorted(by_currency.items()):
        confirmed = sum(o["confirmed"] for o in found)
        fine_mg = sum(o["settled_fine_mg"] or o["fine_mg"] for o in found)
        if not confirmed or not fine_mg:
            continue
        per_gram = (Decimal(confirmed) * 1000 / fine_mg).quantize(Decimal(1), ROUND_HALF_EVEN)
        paid.append(
            {
                "currency": currency,
                "amount": i18n.money(confirmed, currency),
                "fine": grams(fine_mg),
                "per_gram": i18n.money(int(per_gram), currency),
            }
        )
    return paid


def _capacity(asmo: str, metal: str) -> list[dict]:
    """The mine's certified capacity for the lot's metal and its use this certificate year, as
    the ledger records it today (a bundle holds only the registrations of this lot's
    ancestry)."""
    with reading(service.current().engine) as connection:
        found = SqlStore(connection).find("certificate", "party", asmo)
    certificates = [c for c in found if metal in c["metals"]]
    rows = accounting.capacity_use(certificates, datetime.now(UTC).date())
    locale = i18n.language()
    return [
        {
            "miners": row["miners"],
            "cap": format_decimal(
                Decimal(row["capacity_fine_mg_per_year"]).scaleb(-6), "#,##0.0", locale=locale
            )
            + " kg",
            "used": format_decimal(Decimal(row["used_bp"]).scaleb(-2), "0.00", locale=locale)
            + " %",
            "year_from": i18n.day(row["year_from"]),
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
    """Counts: how many premiums, to how many mines, and how many are settled."""
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


def _mass(body: dict) -> int | None:
    """The gross mass a step states: a weighing, a registration, or its outputs together."""
    if "gross_mg" in body:
        return body["gross_mg"]
    outputs = body.get("outputs") or ([body["output"]] if "output" in body else [])
    masses = [o["gross_mg"] for o in outputs if isinstance(o, dict) and "gross_mg" in o]
    return sum(masses) if masses else None


def _step(p: Provenance, step: dict, body: dict) -> dict:
    """One custody step in plain words: when, what, who, to whom, which lots, which mass."""
    outputs = {o["lot_id"] for o in body.get("outputs", [])}
    if "output" in body:
        outputs.add(body["output"]["lot_id"])
    actor = p.parties.get(step["actor"], {"roles": []})
    what = STEPS.get(step["type"], step["type"])
    if step["type"] == "lot.registered" and "asmo" in actor["roles"]:
        what = _l("Mined and registered")
    elif step["type"] == "lot.retired":
        what = RETIRED.get(body.get("reason"), RETIRED["other"])
    to = step["to"] or body.get("buyer")
    at = parse_instant(step["at"])
    mass = _mass(body)
    return {
        "seq": step["seq"],
        "actor": step["actor"],
        "at": step["at"],
        "date": i18n.day(at.date()),
        "time": f"{at:%H:%M} UTC",
        "what": what,
        "type": step["type"].removeprefix("lot."),
        "who": _party(p, step["actor"]),
        "to": _party(p, to) if to else None,
        "inputs": [lot for lot in step["lots"] if lot not in outputs],
        "outputs": [lot for lot in step["lots"] if lot in outputs],
        "mass_mg": mass,
        "mass": grams(mass) if mass is not None else None,
    }
