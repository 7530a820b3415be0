"""ARM's report downloads: CSV and JSON attachments with names, countries, units in the column
names and exact decimal amounts that add up to the API's integer figures."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from support import sign_in

from app import bootstrap, demo
from ledger.client import Signer
from ledger.keys import PrivateKey

REPORTS = (
    "premiums",
    "yearly",
    "countries",
    "certificates",
    "licensees",
    "blocked-lots",
    "discrepancies",
)


@pytest.fixture
def arm(app, tmp_path):
    """A client signed in as the demo's ARM."""
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    keys = tmp_path / "demo-keys"
    demo.build(app.extensions["ledger"].engine, keys, operator, "test/log", demo.SEASONS)
    client = app.test_client()
    signer = Signer("arm", PrivateKey.from_pem((keys / "arm.pem").read_bytes()))
    client.token = sign_in(client, signer)
    return client


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_dashboard_offers_every_report_in_both_formats_with_its_filters(arm):
    html = arm.get("/arm/dashboard?period=quarter&asmo=asmo-el-tambo").get_data(as_text=True)
    for report in REPORTS:
        for fmt in ("csv", "json"):
            assert f"/arm/exports/{report}.{fmt}?period=quarter&amp;asmo=asmo-el-tambo" in html


@pytest.mark.parametrize("report", REPORTS)
def test_each_report_downloads_as_csv_and_json_with_the_same_rows(arm, report):
    as_csv = arm.get(f"/arm/exports/{report}.csv")
    as_json = arm.get(f"/arm/exports/{report}.json")
    for response, kind in ((as_csv, "text/csv"), (as_json, "application/json")):
        assert response.status_code == 200
        assert response.mimetype == kind
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = rows_of(as_csv)
    assert rows

    def filled(row: dict) -> dict:  # CSV leaves another currency's or unit's columns empty
        return {k: str(v) for k, v in row.items() if v != ""}

    assert [filled(r) for r in rows] == [filled(r) for r in as_json.get_json()["rows"]]


def test_premium_rows_name_parties_and_add_up_to_the_api_figures(arm):
    rows = rows_of(arm.get("/arm/exports/premiums.csv?period=quarter"))
    api = arm.get(
        "/api/v1/reports/premiums?period=quarter", headers={"Authorization": f"Bearer {arm.token}"}
    ).get_json()
    (usd,) = api["totals"]
    assert usd["currency"] == "USD"
    for name in ("due", "paid", "confirmed", "outstanding", "overdue"):
        total = sum(Decimal(row[f"premium_{name}_usd"]) for row in rows)
        assert total == Decimal(usd[name]).scaleb(-2), name
    santa_rosa = next(r for r in rows if r["asmo_id"] == "asmo-santa-rosa")
    assert santa_rosa["asmo_name"] == "Minera Artesanal Santa Rosa"
    assert santa_rosa["asmo_country"] == "PE"
    assert santa_rosa["payer_name"] == "Comercializadora Andina de Oro"
    fine = sum(Decimal(r["fine_kg_fairmined"]) + Decimal(r["fine_kg_ecological"]) for r in rows)
    assert fine == Decimal(usd["fine_mg_fairmined"] + usd["fine_mg_ecological"]).scaleb(-6)


def test_blocked_lots_and_discrepancies_carry_units_in_their_columns(arm):
    (blocked,) = rows_of(arm.get("/arm/exports/blocked-lots.csv"))
    assert blocked["lot"] == "DORE-2026-003"
    assert blocked["premium_outstanding_usd"] == "4400.00"
    assert blocked["holder_name"] == "Comercializadora Andina de Oro"
    found = {(r["code"], r["lot"]): r for r in rows_of(arm.get("/arm/exports/discrepancies.csv"))}
    assert found["weight-discrepancy", "DORE-0003-001"]["difference_mg"] == "-4000"
    assert found["weight-discrepancy", "DORE-0001-002"]["difference_mg"] == "2000"
    assert found["assay-discrepancy", "DORE-0002-002"]["difference_fineness_bp"] == "-12"


def test_exports_are_for_arm_only(app, arm, tmp_path):
    anonymous = app.test_client().get("/arm/exports/premiums.csv")
    assert anonymous.status_code == 302
    mine = Signer(
        "asmo-el-tambo",
        PrivateKey.from_pem((tmp_path / "demo-keys" / "asmo-el-tambo.pem").read_bytes()),
    )
    client = app.test_client()
    sign_in(client, mine)
    refused = client.get("/arm/exports/premiums.csv")
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert "Santa Rosa" not in refused.get_data(as_text=True)  # no report row leaks
    assert arm.get("/arm/exports/other.csv").status_code == 404
    assert arm.get("/arm/exports/premiums.xlsx").status_code == 404


def test_country_certificate_and_licensee_rows_match_the_api(arm):
    bearer = {"Authorization": f"Bearer {arm.token}"}
    countries = {r["country"]: r for r in rows_of(arm.get("/arm/exports/countries.csv"))}
    assert set(countries) == {"CO", "PE"}
    (usd,) = arm.get("/api/v1/reports/premiums", headers=bearer).get_json()["totals"]
    due = sum(Decimal(r["premium_due_usd"]) for r in countries.values())
    assert due == Decimal(usd["due"]).scaleb(-2)
    certificates = {r["certificate"]: r for r in rows_of(arm.get("/arm/exports/certificates.csv"))}
    capacity = arm.get("/api/v1/reports/capacity", headers=bearer).get_json()["items"]
    assert set(certificates) == {c["certificate"] for c in capacity}
    for use in capacity:
        row = certificates[use["certificate"]]
        assert Decimal(row["used_fine_kg"]) == Decimal(use["used_fine_mg"]).scaleb(-6)
        assert Decimal(row["used_percent"]) == Decimal(use["used_bp"]).scaleb(-2)
    assert certificates["FM-005"]["status"] == "suspended"
    later = rows_of(arm.get("/arm/exports/certificates.csv?as_of=2027-11-01"))
    assert {r["status"] for r in later} == {"expiring", "suspended"}
    licensees = rows_of(arm.get("/arm/exports/licensees.csv"))
    api = arm.get("/api/v1/reports/licensees", headers=bearer).get_json()["items"]
    for item in api:
        mine = [r for r in licensees if r["licensee_id"] == item["licensee"]]
        assert sum(Decimal(r["fine_kg_from_asmo"]) for r in mine) == Decimal(
            item["fine_mg"]
        ).scaleb(-6)
        assert all(r["licensee_name"] and r["asmo_name"] and r["asmo_country"] for r in mine)
