"""ARM's reports on the supply models: Fairmined Credits, mass-balance accounts, premium payers.

Figures come from ``ledger.supply_reports`` over the projected state; served under
``/api/v1/reports/`` with the same access policy as the premium reports (ARM and the operator).
"""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app import auth, service
from app.api.reports import AsOfSchema, as_of_day
from app.db.store import SqlStore
from app.db.uow import reading
from ledger import reports, supply_reports

blp = Blueprint(
    "supply_reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="ARM reports: Fairmined Credits, mass-balance accounts, premium payers",
)


@blp.before_request
def _arm_only() -> None:
    auth.require()


def _integers(*names: str) -> dict:
    return {name: fields.Integer(required=True) for name in names}


class CreditQuerySchema(Schema):
    period = fields.String(
        load_default="month",
        validate=validate.OneOf(reports.PERIODS),
        metadata={"description": "month, quarter or year of issuance"},
    )


CreditRow = Schema.from_dict(
    {
        "period": fields.String(required=True),
        "asmo": fields.String(required=True),
        "currency": fields.String(required=True),
        **_integers(*supply_reports.CREDIT_FIGURES, *supply_reports.MONEY_FIGURES),
    },
    name="CreditRow",
)


class RetirementSchema(Schema):
    id = fields.String(required=True)
    batch = fields.String(required=True)
    party = fields.String(required=True)
    asmo = fields.String(required=True)
    credits = fields.Integer(required=True)
    scope = fields.String(required=True)
    subject = fields.String(required=True)
    day = fields.String(required=True)
    claim_text = fields.String(required=True)
    lot = fields.String(allow_none=True, required=True)


class CreditReportSchema(Schema):
    period = fields.String(required=True)
    rows = fields.List(fields.Nested(CreditRow), required=True)
    retirements = fields.List(fields.Nested(RetirementSchema), required=True)


class AccountPeriodSchema(Schema):
    period = fields.String(required=True)
    deposited_mg = fields.Integer(required=True)
    remaining_mg = fields.Integer(required=True)
    usable = fields.Boolean(required=True)


class AccountEventSchema(Schema):
    seq = fields.Integer(required=True)
    day = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "deposit or draw"})
    fine_mg = fields.Integer(required=True)
    lot = fields.String(allow_none=True, required=True)
    subject = fields.String(allow_none=True, required=True)


class AccountSchema(Schema):
    account = fields.String(required=True)
    party = fields.String(required=True)
    site = fields.String(required=True)
    metal = fields.String(required=True)
    deposited_mg = fields.Integer(required=True)
    drawn_mg = fields.Integer(required=True)
    available_mg = fields.Integer(required=True)
    expired_mg = fields.Integer(required=True)
    origin_asmos = fields.List(fields.String(), required=True)
    periods = fields.List(fields.Nested(AccountPeriodSchema), required=True)
    history = fields.List(fields.Nested(AccountEventSchema), required=True)


class MassBalanceSchema(Schema):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(AccountSchema), required=True)


PayerRow = Schema.from_dict(
    {
        "payer_role": fields.String(required=True),
        "payer": fields.String(required=True),
        "currency": fields.String(required=True),
        **_integers("obligations", *supply_reports.MONEY_FIGURES),
    },
    name="PayerRow",
)


class PayersSchema(Schema):
    items = fields.List(fields.Nested(PayerRow), required=True)


@blp.route("/credits", methods=["GET"])
@blp.arguments(CreditQuerySchema, location="query")
@blp.response(200, CreditReportSchema)
def credits(query):
    """Fairmined Credits per period, mine and currency: issued, sold (premium confirmed),
    retired, and their premium; every retirement with its claim text."""
    with reading(service.current().engine) as connection:
        store = SqlStore(connection)
        batches = store.all("credit_batch")
        obligations = {o["id"]: o for o in store.all("obligation") if o["kind"] == "credit"}
        retirements = store.all("retirement")
    report = supply_reports.credits(batches, obligations, retirements, query["period"])
    return {"period": query["period"], **report}


@blp.route("/mass-balance", methods=["GET"])
@blp.arguments(AsOfSchema, location="query")
@blp.response(200, MassBalanceSchema)
def mass_balance(query):
    """Each mass-balance account: balance, what may be drawn, what expired, periods, history."""
    as_of = as_of_day(query)
    with reading(service.current().engine) as connection:
        accounts = SqlStore(connection).all("mb_account")
    return {"as_of": as_of, "items": supply_reports.mass_balance(accounts, as_of)}


@blp.route("/premiums/payers", methods=["GET"])
@blp.response(200, PayersSchema)
def payers():
    """Premium per kind of payer (first buyer, credit buyer), payer and currency."""
    with reading(service.current().engine) as connection:
        obligations = SqlStore(connection).all("obligation")
    return {"items": supply_reports.payers(obligations)}
