"""The labelled-metal invariants over HTTP, on SQLite and PostgreSQL: weighing disputes settled
with a cosignature, settlement assays topping up the premium, revoked parties frozen and
released, alloying, corrections and certified capacity; each refusal problem+json with its code,
writing nothing."""

from __future__ import annotations

import pytest
from support import PROCESS_ECO, Supply

from app.db import log
from app.db.uow import reading
from ledger.bundle import verify_bundle
from ledger.client import LedgerHTTPError
from ledger.cosign import cosign
from ledger.note import parse_verifier_key


@pytest.fixture
def supply(world):
    world.register("trader-min", ["supplier"], activities=["trading"])
    supply = Supply(world)
    body = {"party_id": "trader-min", "role": "supplier"}
    world.state(
        "arm",
        "authorisation.granted",
        {**body, "valid_from": "2025-01-01", "valid_to": "2030-12-31"},
    )
    return supply


def _size(world) -> int:
    with reading(world.engine) as connection:
        return log.head(connection)[0]


def refused(world, code: str, status: int, action, *args, **kwargs) -> dict:
    before = _size(world)
    with pytest.raises(LedgerHTTPError) as error:
        action(*args, **kwargs)
    assert (error.value.code, error.value.status) == (code, status), error.value.problem
    assert error.value.problem["type"].endswith(f"/problems/{code}")
    assert _size(world) == before
    return error.value.problem


def _lot(world, lot_id: str) -> dict:
    return world.client.request("GET", f"/api/v1/lots/{lot_id}")["lot"]


def _verified_offline(world, lot_id: str):
    """The lot's bundle as ARM reads it, verified with the core alone: every new rule re-run on
    the records the bundle carries."""
    client = world.app.test_client()
    key = parse_verifier_key(client.get("/api/v1/verifier-key").get_data(as_text=True).strip())
    bundle = client.get(f"/api/v1/lots/{lot_id}/bundle", headers=world.headers("arm"))
    provenance = verify_bundle(bundle.get_json(), key)
    assert provenance.lot == _lot(world, lot_id)
    return provenance


def _settled(world, supply, lot_id="DORE-001") -> str:
    supply.register_lot(lot_id)
    sale = supply.sell(lot_id)
    supply.deliver(lot_id, "asmo-iquira", "fab-andes", 1_000_000)
    obligation = f"PRM-{sale['seq']}"
    supply.pay_and_confirm(obligation, 528_000)
    return obligation


def test_a_heavy_receipt_holds_the_lot_until_both_sides_agree(world, supply):
    _settled(world, supply)
    supply.ship("DORE-001", "fab-andes", "refiner-alpes")
    supply.receive("DORE-001", "refiner-alpes", 1_010_000)  # 1% heavy
    lot = _lot(world, "DORE-001")
    assert (lot["fine_mg"], lot["dispute"]["received_mg"]) == (880_000, 1_010_000)
    refused(world, "weight-dispute", 409, supply.ship, "DORE-001", "refiner-alpes", "jeweller-oro")
    body = {"lot_id": "DORE-001", "lot_head": supply.head("DORE-001"), "gross_mg": 1_000_000}
    alone = world.signers["refiner-alpes"]
    refused(
        world, "cosignature-required", 403, world.client.state, alone, "lot.weight_reconciled", body
    )
    forged = cosign(
        world.signers["jeweller-oro"].key,
        "fab-andes",
        "lot.weight_reconciled",
        "refiner-alpes",
        body,
    )
    refused(
        world, "bad-cosignature", 403, world.client.state, alone, "lot.weight_reconciled", forged
    )
    signed = cosign(
        world.signers["fab-andes"].key, "fab-andes", "lot.weight_reconciled", "refiner-alpes", body
    )
    world.state("refiner-alpes", "lot.weight_reconciled", signed)
    lot = _lot(world, "DORE-001")
    assert (lot["dispute"], lot["gross_mg"], lot["fine_mg"]) == (None, 1_000_000, 880_000)
    supply.ship("DORE-001", "refiner-alpes", "jeweller-oro")
    codes = [f["code"] for f in _verified_offline(world, "DORE-001").findings]
    assert codes == ["weight-discrepancy", "weight-reconciled"]


def test_the_settlement_assay_tops_up_the_premium_before_the_lot_moves_on(world, supply):
    supply.register_lot()
    sale = supply.sell()
    supply.deliver("DORE-001", "asmo-iquira", "fab-andes", 1_000_000)
    assay = {"lot_id": "DORE-001", "lot_head": supply.head("DORE-001"), "fineness": 8_900}
    settled = world.state(
        "fab-andes", "lot.assayed", {**assay, "kind": "settlement", "laboratory": "LAB"}
    )
    top_up = world.client.request("GET", f"/api/v1/premiums/PRM-{settled['seq']}")
    # 10 g more fine gold than the mine declared, at USD 6,000/kg Ecological: USD 60.00.
    assert (top_up["kind"], top_up["fine_mg"], top_up["due"]) == ("top-up", 10_000, 6_000)
    supply.pay_and_confirm(f"PRM-{sale['seq']}", 528_000)
    refused(world, "premium-unsettled", 422, supply.ship, "DORE-001", "fab-andes", "refiner-alpes")
    supply.pay_and_confirm(f"PRM-{settled['seq']}", 6_000)
    supply.ship("DORE-001", "fab-andes", "refiner-alpes")
    provenance = _verified_offline(world, "DORE-001")
    assert [o["kind"] for o in provenance.obligations] == ["sale", "top-up"]


def test_a_revoked_party_is_frozen_until_arm_releases_its_lot(world, supply):
    _settled(world, supply)
    supply.deliver("DORE-001", "fab-andes", "trader-min", 1_000_000)
    world.state("arm", "authorisation.revoked", {"party_id": "trader-min", "role": "supplier"})
    refused(world, "not-authorised", 403, supply.ship, "DORE-001", "trader-min", "refiner-alpes")
    release = {"lot_id": "DORE-001", "lot_head": supply.head("DORE-001"), "reason": "revoked"}
    refused(
        world,
        "role-not-allowed",
        403,
        world.state,
        "refiner-alpes",
        "lot.released",
        {**release, "to": "refiner-alpes"},
    )
    world.state("arm", "lot.released", {**release, "to": "refiner-alpes"})
    assert _lot(world, "DORE-001")["holder"] == "refiner-alpes"
    # Offline, the trader's standing is re-checked on each of its entries' days: the bundle
    # carries its grant and its revocation.
    assert [f["code"] for f in _verified_offline(world, "DORE-001").findings] == ["release"]


def test_alloying_a_claimed_lot_keeps_it_claimed_and_conserves_fine_gold(world, supply):
    _settled(world, supply)
    supply.deliver("DORE-001", "fab-andes", "jeweller-oro", 1_000_000)
    world.state(
        "jeweller-oro",
        "lot.claimed",
        {"lot_id": "DORE-001", "lot_head": supply.head("DORE-001"), "product": "Cast"},
    )
    output = {"lot_id": "CAST-001", "gross_mg": 1_173_333, "fineness": 7_500, "form": "jewellery"}
    body = {"lot_id": "DORE-001", "lot_head": supply.head("DORE-001"), "output": output}
    world.state("jeweller-oro", "lot.alloyed", body)
    cast = _lot(world, "CAST-001")
    assert (cast["fine_mg"], cast["fineness"], cast["claimed_by"]) == (
        880_000,
        7_500,
        "jeweller-oro",
    )
    again = {"lot_id": "CAST-001", "lot_head": supply.head("CAST-001"), "product": "Ring"}
    refused(world, "already-claimed", 409, world.state, "jeweller-oro", "lot.claimed", again)


def test_corrections_and_capacity(world, supply):
    registered = supply.register_lot(gross_mg=1_000)  # typed in grams
    body = {
        "lot_id": "DORE-001",
        "lot_head": supply.head("DORE-001"),
        "corrects_seq": registered["seq"],
    }
    body.update(gross_mg=1_000_000, reason="grams typed as milligrams")
    refused(world, "not-own-statement", 403, world.state, "fab-andes", "lot.corrected", body)
    world.state("asmo-iquira", "lot.corrected", body)
    assert _lot(world, "DORE-001")["fine_mg"] == 880_000
    # 120 miners: 30 kg fine a year by default. A tonne of doré is refused.
    refused(world, "capacity-exceeded", 422, supply.register_lot, "DORE-1T", gross_mg=1_000_000_000)
    certificates = world.client.request("GET", "/api/v1/parties/asmo-iquira/certificates")["items"]
    assert sum(certificates[0]["capacity_used"].values()) == 880_000


def test_the_production_period_lies_inside_the_certificate(world, supply):
    body = {
        "lot_id": "DORE-OLD",
        "metal": "gold",
        "form": "dore",
        "gross_mg": 1_000_000,
        "fineness": 8_800,
        "claim": "ecological",
        "mine_site": "Vereda El Tambo",
        "production_from": "2024-06-01",
        "production_to": "2025-02-01",
        "processing": PROCESS_ECO,
    }
    problem = refused(
        world,
        "production-outside-certificate",
        422,
        world.state,
        "asmo-iquira",
        "lot.registered",
        body,
    )
    assert problem["pointer"] == "/body/production_from"
