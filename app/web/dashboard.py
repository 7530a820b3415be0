"""ARM's dashboard: premium flows per mine over time, outstanding ageing, blocked lots and
discrepancies, drawn server-side as inline SVG from the same reports as the API.

Served under ``/arm/`` so that one access policy can cover ARM's pages.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from webargs.flaskparser import parser

from app import auth, db
from app.api.reports import (
    PeriodQuerySchema,
    as_of_day,
    blocked,
    premium_obligations,
)
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import reports, supply_reports
from ledger.money import MINOR_DIGITS

bp = Blueprint("dashboard", __name__, url_prefix="/arm")


@bp.before_request
def _arm_only():
    """ARM's pages: anonymous visitors are sent to the login form."""
    try:
        auth.require()
    except auth.Unauthenticated:
        return redirect(url_for("login.form", next=request.full_path.rstrip("?")))
    return None


SERIES = ("due", "paid", "confirmed")
SUMMARY = ("due", "paid", "confirmed", "outstanding", "overdue")
PLOT_W, PLOT_H, LEFT, TOP, BOTTOM = 560, 150, 84, 14, 30


def money(minor: int, currency: str) -> str:
    """``528000, "USD"`` -> ``"USD 5,280.00"`` (exact, from integer minor units)."""
    digits = MINOR_DIGITS.get(currency, 2)
    sign = "-" if minor < 0 else ""
    major, rest = divmod(abs(minor), 10**digits)
    fraction = f".{rest:0{digits}d}" if digits else ""
    return f"{currency} {sign}{major:,}{fraction}"


def kg(mg: int) -> str:
    """Milligrams as exact kilograms, ``"0.838000 kg"``."""
    return f"{reports.kg_text(mg)} kg"


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (and >= 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def _axis(peak_minor: int, currency: str) -> tuple[int, list[dict]]:
    """The axis top in minor units and its five labelled ticks (whole major units)."""
    unit = 10 ** MINOR_DIGITS.get(currency, 2)
    top = nice_ceiling(-(-peak_minor // unit))
    ticks = [{"y": TOP + PLOT_H - PLOT_H * i // 4, "label": f"{top * i // 4:,}"} for i in range(5)]
    return top * unit, ticks


def flow_charts(rows: list[dict], names: dict[str, str]) -> list[dict]:
    """One grouped bar chart (due, paid, confirmed per period) for each ASMO and currency."""
    charts: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        charts.setdefault((row["asmo"], row["currency"]), []).append(row)
    drawn = []
    for (asmo, currency), found in sorted(charts.items()):
        top, ticks = _axis(max(r["due"] for r in found), currency)
        group = PLOT_W // max(len(found), 4)
        bar = group * 2 // 9
        bars, labels = [], []
        for index, row in enumerate(found):
            x0 = LEFT + index * group + group // 6
            labels.append({"x": x0 + bar * 3 // 2, "text": row["period"]})
            for number, name in enumerate(SERIES):
                height = PLOT_H * row[name] // top
                bars.append(
                    {
                        "x": x0 + number * bar,
                        "y": TOP + PLOT_H - height,
                        "w": bar - 2,
                        "h": height,
                        "series": name,
                        "title": f"{row['period']} {name}: {money(row[name], currency)}",
                    }
                )
        drawn.append(
            {
                "asmo": asmo,
                "name": names.get(asmo, asmo),
                "currency": currency,
                "bars": bars,
                "labels": labels,
                "ticks": ticks,
                "outstanding": money(sum(r["outstanding"] for r in found), currency),
                "overdue": money(sum(r["overdue"] for r in found), currency),
            }
        )
    return drawn


def ageing_charts(ageing: list[dict]) -> list[dict]:
    """One horizontal bar chart of outstanding premium per ageing bucket, per currency."""
    drawn = []
    for found in ageing:
        currency = found["currency"]
        peak = max(b["amount"] for b in found["buckets"])
        bars = []
        for index, bucket in enumerate(found["buckets"]):
            width = (PLOT_W - 120) * bucket["amount"] // peak
            bars.append(
                {
                    "y": TOP + index * 34,
                    "w": width,
                    "label": bucket["bucket"],
                    "value": money(bucket["amount"], currency),
                    "count": bucket["obligations"],
                    "level": index,
                }
            )
        drawn.append({"currency": currency, "total": money(found["total"], currency), "bars": bars})
    return drawn


def _summary(totals: list[dict]) -> list[dict]:
    return [
        {
            "currency": t["currency"],
            "obligations": t["obligations"],
            "late": t["overdue"] > 0,
            "fairmined": kg(t["fine_mg_fairmined"]),
            "ecological": kg(t["fine_mg_ecological"]),
            **{name: money(t[name], t["currency"]) for name in SUMMARY},
        }
        for t in totals
    ]


def _supply(store: SqlStore, period: str, as_of) -> dict:
    """The supply models beside Labelled metal: Fairmined Credits per mine and period,
    mass-balance accounts, and premiums by kind of payer."""
    obligations = store.all("obligation")
    credit_obligations = {o["id"]: o for o in obligations if o["kind"] == "credit"}
    credits = supply_reports.credits(
        store.all("credit_batch"), credit_obligations, store.all("retirement"), period
    )
    return {
        "credits": credits,
        "accounts": supply_reports.mass_balance(store.all("mb_account"), as_of),
        "payers": supply_reports.payers(obligations),
    }


@bp.route("/dashboard", methods=["GET"])
def dashboard():
    """ARM's premium dashboard; query parameters as ``/api/v1/reports/premiums``."""
    query = parser.parse(PeriodQuerySchema(), request, location="query")
    as_of = as_of_day(query)
    with reading(db.get_engine()) as connection:
        store = SqlStore(connection)
        chosen = premium_obligations(store, query)
        names = {p["id"]: p["name"] for p in store.all("party")}
        asmos = sorted(p["id"] for p in store.find("party", "roles", "asmo"))
        stuck = [
            lot
            for lot in blocked(store, as_of)
            if query["asmo"] in (None, *(o["asmo"] for o in lot["unsettled"]))
        ]
        findings = store.all("finding")
        supply = _supply(store, query["period"], as_of)
    report = reports.premiums(chosen, period=query["period"], as_of=as_of)
    return render_template(
        "dashboard.html",
        query=query,
        as_of=as_of,
        periods=reports.PERIODS,
        asmos=asmos,
        names=names,
        summary=_summary(report["totals"]),
        rows=report["rows"],
        flows=flow_charts(report["rows"], names),
        ageing=ageing_charts(reports.ageing(chosen, as_of=as_of)),
        years=reports.yearly(chosen, as_of=as_of),
        blocked=stuck,
        discrepancies=reports.discrepancies(findings, start=query["start"], end=query["end"]),
        money=money,
        kg=kg,
        **supply,
        geometry={
            "width": LEFT + PLOT_W + 16,
            "height": TOP + PLOT_H + BOTTOM,
            "left": LEFT,
            "baseline": TOP + PLOT_H,
        },
    )
