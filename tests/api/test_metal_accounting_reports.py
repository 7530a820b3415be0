"""ARM's accounting reports on the demo ledger: settlement assays (top-ups and credits),
licensees' claims, and each certificate's use of its certified capacity."""

from __future__ import annotations

import pytest
from support import bearer_for, demo_arm

from app import bootstrap, demo
from app.db.store import SqlStore
from app.db.uow import reading


@pytest.fixture
def arm(app, tmp_path):
    keys = tmp_path / "keys"
    operator = bootstrap.load_or_create_key(tmp_path / "operator.pem")
    demo.build(app.extensions["ledger"].engine, keys, operator, "test/log", scale=demo.SEASONS)
    return bearer_for(app, demo_arm(keys))


def test_settlements_show_the_top_up_and_the_credit(client, arm, engine):
    rows = client.get("/api/v1/reports/premiums/settlements", headers=arm).get_json()["items"]
    by_mine = {row["asmo"]: row for row in rows}
    with reading(engine) as connection:
        obligations = SqlStore(connection).all("obligation")
    top_up = next(o for o in obligations if o["kind"] == "top-up")
    credited = next(o for o in obligations if o["credit"])
    richer, poorer = by_mine[top_up["asmo"]], by_mine[credited["asmo"]]
    assert (richer["top_ups"], richer["top_up_fine_mg"]) == (1, top_up["fine_mg"])
    assert richer["top_up_due"] == richer["top_up_confirmed"] == top_up["due"] > 0
    assert (poorer["credits"], poorer["credit"]) == (1, credited["credit"])
    assert poorer["credit"] > 0
    for row in rows:  # settled basis = sold basis + top-ups - credits, per mine
        settled = [o for o in obligations if o["asmo"] == row["asmo"] and o["settled_seq"]]
        sales = [o for o in settled if o["kind"] == "sale"]
        assert row["fine_mg_settled"] == sum(o["settled_fine_mg"] for o in sales)


def test_licensees_report_claimed_metal_per_origin(client, arm, engine):
    rows = client.get("/api/v1/reports/licensees", headers=arm).get_json()["items"]
    (oro_verde,) = rows
    assert oro_verde["licensee"] == "jeweller-oro-verde"
    assert oro_verde["claims"] == demo.SEASONS
    assert oro_verde["fine_mg"] == demo.SEASONS * 4_500  # one 18k ring a season
    assert sum(o["fine_mg"] for o in oro_verde["origins"]) <= oro_verde["fine_mg"]


def test_capacity_report_shows_each_mines_use_of_its_cap(client, arm, engine):
    rows = client.get("/api/v1/reports/capacity", headers=arm).get_json()["items"]
    assert {row["asmo"] for row in rows} == {mine for mine, _site, _eco in demo.MINES}
    for row in rows:
        assert row["miners"] == 400
        assert row["capacity_fine_mg_per_year"] == 200_000_000
        assert 0 < row["used_fine_mg"] <= row["capacity_fine_mg_per_year"]
        assert row["used_bp"] == row["used_fine_mg"] * 10_000 // 200_000_000


def test_accounting_reports_are_for_arm_only(client, arm, app):
    for path in ("premiums/settlements", "licensees", "capacity"):
        assert client.get(f"/api/v1/reports/{path}").status_code == 401


def test_discrepancies_show_the_corrected_mass_beside_the_original(client, arm):
    items = client.get("/api/v1/reports/discrepancies?code=correction", headers=arm).get_json()[
        "items"
    ]
    (correction,) = items
    assert correction["lot"] == "DORE-2026-001"
    assert correction["observed"] == correction["expected"] * 1000  # grams typed for mg
    assert correction["unit"] == "mg"
