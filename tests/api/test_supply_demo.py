"""The demo's supply models as ARM and a jeweller's customer meet them: a credit-backed chain's
page and offline bundle, the refiner's mass-balance grain, the silver lot, the sale in COP, and
ARM's reports and dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import assert_verified, bearer_for, demo_arm, sign_in

from app import bootstrap, demo
from ledger import verify

CHAIN = "CHAIN-2026-0001"
BACKED = (
    "backed by 6 Fairmined Credits from mines Cooperativa Minera El Tambo and "
    "Cooperativa Aurífera Qori Tika"
)


@pytest.fixture
def arm(app, tmp_path):
    key = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(app.extensions["ledger"].engine, tmp_path / "keys", key, "test/log")
    return bearer_for(app, demo_arm(tmp_path / "keys"))


def test_a_credit_backed_chain_says_so_online_and_offline(client, arm, tmp_path, capsys):
    html = client.get(f"/lots/{CHAIN}").get_data(as_text=True)
    assert f"<strong>B{BACKED[1:]}</strong>" in html
    assert "Not verified" not in html
    path = tmp_path / "chain.json"
    path.write_bytes(client.get(f"/api/v1/lots/{CHAIN}/bundle").data)
    key = client.get("/api/v1/verifier-key").get_data(as_text=True).strip()
    assert verify.main([str(path), "--key", key]) == 0
    printed = capsys.readouterr().out
    assert f"Credits: {BACKED}; premium paid and confirmed" in printed
    assert_verified(printed)


@pytest.mark.parametrize(
    ("lot_id", "says"),
    [
        ("GRAIN-MB-0001", "Fairmined Incorporated: 4.500 g fine metal drawn by mass balance"),
        ("SILVER-2026-0001", "200.0 kg fine silver a year"),
        ("DORE-COP-0001", "Asociación de Mineros La Palma"),
    ],
)
def test_each_supply_model_has_a_verified_page(app, client, arm, lot_id, says, tmp_path):
    sign_in(client, demo_arm(tmp_path / "keys"))  # the doré and silver lots are not public
    html = client.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert says in html
    assert "Not verified" not in html


def test_arm_sees_credits_accounts_and_payers(client, arm):
    credits = client.get("/api/v1/reports/credits", headers=arm).get_json()
    issued = {row["asmo"]: row for row in credits["rows"]}
    assert set(issued) == {"asmo-qori-tika", "asmo-el-tambo"}
    assert issued["asmo-qori-tika"]["credits_retired"] == 203  # 3 for the chain, 200 for 2026
    assert all(row["outstanding"] == 0 for row in credits["rows"])
    scopes = sorted(r["scope"] for r in credits["retirements"])
    assert scopes == ["product", "product", "year"]
    (account,) = client.get("/api/v1/reports/mass-balance", headers=arm).get_json()["items"]
    assert (account["party"], account["drawn_mg"]) == ("refiner-alpes", 4_500)
    assert account["available_mg"] == account["deposited_mg"] - 4_500
    payers = client.get("/api/v1/reports/premiums/payers", headers=arm).get_json()["items"]
    assert {p["payer_role"] for p in payers} == {"first_buyer", "credit_buyer"}
    page = client.get("/arm/dashboard", headers=arm).get_data(as_text=True)
    for section in ('id="credits"', 'id="mass-balance"', 'id="payers"', "MBA-ALPES-MENDRISIO"):
        assert section in page
