"""One lot, spent many times at once: exactly one spend is appended, every other one is a 409.

The First Authorized Buyer holds a paid-up lot. A hundred threads, each with its own Flask test
client (its own request handling and database connection), sign different spends of the lot
against the same ``lot_head`` and are released together by a barrier so the appends really
contend for the head lock. The rules must let exactly one through.
"""

from __future__ import annotations

from collections import Counter

import pytest
from support import Supply, post_together

from app.db import log
from app.db.uow import reading
from app.integrity import verify_log
from ledger import terms

ATTEMPTS = 100
STALE = {"stale-head", "lot-in-transit"}


@pytest.fixture
def supply(world):
    """DORE-001 held by the buyer, its premium paid and confirmed: free to move on."""
    supply = Supply(world)
    supply.register_lot()
    sale = supply.sell()
    supply.deliver("DORE-001", "asmo-iquira", "fab-andes", 1_000_000)
    supply.pay_and_confirm(f"PRM-{sale['seq']}", 528_000)
    world.register("trader-geneve", ["supplier"], country="CH", activities=["trading"])
    world.state(
        "arm",
        "authorisation.granted",
        {
            "party_id": "trader-geneve",
            "role": "supplier",
            "valid_from": "2025-01-01",
            "valid_to": "2030-12-31",
        },
    )
    return supply


def _size(engine) -> int:
    with reading(engine) as connection:
        return log.head(connection)[0]


def _exactly_one_won(app, engine, answers, before: int) -> dict:
    """Assert one 201 and only stale-head/lot-in-transit 409s; the log grew by one, verifies."""
    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 409: len(answers) - 1}, statuses
    codes = Counter(answer["code"] for status, answer in answers if status == 409)
    assert set(codes) <= STALE, codes
    (winner,) = [answer for status, answer in answers if status == 201]
    assert _size(engine) == before + 1
    assert winner["seq"] == before + 1
    report = verify_log(engine, replay=True)
    assert report.ok, report.failure
    assert report.size == before + 1
    return winner


def test_a_hundred_concurrent_shipments_of_one_lot_append_exactly_one(app, engine, supply):
    world = supply.world
    head = supply.head("DORE-001")
    recipients = ["refiner-alpes", "jeweller-oro", "trader-geneve"]
    # Differently signed spends of one head: other recipients, and fresh nonces for each.
    entries = [
        world.signers["fab-andes"].entry(
            "lot.shipped",
            {"lot_id": "DORE-001", "lot_head": head, "to": recipients[n % len(recipients)]},
        )
        for n in range(ATTEMPTS)
    ]
    assert len({e["nonce"] for e in entries}) == ATTEMPTS
    before = _size(engine)

    winner = _exactly_one_won(app, engine, post_together(app, entries), before)

    lot = world.client.request("GET", "/api/v1/lots/DORE-001")["lot"]
    assert lot["status"] == "in_transit"
    assert lot["incoming_to"] == winner["entry"]["body"]["to"]
    assert lot["head"] == winner["entry_hash"]
    # Only the winner's recipient can take the lot in.
    for recipient in recipients:
        if recipient != lot["incoming_to"]:
            incoming = world.client.request("GET", f"/api/v1/parties/{recipient}/incoming")
            assert incoming["items"] == []


def test_different_spends_of_one_lot_at_once_append_exactly_one(app, engine, supply):
    """Shipments, sales, splits and a retirement of the same head: one wins, whichever it is."""
    world = supply.world
    buyer = world.signers["fab-andes"]
    head = supply.head("DORE-001")
    spends = []
    for n in range(ATTEMPTS):
        kind = n % 4
        if kind == 0:
            spends.append(
                buyer.entry(
                    "lot.shipped", {"lot_id": "DORE-001", "lot_head": head, "to": "refiner-alpes"}
                )
            )
        elif kind == 1:
            sealed, commitment = terms.seal(120_000_00 + n, "USD")
            body = {
                "lot_id": "DORE-001",
                "lot_head": head,
                "buyer": "trader-geneve",
                "terms_commitment": commitment,
            }
            spends.append(buyer.entry("lot.sold", body, private=sealed))
        elif kind == 2:
            outputs = [
                {"lot_id": f"PART-{n:03d}-A", "gross_mg": 400_000},
                {"lot_id": f"PART-{n:03d}-B", "gross_mg": 600_000},
            ]
            body = {"lot_id": "DORE-001", "lot_head": head, "outputs": outputs}
            spends.append(buyer.entry("lot.split", body))
        else:
            body = {"lot_id": "DORE-001", "lot_head": head, "reason": "lost"}
            spends.append(buyer.entry("lot.retired", body))
    before = _size(engine)

    winner = _exactly_one_won(app, engine, post_together(app, spends), before)

    lot = world.client.request("GET", "/api/v1/lots/DORE-001")["lot"]
    assert lot["head"] == winner["entry_hash"]
    assert lot["history"][-1] == winner["seq"]
    with reading(engine) as connection:
        records = list(log.stream(connection))
    assert [r.entry_hash for r in records].count(winner["entry_hash"]) == 1
