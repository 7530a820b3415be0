"""ARM's reports over the supply models: Fairmined Credits per mine and period, mass-balance
accounts with balance and history, and premiums by who pays them. Pure and exact: credits are
whole, mass integer milligrams, money integer minor units per currency."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from ledger.premium_state import outstanding, settled
from ledger.projections import JSONObject, Obligation
from ledger.reports import period_key
from ledger.types.massbalance import quarter, usable

CREDIT_FIGURES = ("batches", "credits_issued", "credits_sold", "credits_retired")
MONEY_FIGURES = ("due", "paid", "confirmed", "outstanding")
RETIREMENT_FIELDS = ("id", "batch", "party", "asmo", "credits", "scope", "subject", "day")


def credits(
    batches: Iterable[JSONObject],
    obligations: Mapping[str, Obligation],
    retirements: Iterable[JSONObject],
    period: str,
) -> JSONObject:
    """Per period of issuance, mine and premium currency: batches, credits issued, sold (their
    premium confirmed in full) and retired, with the credit premium due, paid, confirmed and
    outstanding; and every retirement with its claim text."""
    retired: dict[str, int] = {}
    for retirement in retirements:
        retired[retirement["batch"]] = retired.get(retirement["batch"], 0) + retirement["credits"]
    rows: dict[tuple[str, str, str], dict[str, int]] = {}
    for batch in batches:
        owed = obligations[batch["obligation"]]
        when = period_key(date.fromisoformat(batch["issued_on"]), period)
        row = rows.setdefault(
            (when, batch["asmo"], owed["currency"]),
            dict.fromkeys((*CREDIT_FIGURES, *MONEY_FIGURES), 0),
        )
        row["batches"] += 1
        row["credits_issued"] += batch["credits"]
        row["credits_sold"] += batch["credits"] if settled(owed) else 0
        row["credits_retired"] += retired.get(batch["id"], 0)
        for name in ("due", "paid", "confirmed"):
            row[name] += owed[name]
        row["outstanding"] += outstanding(owed)
    return {
        "rows": [
            {"period": when, "asmo": asmo, "currency": currency, **rows[(when, asmo, currency)]}
            for when, asmo, currency in sorted(rows)
        ],
        "retirements": sorted(
            (
                {
                    **{k: r[k] for k in RETIREMENT_FIELDS},
                    "claim_text": r["claim_text"],
                    "lot": r["lot"],
                }
                for r in retirements
            ),
            key=lambda r: (r["day"], r["id"]),
        ),
    }


def mass_balance(accounts: Iterable[JSONObject], as_of: date) -> list[JSONObject]:
    """Each account: fine metal in and out, what may be drawn on ``as_of``, what expired
    unused, each accounting period, and the account's history."""
    items = []
    for account in sorted(accounts, key=lambda a: a["id"]):
        periods = sorted(account["buckets"], key=lambda b: b["period"])
        items.append(
            {
                "account": account["id"],
                "party": account["party"],
                "site": account["site"],
                "metal": account["metal"],
                "deposited_mg": account["deposited"],
                "drawn_mg": account["drawn"],
                "available_mg": sum(b["remaining"] for b in periods if usable(b, as_of)),
                "expired_mg": sum(
                    b["remaining"]
                    for b in periods
                    if b["period"] < quarter(as_of) and not usable(b, as_of)
                ),
                "origin_asmos": account["origin_asmos"],
                "periods": [
                    {
                        "period": b["name"],
                        "deposited_mg": b["deposited"],
                        "remaining_mg": b["remaining"],
                        "usable": usable(b, as_of),
                    }
                    for b in periods
                ],
                "history": [
                    {
                        "seq": e["seq"],
                        "day": e["day"],
                        "kind": e["kind"],
                        "fine_mg": e["fine_mg"],
                        "lot": e.get("lot"),
                        "subject": e.get("subject"),
                    }
                    for e in account["events"]
                ],
            }
        )
    return items


def payers(obligations: Iterable[Obligation]) -> list[JSONObject]:
    """Premium per kind of payer (the first buyer of labelled metal, the buyer of credits),
    payer and currency."""
    rows: dict[tuple[str, str, str], dict[str, int]] = {}
    for owed in obligations:
        key = (owed.get("payer_role", "first_buyer"), owed["payer"], owed["currency"])
        row = rows.setdefault(key, {"obligations": 0, **dict.fromkeys(MONEY_FIGURES, 0)})
        row["obligations"] += 1
        for name in ("due", "paid", "confirmed"):
            row[name] += owed[name]
        row["outstanding"] += outstanding(owed)
    return [
        {"payer_role": role, "payer": payer, "currency": currency, **rows[(role, payer, currency)]}
        for role, payer, currency in sorted(rows)
    ]
