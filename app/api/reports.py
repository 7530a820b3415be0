"""ARM's reports: premium flows per mine and period, yearly totals, blocked lots, discrepancies.

Every figure comes from ``ledger.reports`` over the projected state; money is in integer minor
units per currency, mass in integer milligrams. Served under ``/api/v1/reports/`` so that one
access policy can cover them.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from app import auth, service
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import accounting, reports
from ledger.fields import PARTY_ID
from ledger.timefmt import now

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="ARM reports: premiums per mine, blocked lots, discrepancies",
)


@blp.before_request
def _arm_only() -> None:
    """Premium reports are for ARM (and the operator)."""
    auth.require()


CSV_COLUMNS = ("period", "asmo", "payer", "currency", *reports.FIGURES)


class AsOfSchema(Schema):
    as_of = fields.Date(
        load_default=None,
        metadata={"description": "the day overdue amounts are counted on (default: today, UTC)"},
    )


class RangeSchema(Schema):
    start = fields.Date(
        data_key="from", load_default=None, metadata={"description": "first day (inclusive)"}
    )
    end = fields.Date(
        data_key="to",
        load_default=None,
        metadata={"description": "last day (inclusive); before 'from' selects nothing"},
    )


class YearlyQuerySchema(RangeSchema, AsOfSchema):
    asmo = fields.String(
        load_default=None,
        validate=validate.Regexp(f"^{PARTY_ID.pattern}$"),
        metadata={"description": "only this ASMO's sales"},
    )


class PeriodQuerySchema(YearlyQuerySchema):
    period = fields.String(
        load_default="month",
        validate=validate.OneOf(reports.PERIODS),
        metadata={"description": "month, quarter or year of the sale day"},
    )


class PremiumQuerySchema(PeriodQuerySchema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "csv for one row per period, ASMO, payer and currency"},
    )


class DiscrepancyQuerySchema(RangeSchema):
    code = fields.String(load_default=None, validate=validate.OneOf(reports.DISCREPANCY_CODES))


def _figures(cls_name: str, **extra: fields.Field) -> type[Schema]:
    members = {name: fields.Integer(required=True) for name in reports.FIGURES}
    return Schema.from_dict({**extra, **members}, name=cls_name)


PayerFigures = _figures("PayerFigures", payer=fields.String(required=True))
CurrencyFigures = _figures("CurrencyFigures", currency=fields.String(required=True))
PremiumRow = _figures(
    "PremiumRow",
    period=fields.String(required=True),
    asmo=fields.String(required=True),
    currency=fields.String(required=True),
    payers=fields.List(fields.Nested(PayerFigures), required=True),
)


class PremiumReportSchema(Schema):
    period = fields.String(required=True)
    start = fields.Date(data_key="from", allow_none=True, required=True)
    end = fields.Date(data_key="to", allow_none=True, required=True)
    as_of = fields.Date(required=True)
    asmo = fields.String(allow_none=True, required=True)
    rows = fields.List(fields.Nested(PremiumRow), required=True)
    totals = fields.List(fields.Nested(CurrencyFigures), required=True)


class YearSchema(Schema):
    year = fields.String(required=True)
    asmos = fields.Integer(required=True, metadata={"description": "ASMOs that sold"})
    fine_mg = fields.Integer(required=True)
    fine_kg = fields.String(required=True, metadata={"description": "fine_mg as exact kg"})
    fine_mg_fairmined = fields.Integer(required=True)
    fine_mg_ecological = fields.Integer(required=True)
    premiums = fields.List(fields.Nested(CurrencyFigures), required=True)


class YearlyReportSchema(Schema):
    as_of = fields.Date(required=True)
    asmo = fields.String(allow_none=True, required=True)
    years = fields.List(fields.Nested(YearSchema), required=True)


class UnsettledSchema(Schema):
    obligation = fields.String(required=True)
    asmo = fields.String(required=True)
    payer = fields.String(required=True)
    currency = fields.String(required=True)
    due = fields.Integer(required=True)
    paid = fields.Integer(required=True)
    confirmed = fields.Integer(required=True)
    outstanding = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"description": "unpaid or unconfirmed"})
    due_by = fields.String(required=True)
    days_overdue = fields.Integer(required=True)


class BlockedLotSchema(Schema):
    lot = fields.String(required=True)
    form = fields.String(required=True)
    claim = fields.String(required=True)
    status = fields.String(required=True)
    holder = fields.String(required=True)
    incoming_to = fields.String(allow_none=True, required=True)
    fine_mg = fields.Integer(required=True)
    days_overdue = fields.Integer(required=True)
    unsettled = fields.List(fields.Nested(UnsettledSchema), required=True)


class BlockedLotsSchema(Schema):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(BlockedLotSchema), required=True)


class DiscrepancySchema(Schema):
    id = fields.String(required=True)
    seq = fields.Integer(required=True)
    code = fields.String(required=True)
    lot = fields.String(required=True)
    party = fields.String(required=True, metadata={"description": "who recorded it"})
    counterparty = fields.String(allow_none=True, required=True)
    day = fields.String(required=True)
    detail = fields.String(required=True)
    expected = fields.Integer(required=True)
    observed = fields.Integer(required=True)
    difference = fields.Integer(required=True, metadata={"description": "observed - expected"})
    unit = fields.String(required=True)


class DiscrepanciesSchema(Schema):
    items = fields.List(fields.Nested(DiscrepancySchema), required=True)


def as_of_day(query: dict) -> date:
    """The query's as-of day, or today (UTC)."""
    return query["as_of"] or date.fromisoformat(now()[:10])


def premium_obligations(store: SqlStore, query: dict) -> list[dict]:
    """The obligations a premium query selects (404 for an unknown ASMO)."""
    if query["asmo"] and store.get("party", query["asmo"]) is None:
        abort(404, message=f"no party {query['asmo']!r}")
    return reports.select(
        store.all("obligation"), start=query["start"], end=query["end"], asmo=query["asmo"]
    )


def _wants_csv(query: dict) -> bool:
    if query["format"] == "csv":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def _csv(report: dict) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report["rows"]:
        for payer in row["payers"]:
            writer.writerow(
                [row["period"], row["asmo"], payer["payer"], row["currency"]]
                + [payer[name] for name in reports.FIGURES]
            )
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'inline; filename="premiums.csv"'
    return response


@blp.route("/premiums", methods=["GET"])
@blp.arguments(PremiumQuerySchema, location="query")
@blp.response(200, PremiumReportSchema)
@blp.doc(
    responses={
        "200": {
            "description": "the report as JSON, or as CSV on request",
            "content": {
                "application/json": {"schema": PremiumReportSchema},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    }
)
def premiums(query):
    """Premiums per ASMO and period of sale: fine metal sold as Fairmined and as Ecological,
    premium due, paid, confirmed, outstanding and overdue, per currency and payer.

    ``format=csv`` (or ``Accept: text/csv``) answers CSV: a header row, then one row per
    period, ASMO, payer and currency."""
    as_of = as_of_day(query)
    with reading(service.current().engine) as connection:
        chosen = premium_obligations(SqlStore(connection), query)
    report = reports.premiums(chosen, period=query["period"], as_of=as_of)
    if _wants_csv(query):
        return _csv(report)
    return {**query, "as_of": as_of, **report}


@blp.route("/premiums/yearly", methods=["GET"])
@blp.arguments(YearlyQuerySchema, location="query")
@blp.response(200, YearlyReportSchema)
def yearly(query):
    """Per calendar year of sale: ASMOs selling, fine metal sold (mg and exact kg) and premium
    per currency; comparable with ARM's published yearly figures."""
    as_of = as_of_day(query)
    with reading(service.current().engine) as connection:
        chosen = premium_obligations(SqlStore(connection), query)
    years = reports.yearly(chosen, as_of=as_of)
    return {
        "as_of": as_of,
        "asmo": query["asmo"],
        "years": [{**year, "fine_kg": reports.kg_text(year["fine_mg"])} for year in years],
    }


def blocked(store: SqlStore, as_of: date) -> list[dict]:
    """Lots blocked by unsettled premiums, from the store."""
    lots = store.find("lot", "status", "held") + store.find("lot", "status", "in_transit")
    obligations = {o["id"]: o for o in store.all("obligation")}
    return reports.blocked_lots(lots, obligations, as_of=as_of)


@blp.route("/blocked-lots", methods=["GET"])
@blp.arguments(AsOfSchema, location="query")
@blp.response(200, BlockedLotsSchema)
def blocked_lots(query):
    """Labelled lots held or in transit that cannot move on (nor be claimed) until premiums
    owed on their origin are paid and confirmed; most overdue first."""
    as_of = as_of_day(query)
    with reading(service.current().engine) as connection:
        items = blocked(SqlStore(connection), as_of)
    return {"as_of": as_of, "items": items}


@blp.route("/discrepancies", methods=["GET"])
@blp.arguments(DiscrepancyQuerySchema, location="query")
@blp.response(200, DiscrepanciesSchema)
def discrepancies(query):
    """Weight differences at receipt beyond tolerance and assays beyond the splitting limit,
    newest first."""
    with reading(service.current().engine) as connection:
        findings = SqlStore(connection).all("finding")
    items = reports.discrepancies(
        findings, start=query["start"], end=query["end"], code=query["code"]
    )
    return {"items": items}


class SettlementRowSchema(Schema):
    asmo = fields.String(required=True)
    currency = fields.String(required=True)
    sales = fields.Integer(required=True, metadata={"description": "mine sales (obligations)"})
    settled = fields.Integer(required=True, metadata={"description": "of them, settled by assay"})
    fine_mg_sold = fields.Integer(required=True, metadata={"description": "premium basis at sale"})
    fine_mg_settled = fields.Integer(required=True)
    top_ups = fields.Integer(required=True)
    top_up_fine_mg = fields.Integer(required=True)
    top_up_due = fields.Integer(required=True)
    top_up_confirmed = fields.Integer(required=True)
    credits = fields.Integer(required=True)
    credit_fine_mg = fields.Integer(required=True)
    credit = fields.Integer(required=True, metadata={"description": "premium overpaid, recorded"})


class SettlementsSchema(Schema):
    asmo = fields.String(allow_none=True, required=True)
    items = fields.List(fields.Nested(SettlementRowSchema), required=True)


class OriginShareSchema(Schema):
    asmo = fields.String(required=True)
    fine_mg = fields.Integer(required=True)


class LicenseeRowSchema(Schema):
    licensee = fields.String(required=True)
    claims = fields.Integer(required=True)
    fine_mg = fields.Integer(required=True, metadata={"description": "labelled metal claimed"})
    origins = fields.List(fields.Nested(OriginShareSchema), required=True)


class LicenseesSchema(Schema):
    items = fields.List(fields.Nested(LicenseeRowSchema), required=True)


class CapacityRowSchema(Schema):
    certificate = fields.String(required=True)
    asmo = fields.String(required=True)
    status = fields.String(required=True)
    miners = fields.Integer(required=True)
    capacity_fine_mg_per_year = fields.Integer(required=True)
    year_from = fields.String(required=True, metadata={"description": "certificate year start"})
    used_fine_mg = fields.Integer(required=True)
    used_bp = fields.Integer(required=True, metadata={"description": "parts per 10,000 used"})


class CapacitySchema(Schema):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(CapacityRowSchema), required=True)


@blp.route("/premiums/settlements", methods=["GET"])
@blp.arguments(YearlyQuerySchema, location="query")
@blp.response(200, SettlementsSchema)
def settlements(query):
    """Per ASMO and currency: fine metal as sold and as settled by the settlement assay,
    premium top-ups owed on richer metal and credits recorded on poorer metal."""
    with reading(service.current().engine) as connection:
        chosen = premium_obligations(SqlStore(connection), query)
    return {"asmo": query["asmo"], "items": accounting.settlements(chosen)}


@blp.route("/licensees", methods=["GET"])
@blp.arguments(RangeSchema, location="query")
@blp.response(200, LicenseesSchema)
def licensees(query):
    """Per licensee: Fairmined label claims and the labelled fine metal they consumed, per
    origin mine (a claim consumes metal: claimed never exceeds what the licensee received)."""
    with reading(service.current().engine) as connection:
        claims = SqlStore(connection).all("claim")
    return {"items": accounting.claims_by_licensee(claims, query["start"], query["end"])}


@blp.route("/capacity", methods=["GET"])
@blp.arguments(AsOfSchema, location="query")
@blp.response(200, CapacitySchema)
def capacity(query):
    """Per certificate: certified scope (miners, fine metal a year) and the fine metal its mine
    registered in the certificate year holding the as-of day."""
    as_of = as_of_day(query)
    with reading(service.current().engine) as connection:
        certificates = SqlStore(connection).all("certificate")
    return {"as_of": as_of, "items": accounting.capacity_use(certificates, as_of)}
