"""Public data, minimal by design: what anonymous readers get, and what no record ever says."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import Supply, csrf_token, sign_in

from app.db.store import SqlStore
from app.db.tables import private_data
from app.db.uow import reading
from ledger import terms
from ledger.client import LedgerHTTPError
from ledger.types.publication import is_public

LOT = "DORE-001"


@pytest.fixture
def supply(world):
    supply = Supply(world)
    supply.register_lot()
    sale = supply.sell()
    supply.obligation_id = f"PRM-{sale['seq']}"
    return supply


def _anonymous(client, lot_id: str = LOT) -> tuple[int, int]:
    return (
        client.get(f"/api/v1/lots/{lot_id}/bundle").status_code,
        client.get(f"/lots/{lot_id}").status_code,
    )


def test_a_lot_in_transit_is_not_public(world, client, supply, app):
    supply.ship(LOT, "asmo-iquira", "fab-andes")
    bundle = client.get(f"/api/v1/lots/{LOT}/bundle")
    assert bundle.status_code == 404
    assert bundle.mimetype == "application/problem+json"
    assert bundle.get_json() == client.get("/api/v1/lots/NO-SUCH-LOT/bundle").get_json() | {
        "detail": bundle.get_json()["detail"],
        "instance": bundle.get_json()["instance"],
    }
    page = client.get(f"/lots/{LOT}")
    assert page.status_code == 404
    assert "fab-andes" not in page.text
    assert "Fab Andes" not in page.text
    # Its readers (the custodian, the recipient, ARM) still get bundle and page.
    for party in ("asmo-iquira", "fab-andes", "arm"):
        reader = app.test_client()
        sign_in(reader, world.signers[party])
        seen = reader.get(f"/lots/{LOT}")
        assert seen.status_code == 200, party
        assert "This lot is not public" in seen.text
        headers = world.headers(party)
        assert client.get(f"/api/v1/lots/{LOT}/bundle", headers=headers).status_code == 200
    world.register("jeweller-x", ["licensee"])
    stranger = client.get(f"/api/v1/lots/{LOT}/bundle", headers=world.headers("jeweller-x"))
    assert stranger.status_code == 404


def test_publication_is_the_holders_and_ends_when_the_lot_moves(world, client, supply):
    assert _anonymous(client) == (404, 404)
    with pytest.raises(LedgerHTTPError) as refused:
        world.state("fab-andes", "lot.published", {"lot_id": LOT})
    assert refused.value.code == "not-holder"
    world.state("asmo-iquira", "lot.published", {"lot_id": LOT})
    assert _anonymous(client) == (200, 200)
    assert "This lot is not public" not in client.get(f"/lots/{LOT}").text
    supply.ship(LOT, "asmo-iquira", "fab-andes")
    assert _anonymous(client) == (404, 404)  # in transit: never public
    supply.receive(LOT, "fab-andes", 1_000_000)
    assert _anonymous(client) == (404, 404)  # the new holder has not published it
    world.state("fab-andes", "lot.published", {"lot_id": LOT})
    assert _anonymous(client) == (200, 200)


def test_no_bundle_or_record_carries_payment_evidence(world, client, supply, engine):
    supply.deliver(LOT, "asmo-iquira", "fab-andes", 1_000_000)
    supply.pay_and_confirm(supply.obligation_id, 528_000)
    world.state("fab-andes", "lot.published", {"lot_id": LOT})
    with reading(engine) as connection:
        private = [json.loads(r.data) for r in connection.execute(private_data.select())]
        sale = SqlStore(connection).find("sale", "seller", "asmo-iquira")[0]
        obligation = SqlStore(connection).get("obligation", supply.obligation_id)
    evidence = [p for p in private if "evidence" in p]
    assert evidence
    assert "terms" not in sale
    assert sale["terms_commitment"] == terms.commitment(next(p for p in private if "price" in p))
    (payment,) = obligation["payments"]
    assert payment["evidence_commitment"] == terms.evidence_commitment(evidence[0])
    texts = [
        client.get(f"/api/v1/lots/{LOT}/bundle").text,
        client.get(f"/lots/{LOT}").text,
        client.get(f"/api/v1/premiums/{supply.obligation_id}", headers=world.headers("arm")).text,
        client.get("/api/v1/log?limit=1000", headers=world.headers("arm")).text,
        client.get(f"/api/v1/lots/{LOT}/epcis", headers=world.headers("arm")).text,
    ]
    for text in texts:
        for item in evidence:
            assert item["evidence"] not in text
            assert item["salt"] not in text
    assert "SWIFT" not in texts[0]


def test_evidence_must_match_its_commitment(world, supply):
    supply.deliver(LOT, "asmo-iquira", "fab-andes", 1_000_000)
    evidence, _ = terms.seal_evidence("SWIFT 1")
    _, commitment = terms.seal_evidence("SWIFT 2")
    body = {
        "obligation_id": supply.obligation_id,
        "amount": 1,
        "currency": "USD",
        "paid_on": "2026-01-01",
        "evidence_commitment": commitment,
    }
    with pytest.raises(LedgerHTTPError) as refused:
        world.state("fab-andes", "premium.paid", body, private=evidence)
    assert refused.value.code == "evidence-mismatch"
    with pytest.raises(LedgerHTTPError) as missing:
        world.state("fab-andes", "premium.paid", body)
    assert missing.value.problem["pointer"] == "/private"


def test_existence_is_not_revealed_to_those_who_may_not_read(world, client, supply):
    world.register("jeweller-x", ["licensee"])
    headers = world.headers("jeweller-x")
    for real, fake in (
        (f"/api/v1/lots/{LOT}", "/api/v1/lots/NO-SUCH-LOT"),
        (f"/api/v1/premiums/{supply.obligation_id}", "/api/v1/premiums/PRM-999999"),
        (f"/api/v1/lots/{LOT}/epcis", "/api/v1/lots/NO-SUCH-LOT/epcis"),
        (f"/api/v1/lots/{LOT}/bundle", "/api/v1/lots/NO-SUCH-LOT/bundle"),
    ):
        a, b = client.get(real, headers=headers), client.get(fake, headers=headers)
        assert a.status_code == b.status_code == 404, real
        assert a.get_json()["code"] == b.get_json()["code"] == "not-found"
        assert a.get_json()["title"] == b.get_json()["title"]


LOT_STATES = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["held", "in_transit", "retired", "consumed"]),
        "holder": st.sampled_from(["a", "b"]),
        "claimed_by": st.sampled_from([None, "a", "b"]),
        "published_by": st.sampled_from([None, "a", "b"]),
    }
)


@given(LOT_STATES)
def test_public_means_published_by_the_holder_claimed_or_retired_and_never_in_transit(lot):
    public = is_public(lot)
    if lot["status"] == "in_transit":
        assert not public
    elif lot["status"] == "retired" or lot["claimed_by"]:
        assert public
    else:
        assert public == (lot["published_by"] == lot["holder"])


def test_a_cached_page_carries_nothing_of_an_earlier_visitor(world, client, supply, app):
    world.state("asmo-iquira", "lot.published", {"lot_id": LOT})
    reader = app.test_client()
    sign_in(reader, world.signers["arm"])
    signed_in = reader.get(f"/lots/{LOT}").text
    assert "Sign out" in signed_in
    token = csrf_token(signed_in)
    anonymous = client.get(f"/lots/{LOT}").text
    assert "Sign out" not in anonymous
    assert token not in anonymous
    assert 'class="signed-in"' not in anonymous
