"""EPCIS 2.0 export of real lots over HTTP, validated against GS1's JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from support import Supply, demo_arm, sign_in

from app import demo
from app.db import log
from app.db.uow import reading
from ledger.keys import PrivateKey

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "epcis" / "epcis-json-schema.json"
ID = "https://gold-ledger.example/id"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def export(client, validator, lot_id: str) -> dict:
    response = client.get(f"/api/v1/lots/{lot_id}/epcis")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/ld+json"
    assert response.headers["GS1-EPCIS-Version"] == "2.0"
    document = response.get_json()
    errors = [
        f"{list(e.absolute_path)}: {e.message[:160]}" for e in validator.iter_errors(document)
    ]
    assert not errors, errors
    return document


def lots_of(items: list[dict]) -> list[tuple[str, int]]:
    return [(q["epcClass"].removeprefix(f"{ID}/lot/"), q["quantity"]) for q in items]


def test_refined_bar_of_the_demo_goes_back_to_three_mines(app, engine, client, validator, tmp_path):
    demo.build(engine, tmp_path / "keys", PrivateKey.generate(), "test/log")
    sign_in(client, demo_arm(tmp_path / "keys"))
    document = export(client, validator, "BAR-2026-0001")
    events = document["epcisBody"]["eventList"]
    commissioned = {
        e["readPoint"]["id"].removeprefix(f"{ID}/loc/"): e["ilmd"]["gl:mineSite"]
        for e in events
        if e.get("bizStep") == "commissioning" and e["type"] == "ObjectEvent"
    }
    assert commissioned == {
        "asmo-el-tambo": "Vereda El Tambo, Iquira, Huila",
        "asmo-la-palma": "La Palma, Nariño",
        "asmo-qori-tika": "Ananea, Puno",
    }
    # Refined from three doré lots, later split by the jeweller (the bar's own history).
    refining, split = [e for e in events if e["type"] == "TransformationEvent"]
    assert split is events[-1]
    assert lots_of(split["inputQuantityList"])[0][0] == "BAR-2026-0001"
    assert [lot for lot, _ in lots_of(refining["inputQuantityList"])] == [
        "DORE-2026-001",
        "DORE-2026-002",
        "DORE-2026-004",
    ]
    assert [lot for lot, _ in lots_of(refining["outputQuantityList"])] == [
        "BAR-2026-0001",
        "BAR-2026-0002",
    ]
    assert refining["readPoint"] == {"id": f"{ID}/loc/refiner-alpes"}
    sales = [e for e in events if e["type"] == "TransactionEvent"]
    assert len(sales) == 3  # each mine's sale to the First Authorized Buyer
    # Santa Rosa's unpaid lot is not an ancestor of the bar.
    assert "DORE-2026-003" not in json.dumps(document)
    # Every event is a record of the ledger, identified by its hash, in log order.
    hashes = [e["eventID"].removeprefix("ni:///sha-256;") for e in events]
    assert len(set(hashes)) == len(hashes)
    with reading(engine) as connection:
        seqs = [log.by_hash(connection, h).seq for h in hashes]
    assert seqs == sorted(seqs)


def test_ring_export_includes_the_split_the_alloying_and_no_commercial_terms(
    engine, client, validator, tmp_path
):
    demo.build(engine, tmp_path / "keys", PrivateKey.generate(), "test/log")
    sign_in(client, demo_arm(tmp_path / "keys"))
    document = export(client, validator, "RING-2026-0001")
    events = document["epcisBody"]["eventList"]
    split, alloyed = events[-4], events[-3]
    assert lots_of(split["inputQuantityList"])[0][0] == "BAR-2026-0001"
    assert [lot for lot, _ in lots_of(split["outputQuantityList"])] == [
        "GRAIN-2026-0001",
        "GRAIN-2026-0002",
        "STOCK-2026-0001",
    ]
    assert lots_of(split["outputQuantityList"])[0] == ("GRAIN-2026-0001", 4_501)
    # Alloying is a transformation: 4,501 mg of 999.9 grain into a 6 g band of 18k.
    assert alloyed["type"] == "TransformationEvent"
    assert lots_of(alloyed["inputQuantityList"]) == [("GRAIN-2026-0001", 4_501)]
    assert lots_of(alloyed["outputQuantityList"]) == [("RING-2026-0001", 6_000)]
    assert [e["bizStep"] for e in events[-2:]] == ["other", "retail_selling"]  # claimed, sold
    text = json.dumps(document).lower()
    for secret in ("price", "terms", "premium", "amount", "salt", "usd"):
        assert secret not in text


def test_dore_refined_with_other_lots(engine, client, validator, tmp_path):
    demo.build(engine, tmp_path / "keys", PrivateKey.generate(), "test/log")
    sign_in(client, demo_arm(tmp_path / "keys"))
    document = export(client, validator, "DORE-2026-001")
    refining = document["epcisBody"]["eventList"][-1]
    assert refining["type"] == "TransformationEvent"
    # The co-inputs are not ancestors: their mass comes from their final (consumed) state.
    states = {
        lot: client.get(f"/api/v1/lots/{lot}/epcis").get_json()
        for lot in ("DORE-2026-002", "DORE-2026-004")
    }
    received = {
        lot: doc["epcisBody"]["eventList"][-2]["quantityList"][0]["quantity"]
        for lot, doc in states.items()
    }
    assert lots_of(refining["inputQuantityList"]) == [
        ("DORE-2026-001", 949_700),
        ("DORE-2026-002", received["DORE-2026-002"]),
        ("DORE-2026-004", received["DORE-2026-004"]),
    ]
    assert "BAR-2026-0001" in json.dumps(refining)
    assert "RING-2026-0001" not in json.dumps(document)  # descendants are not exported


def test_supply_chain_lot(world, client, validator):
    supply = Supply(world)
    sign_in(client, world.signers["arm"])
    supply.register_lot()
    sale = supply.sell()
    supply.deliver("DORE-001", "asmo-iquira", "fab-andes", 999_500)
    supply.pay_and_confirm(f"PRM-{sale['seq']}", 528_000)
    supply.deliver("DORE-001", "fab-andes", "refiner-alpes", 999_400)
    supply.refine(
        ["DORE-001"],
        [{"lot_id": "BAR-001", "form": "bar", "gross_mg": 875_000, "fineness": 9999}],
    )
    document = export(client, validator, "BAR-001")
    events = document["epcisBody"]["eventList"]
    assert [(e["type"], e["bizStep"]) for e in events] == [
        ("ObjectEvent", "commissioning"),
        ("TransactionEvent", "other"),
        ("ObjectEvent", "shipping"),
        ("ObjectEvent", "receiving"),
        ("ObjectEvent", "shipping"),
        ("ObjectEvent", "receiving"),
        ("TransformationEvent", "commissioning"),
    ]
    assert [lots_of(e["quantityList"])[0][1] for e in events[:6]] == [
        1_000_000,
        1_000_000,
        1_000_000,
        999_500,
        999_500,
        999_400,
    ]
    assert events[1]["bizTransactionList"] == [{"bizTransaction": f"{ID}/sale/SALE-{sale['seq']}"}]
    assert events[5]["sourceList"] == [
        {"type": "possessing_party", "source": f"{ID}/party/fab-andes"}
    ]
    assert lots_of(events[6]["inputQuantityList"]) == [("DORE-001", 999_400)]
    assert lots_of(events[6]["outputQuantityList"]) == [("BAR-001", 875_000)]
    assert events[0]["ilmd"]["gl:claim"] == "ecological"


def test_identifiers_follow_the_operator_domain(app, world, client, validator):
    supply = Supply(world)
    sign_in(client, world.signers["arm"])
    supply.register_lot()
    app.config["LEDGER_ORIGIN"] = "ledger.fairmined-arm.example/log"
    document = export(client, validator, "DORE-001")
    (event,) = document["epcisBody"]["eventList"]
    assert event["quantityList"][0]["epcClass"] == (
        "https://ledger.fairmined-arm.example/id/lot/DORE-001"
    )


def test_unknown_lot_is_a_problem(world, client):
    assert client.get("/api/v1/lots/NO-SUCH-LOT/epcis").status_code == 401
    sign_in(client, world.signers["arm"])
    response = client.get("/api/v1/lots/NO-SUCH-LOT/epcis")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not-found"
