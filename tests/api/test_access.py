"""Access control: public reads need nothing; every other read needs a token of a party the
policy names; nobody reads another party's prices; tokens are issued and revoked by entries."""

from __future__ import annotations

import json

import pytest
from support import Supply

from app.db.tables import private_data
from app.db.uow import reading


@pytest.fixture
def supply(world):
    supply = Supply(world)
    supply.register_lot()
    sale = supply.sell()
    supply.deliver("DORE-001", "asmo-iquira", "fab-andes", 1_000_000)
    supply.obligation_id = f"PRM-{sale['seq']}"
    world.register("jeweller-other", ["licensee"], country="IT")
    return supply


def _status(client, path, world, party=None) -> int:
    headers = world.headers(party) if party else {}
    return client.get(path, headers=headers).status_code


PUBLIC = [
    "/api/v1/parties",
    "/api/v1/parties/asmo-iquira",
    "/api/v1/parties/asmo-iquira/certificates",
    "/api/v1/log/head",
    "/api/v1/checkpoint",
    "/api/v1/verifier-key",
    "/api/v1/proofs/inclusion/3",
    "/api/v1/entry-types",
    "/api/v1/healthz",
    "/api/openapi.json",
]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_reads_need_no_token(world, client, supply, path):
    assert _status(client, path, world) == 200


def test_anonymous_private_reads_are_401_with_a_challenge(world, client, supply):
    for path in [
        "/api/v1/lots/DORE-001",
        "/api/v1/lots/NO-SUCH-LOT",
        "/api/v1/log/1",
        "/api/v1/parties/fab-andes/holdings",
        f"/api/v1/premiums/{supply.obligation_id}",
    ]:
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["code"] == "authentication-required"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("party", "lot", "holdings", "premium", "log"),
    [
        ("arm", 200, 200, 200, 200),
        ("asmo-iquira", 200, 403, 200, 403),
        ("fab-andes", 200, 200, 200, 403),
        ("refiner-alpes", 404, 403, 404, 403),
        ("jeweller-other", 404, 403, 404, 403),
        ("certifier-one", 200, 403, 404, 200),
    ],
)
def test_cross_party_reads(world, client, supply, party, lot, holdings, premium, log):
    """A lot or obligation the caller may not read is a 404, exactly as a missing one."""
    assert _status(client, "/api/v1/lots/DORE-001", world, party) == lot
    assert _status(client, "/api/v1/parties/fab-andes/holdings", world, party) == holdings
    assert _status(client, "/api/v1/parties/fab-andes/incoming", world, party) == holdings
    assert _status(client, f"/api/v1/premiums/{supply.obligation_id}", world, party) == premium
    assert _status(client, "/api/v1/log?limit=5", world, party) == log


def test_a_party_reads_its_own_holdings_and_premiums(world, client, supply):
    own = client.get("/api/v1/parties/asmo-iquira/premiums", headers=world.headers("asmo-iquira"))
    assert [o["id"] for o in own.get_json()["items"]] == [supply.obligation_id]
    theirs = client.get(
        "/api/v1/parties/asmo-iquira/premiums", headers=world.headers("refiner-alpes")
    )
    assert theirs.status_code == 403
    assert theirs.get_json()["code"] == "forbidden"


def test_no_response_carries_a_sale_price(world, client, supply, engine):
    with reading(engine) as connection:
        terms = [json.loads(r.data) for r in connection.execute(private_data.select())]
    assert terms
    paths = [
        *PUBLIC,
        "/api/v1/lots/DORE-001",
        "/api/v1/log?limit=1000",
        f"/api/v1/premiums/{supply.obligation_id}",
        "/api/v1/parties/fab-andes/holdings",
        "/api/v1/lots/DORE-001/bundle",
    ]
    for path in paths:
        text = client.get(path, headers=world.headers("arm")).get_data(as_text=True)
        for term in terms:
            assert term["salt"] not in text, path
            assert str(term["price"]) not in text, path


def test_bad_revoked_and_foreign_tokens_are_refused(world, client, supply):
    bearer = world.token("refiner-alpes")
    for header in ["Bearer nonsense", "Basic abc", f"Bearer {bearer[:17]}{'x' * 43}"]:
        response = client.get(
            "/api/v1/parties/refiner-alpes/holdings", headers={"Authorization": header}
        )
        assert response.status_code == 401, header
    ok = client.get(
        "/api/v1/parties/refiner-alpes/holdings", headers=world.headers("refiner-alpes")
    )
    assert ok.status_code == 200
    world.state("refiner-alpes", "token.revoked", {"token_id": bearer.split(".")[0]})
    revoked = client.get(
        "/api/v1/parties/refiner-alpes/holdings", headers={"Authorization": f"Bearer {bearer}"}
    )
    assert revoked.status_code == 401
    assert "revoked" in revoked.get_json()["detail"]


def test_a_party_cannot_revoke_another_partys_token(world, supply):
    from ledger.client import LedgerHTTPError

    bearer = world.token("fab-andes")
    with pytest.raises(LedgerHTTPError) as refused:
        world.state("refiner-alpes", "token.revoked", {"token_id": bearer.split(".")[0]})
    assert refused.value.code == "not-own-token"


def test_token_lifetime_is_bounded(world, supply):
    from ledger.client import LedgerHTTPError

    with pytest.raises(LedgerHTTPError) as refused:
        world.state(
            "fab-andes",
            "token.issued",
            {"token_id": "a" * 16, "secret_hash": "b" * 64, "expires_at": "2099-01-01T00:00:00Z"},
        )
    assert refused.value.problem["pointer"] == "/body/expires_at"
