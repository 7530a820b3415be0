"""The Fairmined lot lifecycle over HTTP, and each rule refusing with its code, writing nothing."""

from __future__ import annotations

import pytest
from support import PROCESS_ECO, PROCESS_MERCURY, Supply

from app.db import log
from app.db.uow import reading
from ledger import terms
from ledger.client import LedgerHTTPError

EVIDENCE = {ref: terms.seal_evidence(ref)[0] for ref in ("transfer 77", "transfer 78")}


@pytest.fixture
def supply(world):
    return Supply(world)


def _size(world) -> int:
    with reading(world.engine) as connection:
        return log.head(connection)[0]


def refused(world, code: str, action, *args, **kwargs) -> dict:
    """Run ``action``; assert it is refused with ``code`` and the log did not grow."""
    before = _size(world)
    with pytest.raises(LedgerHTTPError) as error:
        action(*args, **kwargs)
    assert error.value.code == code, error.value.problem
    assert _size(world) == before
    return error.value.problem


def _lot(world, lot_id: str) -> dict:
    return world.client.request("GET", f"/api/v1/lots/{lot_id}")["lot"]


def _sold_and_delivered(supply) -> str:
    supply.register_lot()
    sale = supply.sell()
    supply.deliver("DORE-001", "asmo-iquira", "fab-andes", 1_000_000)
    return f"PRM-{sale['seq']}"


def test_mine_to_jeweller_with_premium_paid(world, supply):
    obligation_id = _sold_and_delivered(supply)
    obligation = world.client.request("GET", f"/api/v1/premiums/{obligation_id}")
    # 1,000 g dore at 880.0 -> 880,000 mg fine x USD 6,000/kg Ecological = USD 5,280.00
    assert (obligation["fine_mg"], obligation["due"], obligation["currency"]) == (
        880_000,
        528_000,
        "USD",
    )
    refused(world, "premium-unsettled", supply.ship, "DORE-001", "fab-andes", "refiner-alpes")
    supply.pay_and_confirm(obligation_id, 528_000)
    supply.deliver("DORE-001", "fab-andes", "refiner-alpes", 1_000_000)
    incoming = world.client.request("GET", "/api/v1/parties/refiner-alpes/holdings")["items"]
    assert [lot["id"] for lot in incoming] == ["DORE-001"]
    supply.refine(
        ["DORE-001"],
        [
            {
                "lot_id": "BAR-001",
                "form": "bar",
                "gross_mg": 500_000,
                "fineness": 9999,
                "serial": "AL-26-0001",
                "year": 2026,
                "mark": "ALPES 999.9",
            },
            {
                "lot_id": "BAR-002",
                "form": "bar",
                "gross_mg": 379_000,
                "fineness": 9999,
                "serial": "AL-26-0002",
                "year": 2026,
            },
        ],
    )
    bar = _lot(world, "BAR-001")
    assert bar["claim"] == "ecological"
    assert bar["origin_asmos"] == ["asmo-iquira"]
    assert bar["obligations"] == [obligation_id]
    assert _lot(world, "DORE-001")["status"] == "consumed"
    supply.deliver("BAR-001", "refiner-alpes", "jeweller-oro", 500_000)
    world.state(
        "jeweller-oro",
        "lot.split",
        {
            "lot_id": "BAR-001",
            "lot_head": supply.head("BAR-001"),
            "outputs": [
                {"lot_id": "RING-001", "gross_mg": 5_000},
                {"lot_id": "STOCK-001", "gross_mg": 495_000},
            ],
        },
    )
    world.state(
        "jeweller-oro",
        "lot.claimed",
        {"lot_id": "RING-001", "lot_head": supply.head("RING-001"), "product": "Ring 'Tambo', 18k"},
    )
    world.state(
        "jeweller-oro",
        "lot.retired",
        {"lot_id": "RING-001", "lot_head": supply.head("RING-001"), "reason": "sold_to_consumer"},
    )
    ring = _lot(world, "RING-001")
    assert (ring["claimed_by"], ring["status"], ring["parents"]) == (
        "jeweller-oro",
        "retired",
        ["BAR-001"],
    )
    history = world.client.request("GET", "/api/v1/lots/RING-001")["history"]
    assert [r["entry"]["type"] for r in history] == ["lot.split", "lot.claimed", "lot.retired"]


def test_expired_suspended_and_wrong_scope_certificates(world):
    supply = Supply(world, ecological=False)
    refused(world, "certificate-scope", supply.register_lot)  # not certified Ecological
    world.state(
        "certifier-one",
        "certificate.suspended",
        {"certificate_id": "FM-CO-001", "reason": "audit finding"},
    )
    refused(world, "certificate-suspended", supply.register_lot, claim="fairmined")
    world.state("certifier-one", "certificate.reinstated", {"certificate_id": "FM-CO-001"})
    supply.register_lot(claim="fairmined")
    world.register("asmo-old", ["asmo"])
    world.state(
        "certifier-one",
        "certificate.issued",
        {
            "certificate_id": "FM-PE-009",
            "party_id": "asmo-old",
            "metals": ["gold"],
            "ecological": True,
            "valid_from": "2020-01-01",
            "valid_to": "2023-12-31",
            "miners": 40,
        },
    )
    refused(world, "certificate-expired", supply.register_lot, "DORE-OLD", party="asmo-old")
    world.register("asmo-none", ["asmo"])
    refused(world, "no-certificate", supply.register_lot, "DORE-X", party="asmo-none")
    supply.register_lot("DORE-PLAIN", claim="none", party="asmo-none")  # unlabelled is fine


def test_ecological_claim_with_mercury_or_cyanide(world, supply):
    refused(world, "ecological-process", supply.register_lot, processing=PROCESS_MERCURY)
    cyanide = {**PROCESS_ECO, "cyanide": True}
    refused(world, "ecological-process", supply.register_lot, processing=cyanide)
    supply.register_lot(claim="fairmined", processing=PROCESS_MERCURY)


def test_price_under_the_floor(world, supply):
    supply.register_lot()
    problem = refused(world, "price-below-floor", supply.sell, price=100_000_00)
    assert problem["pointer"] == "/private/price"
    supply.sell(price=113_000_00)


def test_shipping_a_lot_you_do_not_hold(world, supply):
    supply.register_lot()
    refused(world, "not-holder", supply.ship, "DORE-001", "fab-andes", "refiner-alpes")


def test_stale_lot_head_is_a_conflict(world, supply):
    supply.register_lot()
    old_head = supply.head("DORE-001")
    supply.sell()
    problem = refused(
        world,
        "stale-head",
        world.state,
        "asmo-iquira",
        "lot.shipped",
        {"lot_id": "DORE-001", "lot_head": old_head, "to": "fab-andes"},
    )
    assert problem["status"] == 409


def test_recipient_must_be_authorised(world, supply):
    world.register("trader-unlisted", ["supplier"], activities=["trading"])
    obligation_id = _sold_and_delivered(supply)
    supply.pay_and_confirm(obligation_id, 528_000)
    refused(
        world, "recipient-not-authorised", supply.ship, "DORE-001", "fab-andes", "trader-unlisted"
    )
    world.state("arm", "authorisation.revoked", {"party_id": "refiner-alpes", "role": "supplier"})
    refused(
        world, "recipient-not-authorised", supply.ship, "DORE-001", "fab-andes", "refiner-alpes"
    )


def test_mine_ships_only_to_its_buyer(world, supply):
    supply.register_lot()
    refused(world, "sale-required", supply.ship, "DORE-001", "asmo-iquira", "fab-andes")


def test_unconfirmed_premium_blocks_moves_and_claims(world, supply):
    obligation_id = _sold_and_delivered(supply)
    world.state(
        "fab-andes",
        "premium.paid",
        {
            "obligation_id": obligation_id,
            "amount": 528_000,
            "currency": "USD",
            "paid_on": "2026-01-01",
            "evidence_commitment": terms.evidence_commitment(EVIDENCE["transfer 77"]),
        },
        private=EVIDENCE["transfer 77"],
    )
    problem = refused(
        world, "premium-unsettled", supply.ship, "DORE-001", "fab-andes", "refiner-alpes"
    )
    assert "unconfirmed" in problem["detail"]
    refused(
        world,
        "over-confirmation",
        world.state,
        "asmo-iquira",
        "premium.confirmed",
        {
            "obligation_id": obligation_id,
            "amount": 528_001,
            "currency": "USD",
            "received_on": "2026-01-01",
        },
    )
    refused(
        world,
        "overpayment",
        world.state,
        "fab-andes",
        "premium.paid",
        {
            "obligation_id": obligation_id,
            "amount": 1,
            "currency": "USD",
            "paid_on": "2026-01-01",
            "evidence_commitment": terms.evidence_commitment(EVIDENCE["transfer 78"]),
        },
        private=EVIDENCE["transfer 78"],
    )


def test_outputs_heavier_in_fine_metal_than_inputs(world, supply):
    obligation_id = _sold_and_delivered(supply)
    supply.pay_and_confirm(obligation_id, 528_000)
    supply.deliver("DORE-001", "fab-andes", "refiner-alpes", 1_000_000)
    heavy = [{"lot_id": "BAR-001", "form": "bar", "gross_mg": 880_100, "fineness": 9999}]
    refused(world, "fine-metal-created", supply.refine, ["DORE-001"], heavy)
    lossy = [{"lot_id": "BAR-001", "form": "bar", "gross_mg": 800_000, "fineness": 9999}]
    refused(world, "excess-loss", supply.refine, ["DORE-001"], lossy)
    assert _lot(world, "DORE-001")["status"] == "held"


def test_mixing_downgrades_the_label(world, supply):
    world.register("asmo-fm", ["asmo"], country="PE")
    world.state(
        "certifier-one",
        "certificate.issued",
        {
            "certificate_id": "FM-PE-002",
            "party_id": "asmo-fm",
            "metals": ["gold"],
            "ecological": False,
            "valid_from": "2025-01-01",
            "valid_to": "2030-12-31",
            "miners": 40,
        },
    )
    eco_obligation = _sold_and_delivered(supply)
    supply.register_lot("DORE-FM", claim="fairmined", processing=PROCESS_MERCURY, party="asmo-fm")
    fm_sale = supply.sell("DORE-FM", seller="asmo-fm")
    supply.deliver("DORE-FM", "asmo-fm", "fab-andes", 1_000_000)
    world.state(
        "fab-andes",
        "lot.merged",
        {
            "inputs": [
                {"lot_id": "DORE-001", "lot_head": supply.head("DORE-001")},
                {"lot_id": "DORE-FM", "lot_head": supply.head("DORE-FM")},
            ],
            "output": {"lot_id": "MIX-001", "form": "dore"},
        },
    )
    mixed = _lot(world, "MIX-001")
    assert mixed["claim"] == "fairmined"
    assert mixed["fine_mg"] == 1_760_000
    assert mixed["origin_asmos"] == ["asmo-fm", "asmo-iquira"]
    assert mixed["obligations"] == sorted([eco_obligation, f"PRM-{fm_sale['seq']}"])
    world.state(
        "fab-andes",
        "lot.registered",
        {
            "lot_id": "RECYCLED-1",
            "metal": "gold",
            "form": "scrap",
            "gross_mg": 10_000,
            "fineness": 7500,
            "claim": "none",
            "mine_site": "recycled jewellery",
            "production_from": "2026-01-01",
            "production_to": "2026-01-01",
            "processing": PROCESS_MERCURY,
        },
    )
    world.state(
        "fab-andes",
        "lot.merged",
        {
            "inputs": [
                {"lot_id": "MIX-001", "lot_head": supply.head("MIX-001")},
                {"lot_id": "RECYCLED-1", "lot_head": supply.head("RECYCLED-1")},
            ],
            "output": {"lot_id": "MIX-002", "form": "dore"},
        },
    )
    assert _lot(world, "MIX-002")["claim"] == "none"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"gross_mg": 0}, "/body/gross_mg"),
        ({"gross_mg": -5}, "/body/gross_mg"),
        ({"fineness": 10_001}, "/body/fineness"),
        ({"fineness": 0}, "/body/fineness"),
        ({"gross_mg": "1000"}, "/body/gross_mg"),
        ({"metal": "copper"}, "/body/metal"),
    ],
)
def test_unit_and_range_nonsense(world, supply, changes, pointer):
    body = {
        "lot_id": "DORE-001",
        "metal": "gold",
        "form": "dore",
        "gross_mg": 1000,
        "fineness": 8800,
        "claim": "ecological",
        "mine_site": "x",
        "production_from": "2025-12-01",
        "production_to": "2026-01-01",
        "processing": PROCESS_ECO,
        **changes,
    }
    problem = refused(world, "invalid-entry", world.state, "asmo-iquira", "lot.registered", body)
    assert problem["pointer"] == pointer


def test_split_must_be_exact(world, supply):
    obligation_id = _sold_and_delivered(supply)
    supply.pay_and_confirm(obligation_id, 528_000)
    refused(
        world,
        "split-not-exact",
        world.state,
        "fab-andes",
        "lot.split",
        {
            "lot_id": "DORE-001",
            "lot_head": supply.head("DORE-001"),
            "outputs": [
                {"lot_id": "A-1", "gross_mg": 600_000},
                {"lot_id": "A-2", "gross_mg": 400_001},
            ],
        },
    )


def test_weighing_difference_is_flagged(world, supply):
    supply.register_lot()
    supply.sell()
    supply.ship("DORE-001", "asmo-iquira", "fab-andes")
    record = supply.receive("DORE-001", "fab-andes", 990_000)  # 1% light
    assert record["flags"] == ["weight-discrepancy"]
    assert _lot(world, "DORE-001")["gross_mg"] == 990_000


def test_claim_needs_a_label(world, supply):
    world.register("asmo-none", ["asmo"])
    supply.register_lot("PLAIN-1", claim="none", party="asmo-none")
    supply.sell("PLAIN-1", price=1, buyer="jeweller-oro", seller="asmo-none")
    supply.deliver("PLAIN-1", "asmo-none", "jeweller-oro", 1_000_000)
    refused(
        world,
        "claim-requires-label",
        world.state,
        "jeweller-oro",
        "lot.claimed",
        {"lot_id": "PLAIN-1", "lot_head": supply.head("PLAIN-1"), "product": "ring"},
    )
