"""Submitting entries over HTTP: appends, idempotency, and every kind of bad input."""

from __future__ import annotations

import json

import pytest

from app.db import log
from app.db.uow import reading
from ledger.client import LedgerHTTPError, Signer
from ledger.entry import sign_entry
from ledger.keys import PrivateKey
from ledger.problem_codes import PROBLEMS
from ledger.timefmt import now


def _size(world) -> int:
    with reading(world.engine) as connection:
        return log.head(connection)[0]


def _party_body(party_id: str = "asmo-la-llanada", key: PrivateKey | None = None) -> dict:
    key = key or PrivateKey.generate()
    return {
        "party_id": party_id,
        "name": "La Llanada",
        "country": "CO",
        "roles": ["asmo"],
        "public_key": key.public.b64,
    }


def _post(client, document, content_type="application/json"):
    data = document if isinstance(document, (bytes, str)) else json.dumps(document)
    return client.post("/api/v1/entries", data=data, content_type=content_type)


def _assert_problem(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == code
    assert problem["status"] == status
    assert problem["type"] == f"/problems/{code}"
    assert problem["title"] == PROBLEMS[code].title
    assert problem["detail"]
    return problem


def test_append_returns_the_chained_record(world, client):
    headers = world.headers()  # ARM's API token: its token.issued entry is seq 2
    entry = world.signers["arm"].entry("party.registered", _party_body())
    response = _post(client, entry)
    assert response.status_code == 201
    record = response.get_json()
    assert record["seq"] == 3
    assert record["entry"] == entry
    previous = client.get("/api/v1/log/2", headers=headers).get_json()
    assert record["prev_hash"] == previous["entry_hash"]
    assert client.get("/api/v1/log/head").get_json() == {
        "size": 3,
        "head_hash": record["entry_hash"],
    }
    assert (
        client.get(f"/api/v1/log/by-hash/{record['entry_hash']}", headers=headers).get_json()["seq"]
        == 3
    )
    party = client.get("/api/v1/parties/asmo-la-llanada").get_json()
    assert party["roles"] == ["asmo"]
    assert party["keys"][0]["public_key"] == entry["body"]["public_key"]


def test_resending_the_same_entry_returns_the_original(world, client):
    entry = world.signers["arm"].entry("party.registered", _party_body())
    first = _post(client, entry)
    again = _post(client, entry)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert _size(world) == 2


def test_same_nonce_with_other_content_is_a_conflict(world, client):
    entry = world.signers["arm"].entry("party.registered", _party_body())
    _post(client, entry)
    other = world.signers["arm"].entry(
        "party.registered", _party_body("asmo-other"), nonce=entry["nonce"]
    )
    _assert_problem(_post(client, other), 409, "nonce-reused")
    assert _size(world) == 2


def test_log_pages(world, client):
    world.headers()  # seq 2: ARM's API token
    for index in range(4):
        world.state("arm", "party.registered", _party_body(f"asmo-{index:03d}"))
    page = client.get("/api/v1/log?start=2&limit=3", headers=world.headers()).get_json()
    assert [r["seq"] for r in page["records"]] == [2, 3, 4]
    assert page["next"] == 5
    last = client.get("/api/v1/log?start=5&limit=3", headers=world.headers()).get_json()
    assert [r["seq"] for r in last["records"]] == [5, 6]
    assert last["next"] is None


def _signed(world, **changes) -> dict:
    entry = world.signers["arm"].entry("party.registered", _party_body())
    entry.update(changes)
    return entry


BAD_DOCUMENTS = {
    "malformed json": (b'{"type": "party.registered",', 400, "malformed-json"),
    "duplicate member": (b'{"a": 1, "a": 2}', 400, "malformed-json"),
    "nan": (b'{"a": NaN}', 400, "malformed-json"),
    "not an object": (b"[1, 2, 3]", 422, "invalid-entry"),
    "invalid utf-8": (b'{"a": "\xff"}', 400, "malformed-json"),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
def test_malformed_documents_are_refused(world, client, case):
    document, status, code = BAD_DOCUMENTS[case]
    _assert_problem(_post(client, document), status, code)
    assert _size(world) == 1


def test_wrong_media_type_is_refused(world, client):
    entry = _signed(world)
    _assert_problem(_post(client, json.dumps(entry), "text/plain"), 415, "unsupported-media-type")
    assert _size(world) == 1


def test_oversized_body_is_refused(world, client, app):
    padding = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    _assert_problem(_post(client, {"padding": padding}), 413, "too-large")
    assert _size(world) == 1


def test_unknown_envelope_member_is_refused(world, client):
    problem = _assert_problem(_post(client, _signed(world, extra=1)), 422, "invalid-entry")
    assert "extra" in json.dumps(problem)
    assert _size(world) == 1


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("seq", None),
        ("actor", 7),
        ("created_at", "yesterday"),
        ("nonce", "short"),
        ("body", "text"),
        ("signature", "abc"),
        ("key_id", "X" * 32),
    ],
)
def test_wrong_types_in_the_envelope_are_refused(world, client, member, value):
    entry = _signed(world)
    if value is None:
        entry.pop("type")
    else:
        entry[member] = value
    _assert_problem(_post(client, entry), 422, "invalid-entry")
    assert _size(world) == 1


def test_unknown_body_member_is_refused_with_a_pointer(world, client):
    body = {**_party_body(), "colour": "gold"}
    entry = world.signers["arm"].entry("party.registered", body)
    problem = _assert_problem(_post(client, entry), 422, "invalid-entry")
    assert problem["pointer"] == "/body/colour"
    assert _size(world) == 1


def test_float_in_signed_body_is_refused(world, client):
    # A client that signs a float: the core refuses it before anything else happens.
    key = world.signers["arm"].key
    raw = {
        "type": "party.registered",
        "actor": "arm",
        "key_id": key.key_id,
        "created_at": now(),
        "nonce": "f" * 20,
        "body": {**_party_body(), "mass": 1.5},
        "signature": "A" * 86 + "==",
    }
    problem = _assert_problem(_post(client, raw), 422, "invalid-entry")
    assert problem["pointer"] in {"/body/mass", "/body"}
    assert _size(world) == 1


def test_unknown_actor_is_refused(world, client):
    stranger = Signer("nobody-known", PrivateKey.generate())
    entry = stranger.entry(
        "key.added", {"party_id": "nobody-known", "public_key": PrivateKey.generate().public.b64}
    )
    _assert_problem(_post(client, entry), 403, "unknown-actor")
    assert _size(world) == 1


def test_bad_signature_is_refused(world, client):
    entry = _signed(world)
    entry["body"]["name"] = "Changed After Signing"
    _assert_problem(_post(client, entry), 403, "bad-signature")
    assert _size(world) == 1


def test_key_of_another_party_is_refused(world, client):
    world.register("asmo-one", ["asmo"])
    mine = world.register("asmo-two", ["asmo"])
    entry = sign_entry(
        mine.key,
        type="key.added",
        actor="asmo-one",
        created_at=now(),
        body={"party_id": "asmo-one", "public_key": PrivateKey.generate().public.b64},
    )
    before = _size(world)
    _assert_problem(_post(client, entry), 403, "wrong-key")
    assert _size(world) == before


def test_unregistered_key_is_refused(world, client):
    world.register("asmo-one", ["asmo"])
    entry = Signer("asmo-one", PrivateKey.generate()).entry(
        "key.added", {"party_id": "asmo-one", "public_key": PrivateKey.generate().public.b64}
    )
    before = _size(world)
    _assert_problem(_post(client, entry), 403, "unknown-key")
    assert _size(world) == before


def test_rotation_then_the_revoked_key_is_refused(world, client):
    old = world.register("asmo-one", ["asmo"])
    new = Signer("asmo-one", PrivateKey.generate())
    world.state("asmo-one", "key.added", {"party_id": "asmo-one", "public_key": new.key.public.b64})
    world.signers["asmo-one"] = new
    world.state(
        "asmo-one",
        "key.revoked",
        {"party_id": "asmo-one", "key_id": old.key.key_id, "reason": "rotation"},
    )
    before = _size(world)
    late = old.entry(
        "key.added", {"party_id": "asmo-one", "public_key": PrivateKey.generate().public.b64}
    )
    _assert_problem(_post(client, late), 403, "revoked-key")
    assert _size(world) == before
    keys = client.get("/api/v1/parties/asmo-one").get_json()["keys"]
    assert {k["id"]: k["revoked_seq"] is not None for k in keys} == {
        old.key.key_id: True,
        new.key.key_id: False,
    }


def test_last_key_cannot_be_revoked_by_its_party(world):
    signer = world.register("asmo-one", ["asmo"])
    with pytest.raises(LedgerHTTPError) as refused:
        world.state(
            "asmo-one", "key.revoked", {"party_id": "asmo-one", "key_id": signer.key.key_id}
        )
    assert refused.value.code == "last-key"


def test_role_is_enforced(world, client):
    mine = world.register("asmo-one", ["asmo"])
    entry = mine.entry("party.registered", _party_body("asmo-fake"))
    before = _size(world)
    _assert_problem(_post(client, entry), 403, "role-not-allowed")
    assert _size(world) == before


def test_future_and_stale_entries_are_refused(world, client):
    future = world.signers["arm"].entry(
        "party.registered", _party_body(), created_at="2999-01-01T00:00:00Z"
    )
    _assert_problem(_post(client, future), 422, "clock-skew")
    stale = world.signers["arm"].entry(
        "party.registered", _party_body(), created_at="2001-01-01T00:00:00Z"
    )
    _assert_problem(_post(client, stale), 422, "entry-too-old")
    assert _size(world) == 1


def test_second_genesis_is_refused(world, client):
    operator = world.signers["operator"]
    entry = operator.entry(
        "ledger.genesis",
        {
            "origin": "x/log",
            "operator": {
                "party_id": "operator",
                "name": "Op",
                "country": "CH",
                "public_key": operator.key.public.b64,
            },
            "arm": {
                "party_id": "arm2",
                "name": "ARM",
                "country": "CO",
                "public_key": PrivateKey.generate().public.b64,
            },
            "params": {
                "receipt_tolerance_bp": 10,
                "refining_loss_max_bp": 100,
                "assay_split_limit_bp": 5,
                "price_floor_bp": 9500,
                "premium_overdue_days": 30,
            },
        },
    )
    _assert_problem(_post(client, entry), 409, "genesis-only-first")
    assert _size(world) == 1


def test_unknown_routes_and_records_are_problems(world, client):
    _assert_problem(client.get("/api/v1/log/999", headers=world.headers()), 404, "not-found")
    _assert_problem(client.get("/api/v1/log/1"), 401, "authentication-required")
    _assert_problem(client.get("/api/v1/nothing-here"), 404, "not-found")
    _assert_problem(client.get("/api/v1/log?limit=0"), 422, "invalid-request")
    _assert_problem(client.delete("/api/v1/entries"), 405, "method-not-allowed")


@pytest.mark.parametrize("size", [0, 2**63, 76224391447467704320])
def test_a_proof_at_a_size_no_log_can_reach_is_a_client_error(world, client, size):
    """Sizes beyond what a BIGINT column holds never reach a query (no 500)."""
    answer = client.get(f"/api/v1/proofs/inclusion/1?size={size}")
    _assert_problem(answer, 422, "invalid-request")
