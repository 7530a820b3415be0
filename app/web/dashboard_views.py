"""The dashboard's views beyond the premium report: filters read with messages a person can act
on, premium figures per country, certificate status and capacity use per mine, and claimed
metal per licensee. Pure functions of the ledger's objects; words in the page's language."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError

from app import i18n
from app.api.reports import PeriodQuerySchema
from ledger import accounting

EXPIRING_SOON_DAYS = 90  # a certificate's renewal audit is planned about a season ahead
FIELDS = ("from", "to", "period", "asmo", "as_of")
MONEY = ("due", "paid", "confirmed", "outstanding", "overdue")
PERIOD_NAMES = {"month": _l("month"), "quarter": _l("quarter"), "year": _l("year")}
STATUS_NAMES = {
    "active": _l("active"),
    "expiring": _l("expiring soon"),
    "expired": _l("expired"),
    "suspended": _l("suspended"),
    "withdrawn": _l("withdrawn"),
}


def _message(name: str, value: str) -> str:
    if name in ("from", "to", "as_of"):
        return _(
            "“%(value)s” is not a day: pick one in the calendar or type YYYY-MM-DD.", value=value
        )
    if name == "period":
        return _("Choose month, quarter or year.")
    return _("“%(value)s” is not a mine's id: choose a mine from the list.", value=value)


def read_filters(args: dict[str, str], mines: list[str]) -> tuple[dict, dict[str, str]]:
    """The dashboard's filters from the query string, and a message per filter that could not
    be used (that filter then takes its default, so the page still shows the rest)."""
    given = {name: args[name] for name in FIELDS if args.get(name, "") != ""}
    schema = PeriodQuerySchema()
    errors: dict[str, str] = {}
    try:
        query = schema.load(given, unknown=EXCLUDE)
    except ValidationError as exc:
        bad = set(exc.messages) & set(given)
        errors = {name: _message(name, given[name]) for name in sorted(bad)}
        query = schema.load({k: v for k, v in given.items() if k not in bad}, unknown=EXCLUDE)
    if query["asmo"] is not None and query["asmo"] not in mines:
        errors["asmo"] = _(
            "No mine “%(value)s” is registered; showing all mines.", value=query["asmo"]
        )
        query["asmo"] = None
    if query["start"] and query["end"] and query["end"] < query["start"]:
        errors["to"] = _("“To” is before “From”: no sale lies in between.")
    return query, errors


def kg(mg: int) -> str:
    """Exact kilograms from milligrams, in the page's language (``0.880000 kg``)."""
    amount = Decimal(mg).scaleb(-6)
    return f"{format_decimal(amount, '#,##0.000000', locale=i18n.language())} kg"


def percent(bp: int) -> str:
    """Parts per 10,000 as a percentage with two decimals, in the page's language."""
    return f"{format_decimal(Decimal(bp).scaleb(-2), '#,##0.00', locale=i18n.language())} %"


def by_country(rows: list[dict], parties: dict[str, dict]) -> list[dict]:
    """Premium figures per country of the mine and currency: mines, fine metal, due,
    confirmed, outstanding and overdue (amounts of different currencies never added)."""
    groups: dict[tuple[str, str], dict] = {}
    for row in rows:
        code = parties.get(row["asmo"], {}).get("country") or ""
        group = groups.setdefault(
            (code, row["currency"]),
            {"mines": set(), **dict.fromkeys(("fairmined", "ecological", *MONEY), 0)},
        )
        group["mines"].add(row["asmo"])
        group["fairmined"] += row["fine_mg_fairmined"]
        group["ecological"] += row["fine_mg_ecological"]
        for name in MONEY:
            group[name] += row[name]
    return [
        {
            "country": i18n.country(code),
            "currency": currency,
            "mines": len(group["mines"]),
            "fairmined": kg(group["fairmined"]),
            "ecological": kg(group["ecological"]),
            **{name: i18n.money(group[name], currency) for name in MONEY},
            "late": group["overdue"] > 0,
        }
        for (code, currency), group in sorted(groups.items())
    ]


def certificate_status(certificate: dict, as_of: date) -> str:
    """``active``, ``expiring`` (active, ending within ``EXPIRING_SOON_DAYS``), ``expired``,
    ``suspended`` or ``withdrawn``, on ``as_of``."""
    if certificate["status"] != "active":
        return certificate["status"]
    ends = date.fromisoformat(certificate["valid_to"])
    if ends < as_of:
        return "expired"
    if ends <= as_of + timedelta(days=EXPIRING_SOON_DAYS):
        return "expiring"
    return "active"


def mines(certificates: list[dict], parties: dict[str, dict], as_of: date) -> list[dict]:
    """One row per certificate: the mine, its country, the certificate's status on ``as_of``
    and its capacity use in the certificate year holding ``as_of``."""
    found = {c["id"]: c for c in certificates}
    rows = []
    for use in accounting.capacity_use(certificates, as_of):
        certificate = found[use["certificate"]]
        party = parties.get(use["asmo"], {"name": use["asmo"], "country": None})
        status = certificate_status(certificate, as_of)
        rows.append(
            {
                "asmo": use["asmo"],
                "name": party["name"],
                "country": i18n.country(party["country"]),
                "certificate": use["certificate"],
                "ecological": certificate.get("ecological", False),
                "status": status,
                "status_name": STATUS_NAMES.get(status, status),
                "valid_to": i18n.day(certificate["valid_to"]),
                "miners": use["miners"],
                "capacity": kg(use["capacity_fine_mg_per_year"]),
                "used": kg(use["used_fine_mg"]),
                "used_bp": use["used_bp"],
                "used_percent": percent(use["used_bp"]),
                "bar": min(use["used_bp"], 10_000),
            }
        )
    return sorted(rows, key=lambda r: (r["country"]["name"], r["name"], r["certificate"]))


def licensees(
    claims: list[dict], parties: dict[str, dict], start: date | None, end: date | None
) -> list[dict]:
    """Claimed labelled metal per licensee in the selected days, with its origin mines."""
    named = []
    for row in accounting.claims_by_licensee(claims, start, end):
        party = parties.get(row["licensee"], {"name": row["licensee"], "country": None})
        named.append(
            {
                "licensee": row["licensee"],
                "name": party["name"],
                "country": i18n.country(party["country"]),
                "claims": row["claims"],
                "fine": kg(row["fine_mg"]),
                "fine_mg": row["fine_mg"],
                "origins": [
                    {
                        "name": parties.get(o["asmo"], {}).get("name", o["asmo"]),
                        "fine": kg(o["fine_mg"]),
                    }
                    for o in row["origins"]
                ],
            }
        )
    return named
