"""ARM's reports over HTTP (JSON and CSV), their query validation, and the dashboard page."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from support import Supply, sign_in

from ledger import terms
from ledger.timefmt import now

PREMIUMS = "/api/v1/reports/premiums"


def today() -> date:
    return date.fromisoformat(now()[:10])


@pytest.fixture(autouse=True)
def _signed_in_as_arm(world, client):
    sign_in(client, world.signers["arm"])


@pytest.fixture
def supply(world):
    """Two sales by one mine: DORE-001 Ecological (USD 5,280.00 due), delivered and partly
    paid; DORE-002 Fairmined (USD 1,800.00 due), paid and confirmed, still at the mine."""
    supply = Supply(world)
    supply.register_lot()
    first = f"PRM-{supply.sell()['seq']}"
    supply.deliver("DORE-001", "asmo-iquira", "fab-andes", 1_000_000)
    supply.register_lot("DORE-002", gross_mg=500_000, fineness=9000, claim="fairmined")
    second = f"PRM-{supply.sell('DORE-002')['seq']}"
    supply.pay_and_confirm(second, 180_000)
    pay(world, first, 200_000)
    supply.obligations = (first, second)
    return supply


def pay(world, obligation_id: str, amount: int) -> None:
    evidence, commitment = terms.seal_evidence("bank transfer")
    world.state(
        "fab-andes",
        "premium.paid",
        {
            "obligation_id": obligation_id,
            "amount": amount,
            "currency": "USD",
            "paid_on": now()[:10],
            "evidence_commitment": commitment,
        },
        private=evidence,
    )


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    document = response.get_json()
    assert document["code"] == code
    return document


def test_premiums_per_asmo_and_period(supply, client):
    year = str(today().year)
    report = client.get(f"{PREMIUMS}?period=year").get_json()
    assert (report["period"], report["from"], report["to"]) == ("year", None, None)
    assert report["as_of"] == today().isoformat()
    figures = {
        "obligations": 2,
        "fine_mg_fairmined": 450_000,  # 500 g at 900.0
        "fine_mg_ecological": 880_000,  # 1,000 g at 880.0
        "due": 708_000,  # USD 5,280.00 + USD 1,800.00
        "paid": 380_000,
        "confirmed": 180_000,
        "outstanding": 528_000,
        "overdue": 0,
    }
    assert report["rows"] == [
        {
            "period": year,
            "asmo": "asmo-iquira",
            "currency": "USD",
            **figures,
            "payers": [{"payer": "fab-andes", **figures}],
        }
    ]
    assert report["totals"] == [{"currency": "USD", **figures}]
    monthly = client.get(PREMIUMS).get_json()
    assert [r["period"] for r in monthly["rows"]] == [today().isoformat()[:7]]


def test_overdue_counts_from_the_as_of_day(supply, client):
    due_by = today() + timedelta(days=30)  # the ledger's premium_overdue_days
    on_time = client.get(f"{PREMIUMS}?as_of={due_by}").get_json()
    assert on_time["totals"][0]["overdue"] == 0
    late = client.get(f"{PREMIUMS}?as_of={due_by + timedelta(days=1)}").get_json()
    assert late["as_of"] == (due_by + timedelta(days=1)).isoformat()
    assert late["totals"][0]["overdue"] == 528_000


def test_premiums_filtered_by_asmo_and_sale_days(supply, client):
    mine = client.get(f"{PREMIUMS}?asmo=asmo-iquira&from={today()}&to={today()}").get_json()
    assert mine["asmo"] == "asmo-iquira"
    assert mine["totals"][0]["obligations"] == 2
    later = client.get(f"{PREMIUMS}?from={today() + timedelta(days=1)}").get_json()
    assert (later["rows"], later["totals"]) == ([], [])
    backwards = client.get(f"{PREMIUMS}?from={today()}&to={today() - timedelta(days=1)}")
    assert backwards.get_json()["rows"] == []  # an empty range, not an error
    other = client.get(f"{PREMIUMS}?asmo=fab-andes").get_json()  # a party, but no mine sales
    assert other["rows"] == []
    problem(client.get(f"{PREMIUMS}?asmo=asmo-nowhere"), 404, "not-found")


AMOUNTS = ["708000", "380000", "180000", "528000", "0"]


def test_premiums_as_csv(supply, client):
    by_param = client.get(f"{PREMIUMS}?period=quarter&format=csv")
    by_accept = client.get(f"{PREMIUMS}?period=quarter", headers={"Accept": "text/csv"})
    for response in (by_param, by_accept):
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
        quarter = f"{today().year}-Q{(today().month - 1) // 3 + 1}"
        assert rows == [
            [
                "period",
                "asmo",
                "payer",
                "currency",
                "obligations",
                "fine_mg_fairmined",
                "fine_mg_ecological",
                "due",
                "paid",
                "confirmed",
                "outstanding",
                "overdue",
            ],
            [quarter, "asmo-iquira", "fab-andes", "USD", "2", "450000", "880000", *AMOUNTS],
        ]
    assert client.get(PREMIUMS, headers={"Accept": "*/*"}).mimetype == "application/json"


@pytest.mark.parametrize(
    "query",
    [
        "period=week",
        "from=2026-02-30",
        "as_of=yesterday",
        "asmo=Not_An_Id",
        "format=xml",
    ],
)
def test_invalid_queries_are_problems(client, query):
    document = problem(client.get(f"{PREMIUMS}?{query}"), 422, "invalid-request")
    assert document["errors"]["query"]


def test_invalid_queries_on_every_report(client):
    for path in ("/premiums/yearly", "/blocked-lots", "/premiums"):
        problem(client.get(f"/api/v1/reports{path}?as_of=2026-13-01"), 422, "invalid-request")
    problem(client.get("/api/v1/reports/discrepancies?to=2026-13-01"), 422, "invalid-request")
    problem(client.get("/api/v1/reports/discrepancies?code=other"), 422, "invalid-request")
    page = client.get("/arm/dashboard?period=decade")  # a page names the filter, in words
    assert page.status_code == 400
    assert page.mimetype == "text/html"
    assert "Choose month, quarter or year." in page.get_data(as_text=True)


def test_yearly_totals(supply, client):
    report = client.get("/api/v1/reports/premiums/yearly").get_json()
    assert report["years"] == [
        {
            "year": str(today().year),
            "asmos": 1,
            "fine_mg": 1_330_000,
            "fine_kg": "1.330000",
            "fine_mg_fairmined": 450_000,
            "fine_mg_ecological": 880_000,
            "premiums": [
                {
                    "currency": "USD",
                    "obligations": 2,
                    "fine_mg_fairmined": 450_000,
                    "fine_mg_ecological": 880_000,
                    "due": 708_000,
                    "paid": 380_000,
                    "confirmed": 180_000,
                    "outstanding": 528_000,
                    "overdue": 0,
                }
            ],
        }
    ]


def test_blocked_lots_until_the_premium_is_confirmed(world, supply, client):
    first, _second = supply.obligations
    late = today() + timedelta(days=40)
    report = client.get(f"/api/v1/reports/blocked-lots?as_of={late}").get_json()
    assert report["as_of"] == late.isoformat()
    # DORE-002's premium is confirmed; DORE-001 sits at the buyer, partly paid.
    assert [(b["lot"], b["holder"], b["status"]) for b in report["items"]] == [
        ("DORE-001", "fab-andes", "held")
    ]
    blocked = report["items"][0]
    assert blocked["days_overdue"] == 10
    assert blocked["unsettled"] == [
        {
            "obligation": first,
            "asmo": "asmo-iquira",
            "payer": "fab-andes",
            "currency": "USD",
            "due": 528_000,
            "paid": 200_000,
            "confirmed": 0,
            "outstanding": 528_000,
            "state": "unpaid",
            "due_by": (today() + timedelta(days=30)).isoformat(),
            "days_overdue": 10,
        }
    ]
    pay(world, first, 328_000)
    unconfirmed = client.get("/api/v1/reports/blocked-lots").get_json()["items"]
    assert [u["state"] for u in unconfirmed[0]["unsettled"]] == ["unconfirmed"]
    world.state(
        "asmo-iquira",
        "premium.confirmed",
        {"obligation_id": first, "amount": 528_000, "currency": "USD", "received_on": now()[:10]},
    )
    assert client.get("/api/v1/reports/blocked-lots").get_json()["items"] == []


def test_discrepancies_at_receipt_and_assay(world, client):
    supply = Supply(world)
    supply.register_lot()
    supply.sell()
    supply.deliver("DORE-001", "asmo-iquira", "fab-andes", 998_000)  # 20 bp light: flagged
    world.state(
        "fab-andes",
        "lot.assayed",
        {
            "lot_id": "DORE-001",
            "lot_head": supply.head("DORE-001"),
            "fineness": 8790,  # 10 parts per 10,000 under the stated 8800: beyond 5
            "kind": "provisional",
            "laboratory": "Laboratorio Andino",
        },
    )
    items = client.get("/api/v1/reports/discrepancies").get_json()["items"]
    assert [
        (i["code"], i["lot"], i["party"], i["expected"], i["observed"], i["difference"])
        for i in items
    ] == [
        ("assay-discrepancy", "DORE-001", "fab-andes", 8800, 8790, -10),
        ("weight-discrepancy", "DORE-001", "fab-andes", 1_000_000, 998_000, -2_000),
    ]
    assert items[1]["counterparty"] == "asmo-iquira"
    weights = client.get("/api/v1/reports/discrepancies?code=weight-discrepancy").get_json()
    assert [i["code"] for i in weights["items"]] == ["weight-discrepancy"]
    tomorrow = today() + timedelta(days=1)
    assert client.get(f"/api/v1/reports/discrepancies?from={tomorrow}").get_json()["items"] == []


def test_reports_are_documented(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("premiums", "premiums/yearly", "blocked-lots", "discrepancies"):
        assert "get" in paths[f"/api/v1/reports/{path}"]
    premiums = paths["/api/v1/reports/premiums"]["get"]
    assert {"application/json", "text/csv"} <= set(premiums["responses"]["200"]["content"])
    names = {p["name"] for p in premiums["parameters"]}
    assert {"from", "to", "period", "asmo", "as_of", "format"} <= names


def test_dashboard_page(supply, client):
    page = client.get("/arm/dashboard?period=quarter")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Gold lot ledger" in html
    assert "Asmo Iquira" in html  # the mine's registered name
    assert html.count("<svg") >= 2  # flows and ageing
    assert "DORE-001" in html  # blocked at the buyer
    assert "$5,280.00" in html  # outstanding, exact from minor units
    assert "0.880000 kg" in html
    assert "//" not in html  # no external assets (no absolute or scheme-relative URL)
