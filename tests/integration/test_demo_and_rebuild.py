"""The demo data set, and projections rebuilt from a large generated history equal the live ones."""

from __future__ import annotations

from pathlib import Path

from support import bearer_for

from app import demo, integrity
from app.db.store import SqlStore
from app.db.uow import reading
from ledger.client import Signer
from ledger.keys import PrivateKey


def _live(engine) -> dict:
    with reading(engine) as connection:
        return SqlStore(connection).dump()


def test_demo_command_creates_a_verifiable_ledger(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "demo"])
    assert result.exit_code == 0, result.output
    assert "demo ledger created" in result.output
    keys = Path(app.config["DEMO_KEYS_DIR"])
    arm = bearer_for(app, Signer("arm", PrivateKey.from_pem((keys / "arm.pem").read_bytes())))
    verified = runner.invoke(args=["ledger", "verify", "--replay"])
    assert verified.exit_code == 0, verified.output
    lots = {
        lot["id"]: lot
        for lot in client.get("/api/v1/parties/fab-andina/holdings", headers=arm).get_json()[
            "items"
        ]
    }
    assert lots["DORE-2026-003"]["claim"] == "fairmined"  # Santa Rosa's premium is unpaid
    owed = client.get("/api/v1/parties/asmo-santa-rosa/premiums", headers=arm).get_json()["items"]
    sales = [o for o in owed if o["kind"] == "sale"]
    assert len(sales) == 6  # one sale a season
    unpaid = [o for o in owed if o["confirmed"] < o["due"]]
    assert [(o["lot"], o["paid"], o["confirmed"]) for o in unpaid] == [("DORE-2026-003", 0, 0)]
    # The buyer's settlement assay found more gold in the third season: a top-up, paid.
    (top_up,) = [o for o in owed if o["kind"] == "top-up"]
    assert top_up["lot"] == "DORE-0002-003"
    assert 0 < top_up["due"] == top_up["confirmed"]
    sold_on = sorted(o["sold_on"] for o in sales)
    assert len(set(sold_on)) == 6, "the seasons are spread over the past months"
    certificates = client.get("/api/v1/parties/asmo-nazca-unidos/certificates").get_json()
    assert certificates["items"][0]["status"] == "suspended"
    ring = client.get("/api/v1/lots/RING-2026-0001", headers=arm).get_json()["lot"]
    assert (ring["claimed_by"], ring["status"]) == ("jeweller-oro-verde", "retired")
    assert set(ring["origin_asmos"]) == {"asmo-el-tambo", "asmo-la-palma", "asmo-qori-tika"}
    # A real 18k ring: 4.5 g fine gold alloyed into a 6 g band.
    assert (ring["gross_mg"], ring["fineness"], ring["fine_mg"]) == (6_000, 7_500, 4_500)
    corrected = client.get("/api/v1/lots/DORE-2026-001", headers=arm).get_json()["lot"]
    assert [c["before"]["gross_mg"] * 1000 for c in corrected["corrections"]] == [
        corrected["corrections"][0]["after"]["gross_mg"]
    ]
    disputed = client.get("/api/v1/lots/DORE-0001-002", headers=arm).get_json()["lot"]
    assert disputed["dispute"] is None
    assert [r["by"] for r in disputed["reconciliations"]] == ["refiner-alpes"]
    again = runner.invoke(args=["ledger", "demo"])
    assert "already has records" in again.output


def test_rebuild_of_a_large_history_equals_the_live_projections(app, engine, tmp_path):
    size = demo.build(engine, tmp_path / "keys", PrivateKey.generate(), "test/log", scale=14)
    assert size > 520
    live = _live(engine)
    assert len(live["lot"]) > 120
    objects, equal = integrity.rebuild(engine)
    assert equal
    assert objects == sum(len(v) for v in live.values())
    assert _live(engine) == live
