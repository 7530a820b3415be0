"""ARM's reports as flat rows for spreadsheets: party names, ids and countries beside every
party, units in the column names, exact decimal amounts (money in the currency's major unit,
mass in kg) and one column per currency (``premium_due_usd``), never a sum across currencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from babel.numbers import get_currency_precision

from ledger import reports

MONEY = ("due", "paid", "confirmed", "outstanding", "overdue")


def decimal_text(minor: int, currency: str) -> str:
    """Exact integer minor units as a plain decimal in the major unit: ``440000`` -> ``4400.00``."""
    return str(Decimal(minor).scaleb(-get_currency_precision(currency)))


def _party(prefix: str, party_id: str | None, parties: dict[str, dict]) -> dict:
    party = parties.get(party_id or "", {})
    return {
        f"{prefix}_id": party_id or "",
        f"{prefix}_name": party.get("name", ""),
        f"{prefix}_country": party.get("country", ""),
    }


def _money(figures: dict, currency: str, names: Iterable[str] = MONEY) -> dict:
    code = currency.lower()
    return {f"premium_{n}_{code}": decimal_text(figures[n], currency) for n in names}


def premiums(report: dict, parties: dict[str, dict]) -> list[dict]:
    """One row per period, mine, payer and currency."""
    return [
        {
            "period": row["period"],
            **_party("asmo", row["asmo"], parties),
            **_party("payer", payer["payer"], parties),
            "obligations": payer["obligations"],
            "fine_kg_fairmined": reports.kg_text(payer["fine_mg_fairmined"]),
            "fine_kg_ecological": reports.kg_text(payer["fine_mg_ecological"]),
            **_money(payer, row["currency"]),
        }
        for row in report["rows"]
        for payer in row["payers"]
    ]


def yearly(years: list[dict]) -> list[dict]:
    """One row per calendar year of sale, premium columns per currency."""
    rows = []
    for year in years:
        row = {
            "year": year["year"],
            "asmos": year["asmos"],
            "fine_kg": reports.kg_text(year["fine_mg"]),
            "fine_kg_fairmined": reports.kg_text(year["fine_mg_fairmined"]),
            "fine_kg_ecological": reports.kg_text(year["fine_mg_ecological"]),
        }
        for found in year["premiums"]:
            row.update(_money(found, found["currency"]))
        rows.append(row)
    return rows


def blocked_lots(items: list[dict], parties: dict[str, dict]) -> list[dict]:
    """One row per blocked lot and unsettled premium it waits for."""
    return [
        {
            "lot": lot["lot"],
            "form": lot["form"],
            "claim": lot["claim"],
            "status": lot["status"],
            **_party("holder", lot["holder"], parties),
            **_party("incoming_to", lot["incoming_to"], parties),
            "fine_kg": reports.kg_text(lot["fine_mg"]),
            "days_overdue": lot["days_overdue"],
            "obligation": owed["obligation"],
            "premium_state": owed["state"],
            "premium_due_by": owed["due_by"],
            **_party("asmo", owed["asmo"], parties),
            **_party("payer", owed["payer"], parties),
            **_money(owed, owed["currency"], ("due", "paid", "confirmed", "outstanding")),
        }
        for lot in items
        for owed in lot["unsettled"]
    ]


def discrepancies(items: list[dict], parties: dict[str, dict]) -> list[dict]:
    """One row per finding; weights in mg, fineness in parts per 10,000, named in the columns."""
    rows = []
    for item in items:
        unit = "mg" if item["unit"] == "mg" else "fineness_bp"
        rows.append(
            {
                "day": item["day"],
                "seq": item["seq"],
                "code": item["code"],
                "lot": item["lot"],
                **_party("party", item["party"], parties),
                **_party("counterparty", item["counterparty"], parties),
                f"expected_{unit}": item["expected"],
                f"observed_{unit}": item["observed"],
                f"difference_{unit}": item["difference"],
                "detail": item["detail"],
            }
        )
    return rows


def countries(rows: list[dict], parties: dict[str, dict]) -> list[dict]:
    """One row per country of the mines, premium columns per currency."""
    found: dict[str, dict] = {}
    for row in rows:
        code = parties.get(row["asmo"], {}).get("country") or ""
        into = found.setdefault(code, {"mines": set(), "fairmined": 0, "ecological": 0, "by": {}})
        into["mines"].add(row["asmo"])
        into["fairmined"] += row["fine_mg_fairmined"]
        into["ecological"] += row["fine_mg_ecological"]
        money = into["by"].setdefault(row["currency"], dict.fromkeys(MONEY, 0))
        for name in MONEY:
            money[name] += row[name]
    out = []
    for code, into in sorted(found.items()):
        row = {
            "country": code,
            "asmos": len(into["mines"]),
            "fine_kg_fairmined": reports.kg_text(into["fairmined"]),
            "fine_kg_ecological": reports.kg_text(into["ecological"]),
        }
        for currency, money in sorted(into["by"].items()):
            row.update(_money(money, currency))
        out.append(row)
    return out


def certificates(items: list[dict], parties: dict[str, dict]) -> list[dict]:
    """One row per certificate: its status on the day, validity and capacity use."""
    return [
        {
            "certificate": item["certificate"],
            **_party("asmo", item["asmo"], parties),
            "status": item["status_on_day"],
            "valid_to": item["valid_to"],
            "miners": item["miners"],
            "capacity_fine_kg_per_year": reports.kg_text(item["capacity_fine_mg_per_year"]),
            "certificate_year_from": item["year_from"],
            "used_fine_kg": reports.kg_text(item["used_fine_mg"]),
            "used_percent": str(Decimal(item["used_bp"]).scaleb(-2)),
        }
        for item in items
    ]


def licensees(items: list[dict], parties: dict[str, dict]) -> list[dict]:
    """One row per licensee and origin mine of the metal its claims consumed."""
    return [
        {
            **_party("licensee", item["licensee"], parties),
            "claims": item["claims"],
            "fine_kg_claimed": reports.kg_text(item["fine_mg"]),
            **_party("asmo", origin["asmo"], parties),
            "fine_kg_from_asmo": reports.kg_text(origin["fine_mg"]),
        }
        for item in items
        for origin in item["origins"]
    ]


def columns(rows: list[dict]) -> list[str]:
    """Every column any row has, in first-seen order (currencies differ between rows)."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)
