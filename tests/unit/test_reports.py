"""ARM reports over obligations, lots and findings, checked against hand-computed figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import reports

AS_OF = date(2026, 4, 15)


def obligation(number, asmo, payer, certification, fine, due, paid, confirmed, sold_on, **kw):
    sold = date.fromisoformat(sold_on)
    return {
        "id": f"PRM-{number}",
        "lot": f"DORE-{number:03d}",
        "asmo": asmo,
        "payer": payer,
        "metal": "gold",
        "certification": certification,
        "fine_mg": fine,
        "currency": kw.get("currency", "USD"),
        "due": due,
        "paid": paid,
        "confirmed": confirmed,
        "sold_on": sold_on,
        "due_by": (sold + timedelta(days=30)).isoformat(),
    }


# 1 kg Fairmined at USD 4,000/kg; 0.5 kg Ecological at USD 6,000/kg; 0.25 kg at EUR 3,500/kg ...
O1 = obligation(
    1, "asmo-a", "fab-1", "fairmined", 1_000_000, 400_000, 400_000, 400_000, "2026-01-15"
)
O2 = obligation(2, "asmo-a", "fab-2", "ecological", 500_000, 300_000, 100_000, 50_000, "2026-02-10")
O3 = obligation(
    3, "asmo-a", "fab-1", "fairmined", 250_000, 87_500, 0, 0, "2026-02-20", currency="EUR"
)
O4 = obligation(
    4, "asmo-c", "fab-1", "ecological", 2_000_000, 1_200_000, 1_200_000, 1_000_000, "2026-04-01"
)
O5 = obligation(5, "asmo-c", "fab-1", "fairmined", 100_000, 40_000, 0, 0, "2025-12-31")
ALL = [O1, O2, O3, O4, O5]


def figures(*values):
    return dict(zip(reports.FIGURES, values, strict=True))


def test_period_keys():
    assert reports.period_key(date(2026, 3, 15), "month") == "2026-03"
    assert reports.period_key(date(2026, 3, 31), "quarter") == "2026-Q1"
    assert reports.period_key(date(2026, 4, 1), "quarter") == "2026-Q2"
    assert reports.period_key(date(2026, 12, 31), "quarter") == "2026-Q4"
    assert reports.period_key(date(2026, 12, 31), "year") == "2026"
    with pytest.raises(ValueError, match="week"):
        reports.period_key(date(2026, 1, 1), "week")


def test_select_by_sale_day_and_asmo():
    chosen = reports.select(ALL, start=date(2026, 1, 1), end=date(2026, 2, 20), asmo="asmo-a")
    assert [o["id"] for o in chosen] == ["PRM-1", "PRM-2", "PRM-3"]  # both bounds inclusive
    assert [o["id"] for o in reports.select(ALL, end=date(2025, 12, 31))] == ["PRM-5"]
    assert [o["id"] for o in reports.select(ALL, start=date(2026, 3, 1))] == ["PRM-4"]
    assert reports.select(ALL) == ALL


def test_monthly_rows_per_asmo_and_currency_with_overdue_as_of():
    report = reports.premiums(ALL, period="month", as_of=AS_OF)
    rows = {(r["period"], r["asmo"], r["currency"]): r for r in report["rows"]}
    assert list(rows) == [
        ("2025-12", "asmo-c", "USD"),
        ("2026-01", "asmo-a", "USD"),
        ("2026-02", "asmo-a", "EUR"),
        ("2026-02", "asmo-a", "USD"),
        ("2026-04", "asmo-c", "USD"),
    ]
    # PRM-5: due by 2026-01-30, nothing paid: all overdue on 2026-04-15.
    assert rows[("2025-12", "asmo-c", "USD")] == {
        "period": "2025-12",
        "asmo": "asmo-c",
        "currency": "USD",
        **figures(1, 100_000, 0, 40_000, 0, 0, 40_000, 40_000),
        "payers": [{"payer": "fab-1", **figures(1, 100_000, 0, 40_000, 0, 0, 40_000, 40_000)}],
    }
    # PRM-2: 50,000 of 300,000 confirmed, due by 2026-03-12: 250,000 outstanding and overdue.
    assert {k: rows[("2026-02", "asmo-a", "USD")][k] for k in reports.FIGURES} == figures(
        1, 0, 500_000, 300_000, 100_000, 50_000, 250_000, 250_000
    )
    # The EUR sale of the same mine and month is a row of its own: currencies never add up.
    assert {k: rows[("2026-02", "asmo-a", "EUR")][k] for k in reports.FIGURES} == figures(
        1, 250_000, 0, 87_500, 0, 0, 87_500, 87_500
    )
    # PRM-4: due by 2026-05-01, so 200,000 outstanding but not overdue yet.
    assert {k: rows[("2026-04", "asmo-c", "USD")][k] for k in reports.FIGURES} == figures(
        1, 0, 2_000_000, 1_200_000, 1_200_000, 1_000_000, 200_000, 0
    )
    assert report["totals"] == [
        {"currency": "EUR", **figures(1, 250_000, 0, 87_500, 0, 0, 87_500, 87_500)},
        {
            "currency": "USD",
            **figures(4, 1_100_000, 2_500_000, 1_940_000, 1_700_000, 1_450_000, 490_000, 290_000),
        },
    ]


def test_quarterly_row_breaks_down_by_payer():
    report = reports.premiums(ALL, period="quarter", as_of=AS_OF)
    row = next(r for r in report["rows"] if (r["period"], r["currency"]) == ("2026-Q1", "USD"))
    assert row["asmo"] == "asmo-a"
    assert {k: row[k] for k in reports.FIGURES} == figures(
        2, 1_000_000, 500_000, 700_000, 500_000, 450_000, 250_000, 250_000
    )
    assert row["payers"] == [
        {"payer": "fab-1", **figures(1, 1_000_000, 0, 400_000, 400_000, 400_000, 0, 0)},
        {"payer": "fab-2", **figures(1, 0, 500_000, 300_000, 100_000, 50_000, 250_000, 250_000)},
    ]


def test_overdue_starts_the_day_after_due_by():
    on_due_day = date.fromisoformat(O2["due_by"])
    assert reports.figures(O2, on_due_day)["overdue"] == 0
    assert reports.figures(O2, on_due_day + timedelta(days=1))["overdue"] == 250_000


def test_yearly_totals_comparable_with_arm_figures():
    assert reports.yearly(ALL, as_of=AS_OF) == [
        {
            "year": "2025",
            "asmos": 1,
            "fine_mg": 100_000,
            "fine_mg_fairmined": 100_000,
            "fine_mg_ecological": 0,
            "premiums": [
                {"currency": "USD", **figures(1, 100_000, 0, 40_000, 0, 0, 40_000, 40_000)}
            ],
        },
        {
            "year": "2026",
            "asmos": 2,
            "fine_mg": 3_750_000,  # mass adds up across currencies; money does not
            "fine_mg_fairmined": 1_250_000,
            "fine_mg_ecological": 2_500_000,
            "premiums": [
                {"currency": "EUR", **figures(1, 250_000, 0, 87_500, 0, 0, 87_500, 87_500)},
                {
                    "currency": "USD",
                    **figures(
                        3, 1_000_000, 2_500_000, 1_900_000, 1_700_000, 1_450_000, 450_000, 250_000
                    ),
                },
            ],
        },
    ]


def test_ageing_buckets():
    assert reports.ageing(ALL, as_of=AS_OF) == [
        {
            "currency": "EUR",
            "total": 87_500,
            "buckets": [
                {"bucket": "not yet due", "amount": 0, "obligations": 0},
                {"bucket": "0-30", "amount": 87_500, "obligations": 1},  # 24 days
                {"bucket": "31-60", "amount": 0, "obligations": 0},
                {"bucket": "61-90", "amount": 0, "obligations": 0},
                {"bucket": ">90", "amount": 0, "obligations": 0},
            ],
        },
        {
            "currency": "USD",
            "total": 490_000,
            "buckets": [
                {"bucket": "not yet due", "amount": 200_000, "obligations": 1},
                {"bucket": "0-30", "amount": 0, "obligations": 0},
                {"bucket": "31-60", "amount": 250_000, "obligations": 1},  # 34 days
                {"bucket": "61-90", "amount": 40_000, "obligations": 1},  # 75 days
                {"bucket": ">90", "amount": 0, "obligations": 0},
            ],
        },
    ]
    edges = [0, 1, 30, 31, 60, 61, 90, 91]
    assert [reports.ageing_bucket(d) for d in edges] == [
        "not yet due",
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        ">90",
    ]


def lot(lot_id, claim, status, obligations, holder="fab-1"):
    return {
        "id": lot_id,
        "form": "dore",
        "claim": claim,
        "status": status,
        "holder": holder,
        "incoming_to": "refiner-1" if status == "in_transit" else None,
        "fine_mg": 1_000,
        "obligations": obligations,
    }


def test_blocked_lots_are_labelled_active_lots_with_unconfirmed_premiums():
    lots = [
        lot("L1", "fairmined", "held", ["PRM-2"]),
        lot("L2", "ecological", "in_transit", ["PRM-1"]),  # settled
        lot("L3", "none", "held", ["PRM-2"]),  # unlabelled
        lot("L4", "fairmined", "consumed", ["PRM-2"]),  # no longer active
        lot("L5", "ecological", "held", ["PRM-4", "PRM-1"]),
        lot("L6", "fairmined", "in_transit", ["PRM-5", "PRM-2"]),
    ]
    by_id = {o["id"]: o for o in ALL}
    blocked = reports.blocked_lots(lots, by_id, as_of=AS_OF)
    assert [(b["lot"], b["days_overdue"]) for b in blocked] == [("L6", 75), ("L1", 34), ("L5", -16)]
    l6 = blocked[0]
    assert (l6["status"], l6["incoming_to"]) == ("in_transit", "refiner-1")
    assert [(u["obligation"], u["state"], u["outstanding"]) for u in l6["unsettled"]] == [
        ("PRM-5", "unpaid", 40_000),
        ("PRM-2", "unpaid", 250_000),
    ]
    assert blocked[2]["unsettled"] == [
        {
            "obligation": "PRM-4",
            "asmo": "asmo-c",
            "payer": "fab-1",
            "currency": "USD",
            "due": 1_200_000,
            "paid": 1_200_000,
            "confirmed": 1_000_000,
            "outstanding": 200_000,
            "state": "unconfirmed",  # paid in full, the mine has not confirmed it all
            "due_by": "2026-05-01",
            "days_overdue": -16,
        }
    ]


FINDINGS = [
    {
        "id": "10-1",
        "seq": 10,
        "code": "weight-discrepancy",
        "lot": "DORE-001",
        "party": "fab-1",
        "detail": "shipped 1000000 mg, received 998000 mg",
        "day": "2026-03-01",
        "shipped_mg": 1_000_000,
        "received_mg": 998_000,
        "sender": "asmo-a",
    },
    {
        "id": "12-1",
        "seq": 12,
        "code": "assay-discrepancy",
        "lot": "DORE-001",
        "party": "fab-1",
        "detail": "assay 8790 vs stated 8800 parts per 10,000",
        "day": "2026-03-05",
        "stated": 8800,
        "assayed": 8790,
    },
    {
        "id": "13-1",
        "seq": 13,
        "code": "something-else",
        "lot": "DORE-002",
        "party": "fab-1",
        "detail": "not a discrepancy",
        "day": "2026-03-06",
    },
]


def test_discrepancies_with_signed_differences_newest_first():
    rows = reports.discrepancies(FINDINGS)
    assert [(r["id"], r["expected"], r["observed"], r["difference"], r["unit"]) for r in rows] == [
        ("12-1", 8800, 8790, -10, "fineness per 10,000"),
        ("10-1", 1_000_000, 998_000, -2_000, "mg"),
    ]
    assert rows[1]["counterparty"] == "asmo-a"
    assert rows[0]["counterparty"] is None
    assert [r["id"] for r in reports.discrepancies(FINDINGS, end=date(2026, 3, 4))] == ["10-1"]
    assert [r["id"] for r in reports.discrepancies(FINDINGS, start=date(2026, 3, 2))] == ["12-1"]
    only = reports.discrepancies(FINDINGS, code="weight-discrepancy")
    assert [r["id"] for r in only] == ["10-1"]


def test_kg_text_is_exact():
    assert reports.kg_text(1_234_567) == "1.234567"
    assert reports.kg_text(999) == "0.000999"
    assert reports.kg_text(0) == "0.000000"
    assert reports.kg_text(361_500_000_000) == "361500.000000"
    assert reports.kg_text(-1_500_000) == "-1.500000"


@st.composite
def obligations(draw):
    found = []
    for number in range(draw(st.integers(min_value=0, max_value=25))):
        due = draw(st.integers(min_value=0, max_value=10**12))
        paid = draw(st.integers(min_value=0, max_value=due))
        sold = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
        item = obligation(
            number,
            draw(st.sampled_from(["asmo-a", "asmo-b", "asmo-c"])),
            draw(st.sampled_from(["fab-1", "fab-2"])),
            draw(st.sampled_from(["fairmined", "ecological"])),
            draw(st.integers(min_value=0, max_value=10**12)),
            due,
            paid,
            draw(st.integers(min_value=0, max_value=paid)),
            sold.isoformat(),
            currency=draw(st.sampled_from(["USD", "EUR", "COP"])),
        )
        item["due_by"] = (sold + timedelta(days=draw(st.integers(0, 120)))).isoformat()
        found.append(item)
    return found


@settings(max_examples=150)
@given(
    found=obligations(),
    period=st.sampled_from(reports.PERIODS),
    as_of=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 6, 30)),
)
def test_rows_add_up_to_totals_and_nothing_is_negative(found, period, as_of):
    report = reports.premiums(found, period=period, as_of=as_of)
    totals = {t["currency"]: t for t in report["totals"]}
    assert set(totals) == {o["currency"] for o in found}
    for currency, total in totals.items():
        rows = [r for r in report["rows"] if r["currency"] == currency]
        for name in reports.FIGURES:
            assert sum(r[name] for r in rows) == total[name]
    for row in report["rows"]:
        for name in reports.FIGURES:
            assert sum(p[name] for p in row["payers"]) == row[name]
        assert 0 <= row["overdue"] <= row["outstanding"] <= row["due"]
    for currency, aged in ((a["currency"], a) for a in reports.ageing(found, as_of=as_of)):
        assert aged["total"] == totals[currency]["outstanding"] > 0
    years = reports.yearly(found, as_of=as_of)
    assert sum(y["fine_mg"] for y in years) == sum(o["fine_mg"] for o in found)
    for currency, total in totals.items():
        yearly_due = sum(
            p["due"] for y in years for p in y["premiums"] if p["currency"] == currency
        )
        assert yearly_due == total["due"]
