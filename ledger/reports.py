"""ARM reports over premium obligations, lots and findings: pure, exact, per currency.

Money stays in integer minor units and mass in integer milligrams. Amounts in different
currencies are never added: every money figure is grouped by currency. An obligation belongs
to the calendar month, quarter or year of its ``sold_on`` day. ``outstanding`` is
``due - confirmed`` (money the mine has not confirmed receiving); ``overdue`` is the outstanding
part of obligations whose ``due_by`` day is before the as-of day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from ledger.fairmined import ECOLOGICAL, FAIRMINED, LABELLED
from ledger.premium_state import outstanding, premium_state, settled
from ledger.projections import JSONObject, Lot, Obligation

PERIODS = ("month", "quarter", "year")
FIGURES = (
    "obligations",
    "fine_mg_fairmined",
    "fine_mg_ecological",
    "due",
    "paid",
    "confirmed",
    "outstanding",
    "overdue",
)
AGEING_BUCKETS = ("not yet due", "0-30", "31-60", "61-90", ">90")
UNSETTLED_STATUSES = ("held", "in_transit")
DISCREPANCY_CODES = ("weight-discrepancy", "assay-discrepancy", "correction")


def period_key(day: date, period: str) -> str:
    """The period ``day`` falls in: ``2026-03``, ``2026-Q1`` or ``2026``."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return f"{day.year:04d}"
    raise ValueError(f"unknown period {period!r}")


def days_overdue(obligation: Obligation, as_of: date) -> int:
    """Days past ``due_by`` on ``as_of`` (zero or negative while not yet due)."""
    return (as_of - date.fromisoformat(obligation["due_by"])).days


def select(
    obligations: Iterable[Obligation],
    *,
    start: date | None = None,
    end: date | None = None,
    asmo: str | None = None,
) -> list[Obligation]:
    """Obligations sold within ``[start, end]`` (either bound open), optionally of one ASMO."""
    chosen = []
    for obligation in obligations:
        sold_on = date.fromisoformat(obligation["sold_on"])
        if start is not None and sold_on < start:
            continue
        if end is not None and sold_on > end:
            continue
        if asmo is not None and obligation["asmo"] != asmo:
            continue
        chosen.append(obligation)
    return chosen


def figures(obligation: Obligation, as_of: date) -> dict[str, int]:
    """One obligation's contribution to every report figure."""
    owed = outstanding(obligation)
    fine, certification = obligation["fine_mg"], obligation["certification"]
    return {
        "obligations": 1,
        "fine_mg_fairmined": fine if certification == FAIRMINED else 0,
        "fine_mg_ecological": fine if certification == ECOLOGICAL else 0,
        "due": obligation["due"],
        "paid": obligation["paid"],
        "confirmed": obligation["confirmed"],
        "outstanding": owed,
        "overdue": owed if days_overdue(obligation, as_of) > 0 else 0,
    }


def _zero() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def _add(total: dict[str, int], part: dict[str, int]) -> None:
    for name in FIGURES:
        total[name] += part[name]


def premiums(obligations: Iterable[Obligation], *, period: str, as_of: date) -> JSONObject:
    """Premium flows per period, ASMO and currency, each broken down by payer; totals per
    currency. ``rows`` are sorted by period, ASMO and currency; ``payers`` by payer."""
    rows: dict[tuple[str, str, str], dict[str, int]] = {}
    payers: dict[tuple[str, str, str], dict[str, dict[str, int]]] = {}
    totals: dict[str, dict[str, int]] = {}
    for obligation in obligations:
        part = figures(obligation, as_of)
        when = period_key(date.fromisoformat(obligation["sold_on"]), period)
        key = (when, obligation["asmo"], obligation["currency"])
        _add(rows.setdefault(key, _zero()), part)
        _add(payers.setdefault(key, {}).setdefault(obligation["payer"], _zero()), part)
        _add(totals.setdefault(obligation["currency"], _zero()), part)
    return {
        "rows": [
            {
                "period": when,
                "asmo": asmo,
                "currency": currency,
                **rows[(when, asmo, currency)],
                "payers": [
                    {"payer": payer, **found}
                    for payer, found in sorted(payers[(when, asmo, currency)].items())
                ],
            }
            for when, asmo, currency in sorted(rows)
        ],
        "totals": [{"currency": c, **totals[c]} for c in sorted(totals)],
    }


def yearly(obligations: Iterable[Obligation], *, as_of: date) -> list[JSONObject]:
    """Per calendar year of sale: ASMOs selling, fine metal sold (mg, all currencies together)
    and the premium per currency, comparable with ARM's published yearly figures."""
    years: dict[str, JSONObject] = {}
    for obligation in obligations:
        part = figures(obligation, as_of)
        year = years.setdefault(
            obligation["sold_on"][:4],
            {"asmos": set(), "fine_mg_fairmined": 0, "fine_mg_ecological": 0, "premiums": {}},
        )
        year["asmos"].add(obligation["asmo"])
        year["fine_mg_fairmined"] += part["fine_mg_fairmined"]
        year["fine_mg_ecological"] += part["fine_mg_ecological"]
        _add(year["premiums"].setdefault(obligation["currency"], _zero()), part)
    return [
        {
            "year": key,
            "asmos": len(year["asmos"]),
            "fine_mg": year["fine_mg_fairmined"] + year["fine_mg_ecological"],
            "fine_mg_fairmined": year["fine_mg_fairmined"],
            "fine_mg_ecological": year["fine_mg_ecological"],
            "premiums": [
                {"currency": currency, **found}
                for currency, found in sorted(year["premiums"].items())
            ],
        }
        for key, year in sorted(years.items())
    ]


def ageing_bucket(days: int) -> str:
    """The ageing bucket of an amount ``days`` past its due day."""
    if days <= 0:
        return AGEING_BUCKETS[0]
    if days <= 30:
        return AGEING_BUCKETS[1]
    if days <= 60:
        return AGEING_BUCKETS[2]
    if days <= 90:
        return AGEING_BUCKETS[3]
    return AGEING_BUCKETS[4]


def ageing(obligations: Iterable[Obligation], *, as_of: date) -> list[JSONObject]:
    """Outstanding premium per currency in ageing buckets (not yet due, then days overdue)."""
    by_currency: dict[str, dict[str, dict[str, int]]] = {}
    for obligation in obligations:
        owed = outstanding(obligation)
        if owed == 0:
            continue
        buckets = by_currency.setdefault(
            obligation["currency"], {b: {"amount": 0, "obligations": 0} for b in AGEING_BUCKETS}
        )
        bucket = buckets[ageing_bucket(days_overdue(obligation, as_of))]
        bucket["amount"] += owed
        bucket["obligations"] += 1
    return [
        {
            "currency": currency,
            "total": sum(b["amount"] for b in buckets.values()),
            "buckets": [{"bucket": name, **buckets[name]} for name in AGEING_BUCKETS],
        }
        for currency, buckets in sorted(by_currency.items())
    ]


def blocked_lots(
    lots: Iterable[Lot], obligations: Mapping[str, Obligation], *, as_of: date
) -> list[JSONObject]:
    """Labelled lots still held or in transit whose origin premiums are not all confirmed:
    they cannot move past their first buyer nor be claimed. Most overdue first."""
    found = []
    for lot in lots:
        if lot["claim"] not in LABELLED or lot["status"] not in UNSETTLED_STATUSES:
            continue
        unsettled = [
            _unsettled(obligations[o], as_of)
            for o in lot["obligations"]
            if not settled(obligations[o])
        ]
        if not unsettled:
            continue
        found.append(
            {
                "lot": lot["id"],
                "form": lot["form"],
                "claim": lot["claim"],
                "status": lot["status"],
                "holder": lot["holder"],
                "incoming_to": lot["incoming_to"],
                "fine_mg": lot["fine_mg"],
                "days_overdue": max(o["days_overdue"] for o in unsettled),
                "unsettled": unsettled,
            }
        )
    return sorted(found, key=lambda row: (-row["days_overdue"], row["lot"]))


def _unsettled(obligation: Obligation, as_of: date) -> JSONObject:
    return {
        "obligation": obligation["id"],
        "asmo": obligation["asmo"],
        "payer": obligation["payer"],
        "currency": obligation["currency"],
        "due": obligation["due"],
        "paid": obligation["paid"],
        "confirmed": obligation["confirmed"],
        "outstanding": outstanding(obligation),
        "state": premium_state(obligation),
        "due_by": obligation["due_by"],
        "days_overdue": days_overdue(obligation, as_of),
    }


def discrepancies(
    findings: Iterable[JSONObject],
    *,
    start: date | None = None,
    end: date | None = None,
    code: str | None = None,
) -> list[JSONObject]:
    """Weight differences at receipt, assays beyond the splitting limit and corrected masses,
    newest first, with the signed difference (mg for weights and corrections, parts per 10,000
    of fineness for assays)."""
    rows = []
    for finding in findings:
        day = date.fromisoformat(finding["day"])
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        if finding["code"] not in DISCREPANCY_CODES or code not in (None, finding["code"]):
            continue
        row = {k: finding[k] for k in ("id", "seq", "code", "lot", "party", "day", "detail")}
        if finding["code"] == "weight-discrepancy":
            row.update(
                expected=finding["shipped_mg"],
                observed=finding["received_mg"],
                difference=finding["received_mg"] - finding["shipped_mg"],
                unit="mg",
                counterparty=finding["sender"],
            )
        elif finding["code"] == "correction":  # the original figure and the corrected one
            row.update(
                expected=finding["before_mg"],
                observed=finding["after_mg"],
                difference=finding["after_mg"] - finding["before_mg"],
                unit="mg",
                counterparty=None,
            )
        else:  # assay-discrepancy
            row.update(
                expected=finding["stated"],
                observed=finding["assayed"],
                difference=finding["assayed"] - finding["stated"],
                unit="fineness per 10,000",
                counterparty=None,
            )
        rows.append(row)
    return sorted(rows, key=lambda row: -row["seq"])


def kg_text(mg: int) -> str:
    """Milligrams as an exact decimal kilogram string (``1234567`` -> ``"1.234567"``)."""
    sign = "-" if mg < 0 else ""
    kg, rest = divmod(abs(mg), 1_000_000)
    return f"{sign}{kg}.{rest:06d}"
