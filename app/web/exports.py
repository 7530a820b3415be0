"""ARM's reports as CSV or JSON attachments, for the dashboard's export buttons.

``/arm/exports/<report>.<csv|json>`` takes the dashboard's filters; rows come from
``app.export_rows``, built from the same reports as the API and the dashboard.
"""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, redirect, request, url_for
from webargs.flaskparser import parser

from app import auth, export_rows, service
from app.api.reports import PeriodQuerySchema, as_of_day, blocked, premium_obligations
from app.db.store import SqlStore
from app.db.uow import reading
from app.web.dashboard_views import certificate_status
from ledger import accounting, reports

bp = Blueprint("exports", __name__, url_prefix="/arm/exports")
REPORTS = (
    "premiums",
    "yearly",
    "countries",
    "certificates",
    "licensees",
    "blocked-lots",
    "discrepancies",
)
FORMATS = ("csv", "json")


@bp.before_request
def _arm_only():
    """ARM's exports: anonymous visitors are sent to the login form."""
    try:
        auth.require()
    except auth.Unauthenticated:
        return redirect(url_for("login.form", next=request.full_path.rstrip("?")))
    return None


def _rows(report: str, query: dict) -> list[dict]:
    as_of = as_of_day(query)
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        parties = {p["id"]: p for p in store.all("party")}
        if report == "discrepancies":
            found = reports.discrepancies(
                store.all("finding"), start=query["start"], end=query["end"]
            )
            return export_rows.discrepancies(found, parties)
        if report == "blocked-lots":
            return export_rows.blocked_lots(blocked(store, as_of), parties)
        if report == "licensees":
            claims = store.all("claim")
            found = accounting.claims_by_licensee(claims, query["start"], query["end"])
            return export_rows.licensees(found, parties)
        if report == "certificates":
            chosen = [c for c in store.all("certificate") if query["asmo"] in (None, c["party"])]
            return export_rows.certificates(_certificates(chosen, as_of), parties)
        chosen = premium_obligations(store, query)
    if report == "yearly":
        return export_rows.yearly(reports.yearly(chosen, as_of=as_of))
    found = reports.premiums(chosen, period=query["period"], as_of=as_of)
    if report == "countries":
        return export_rows.countries(found["rows"], parties)
    return export_rows.premiums(found, parties)


def _certificates(certificates: list[dict], as_of) -> list[dict]:
    """Capacity use per certificate with its status on ``as_of`` and its last valid day."""
    by_id = {c["id"]: c for c in certificates}
    return [
        {
            **use,
            "status_on_day": certificate_status(by_id[use["certificate"]], as_of),
            "valid_to": by_id[use["certificate"]]["valid_to"],
        }
        for use in accounting.capacity_use(certificates, as_of)
    ]


def _attachment(body: str, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/<report>.<fmt>")
def export(report: str, fmt: str):
    """One report, filtered as the dashboard is, as a CSV or JSON download."""
    if report not in REPORTS or fmt not in FORMATS:
        abort(404)
    query = parser.parse(PeriodQuerySchema(), request, location="query")
    rows = _rows(report, query)
    name = f"{report}-{as_of_day(query).isoformat()}.{fmt}"
    if fmt == "json":
        document = {"report": report, "as_of": as_of_day(query).isoformat(), "rows": rows}
        return _attachment(
            json.dumps(document, ensure_ascii=False, indent=1), "application/json", name
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=export_rows.columns(rows), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return _attachment(out.getvalue(), "text/csv", name)
