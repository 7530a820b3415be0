"""Witnesses: keys of their own, only verified cosignatures kept, and a witness that runs.

On SQLite and PostgreSQL. A hostile POST of cosignatures must never change what a reader of a
checkpoint or a bundle gets.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Supply, text_transport

from app import checkpoints
from app.db.uow import reading
from ledger import witness
from ledger.bundle import verify_bundle
from ledger.checkpoint import (
    Checkpoint,
    cosign,
    cosigner_key,
    open_checkpoint,
    parse_checkpoint,
    parse_cosigner_key,
)
from ledger.client import LedgerHTTPError
from ledger.keys import PrivateKey, b64encode
from ledger.note import SIGNATURE_PREFIX, add_signature, parse_note, parse_verifier_key

NAME = "witness.arm.example/gold-ledger"
OTHER = "witness.jeweller.example/w1"


@pytest.fixture
def witnessed(world):
    """A ledger with a public ring-like lot, ARM's witness and a second witness registered."""
    supply = Supply(world)
    supply.register_lot()
    world.state("asmo-iquira", "lot.published", {"lot_id": "DORE-001"})
    keys = {NAME: PrivateKey.generate(), OTHER: PrivateKey.generate()}
    world.state(
        "arm",
        "witness.registered",
        {"party_id": "arm", "verifier_key": cosigner_key(NAME, keys[NAME].public.raw)},
    )
    world.state(
        "arm",
        "witness.registered",
        {"party_id": "jeweller-oro", "verifier_key": cosigner_key(OTHER, keys[OTHER].public.raw)},
    )
    return keys


def _operator(client):
    return parse_verifier_key(client.get("/api/v1/verifier-key").text.strip())


def _post(client, size: int, note: str):
    return client.post(
        f"/api/v1/checkpoints/{size}/cosignatures", data=note, content_type="text/plain"
    )


def _latest(client) -> tuple[str, Checkpoint]:
    note = client.get("/api/v1/checkpoint").text
    return note, parse_checkpoint(parse_note(note)[0])


def _forged_line(name: str) -> str:
    """A cosignature line naming witness ``name`` with a random key hash and signature."""
    return f"{SIGNATURE_PREFIX}{name} {b64encode(os.urandom(4 + 8 + 64))}"


def _with_forged_line_first(valid: str, name: str) -> str:
    """``valid`` (a cosigned note) with a forged line of ``name`` before its real lines."""
    text, _, lines = valid.partition("\n\n")
    operator, *rest = lines.rstrip("\n").split("\n")
    return text + "\n\n" + "\n".join([operator, _forged_line(name), *rest]) + "\n"


def test_a_forged_line_before_a_valid_copy_is_refused_and_changes_nothing(world, client, witnessed):
    note, cp = _latest(client)
    operator = _operator(client)
    hostile = _with_forged_line_first(cosign(note, None, [], NAME, witnessed[NAME], operator), NAME)
    before = client.get(f"/api/v1/checkpoints/{cp.size}").text
    bundle_before = client.get("/api/v1/lots/DORE-001/bundle").text
    refused = _post(client, cp.size, hostile)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["code"] == "invalid-cosignature"
    assert client.get(f"/api/v1/checkpoints/{cp.size}").text == before
    assert client.get("/api/v1/lots/DORE-001/bundle").text == bundle_before
    witnesses = [parse_cosigner_key(cosigner_key(NAME, witnessed[NAME].public.raw))]
    verify_bundle(json.loads(bundle_before), operator, witnesses)


def test_a_hundred_posts_keep_one_line_per_witness_key(world, client, witnessed):
    note, cp = _latest(client)
    operator = _operator(client)
    ok = _post(client, cp.size, cosign(note, None, [], NAME, witnessed[NAME], operator))
    assert ok.status_code == 200, ok.text
    valid = cosign(note, None, [], NAME, witnessed[NAME], operator)
    hostile = [
        lambda: _with_forged_line_first(valid, NAME),  # a new forged line before a valid copy
        lambda: cosign(note, None, [], NAME, PrivateKey.generate(), operator),  # unknown key
        lambda: add_signature(note, "someone.example/w", PrivateKey.generate()),
        lambda: valid.replace(cp.origin, "other", 1),  # another text
        lambda: note,  # nothing new
        lambda: "not a note",
    ]
    for number in range(100):
        if number % 10 == 9:  # a fresh valid cosignature replaces the old one
            response = _post(
                client, cp.size, cosign(note, None, [], NAME, witnessed[NAME], operator)
            )
            assert response.status_code == 200
        else:
            response = _post(client, cp.size, hostile[number % len(hostile)]())
            assert response.status_code in (400, 422), response.text
            assert response.mimetype == "application/problem+json"
    stored = client.get(f"/api/v1/checkpoints/{cp.size}").text
    _, signatures = parse_note(stored)
    assert [s.name for s in signatures] == [cp.origin, NAME]
    both = _post(client, cp.size, cosign(stored, None, [], OTHER, witnessed[OTHER], operator))
    assert both.status_code == 200, both.text
    keys = [parse_cosigner_key(cosigner_key(n, k.public.raw)) for n, k in witnessed.items()]
    _, names = open_checkpoint(client.get(f"/api/v1/checkpoints/{cp.size}").text, operator, keys)
    assert sorted(names) == sorted(witnessed)
    assert len(parse_note(client.get("/api/v1/checkpoint").text)[1]) == 1 + len(witnessed)


def test_a_revoked_witness_key_is_no_longer_accepted(world, client, witnessed):
    note, cp = _latest(client)
    verifier_key = cosigner_key(NAME, witnessed[NAME].public.raw)
    world.state("arm", "witness.revoked", {"party_id": "arm", "verifier_key": verifier_key})
    note, cp = _latest(client)
    cosigned = cosign(note, None, [], NAME, witnessed[NAME], _operator(client))
    assert _post(client, cp.size, cosigned).status_code == 422


def test_witness_and_entry_keys_are_never_the_same(world, client, witnessed):
    arm_entry_key = world.signers["arm"].key
    with pytest.raises(LedgerHTTPError) as reused:
        world.state(
            "arm",
            "witness.registered",
            {
                "party_id": "arm",
                "verifier_key": cosigner_key("w.arm.example", arm_entry_key.public.raw),
            },
        )
    assert reused.value.code == "key-reuse"
    with pytest.raises(LedgerHTTPError) as reused:
        world.state(
            "arm", "key.added", {"party_id": "arm", "public_key": witnessed[NAME].public.b64}
        )
    assert reused.value.code == "key-reuse"
    with pytest.raises(LedgerHTTPError) as foreign:
        world.state(
            "fab-andes",
            "witness.registered",
            {"party_id": "arm", "verifier_key": cosigner_key("w.x.example", b"\1" * 32)},
        )
    assert foreign.value.code == "not-own-witness"


def test_a_witness_takes_neither_the_logs_name_nor_a_malformed_one(world, client, witnessed):
    for name, code in (("test.gold-ledger/log", "invalid-entry"), ("arm", "invalid-entry")):
        key = cosigner_key(name, PrivateKey.generate().public.raw)
        with pytest.raises(LedgerHTTPError) as refused:
            world.state("arm", "witness.registered", {"party_id": "arm", "verifier_key": key})
        assert refused.value.code == code
        assert refused.value.problem["pointer"] == "/body/verifier_key"


def test_the_witness_command_cosigns_keeps_its_state_and_refuses_a_fork(
    world, client, witnessed, tmp_path
):
    state = tmp_path / "witness-state.json"
    operator = _operator(client)
    transport = text_transport(client)
    first = witness.witness_once(transport, state, NAME, witnessed[NAME], operator)
    assert first.outcome == "cosigned"
    assert witness.load_state(state).size == first.size
    again = witness.witness_once(transport, state, NAME, witnessed[NAME], operator)
    assert again.outcome == "unchanged"
    world.token("fab-andes")  # the log grows
    client.application.config["CHECKPOINT_MAX_AGE_SECONDS"] = 0
    grown = witness.witness_once(transport, state, NAME, witnessed[NAME], operator)
    assert grown.outcome == "cosigned"
    assert grown.size > first.size  # checked with a consistency proof from the saved tree
    keys = [parse_cosigner_key(cosigner_key(NAME, witnessed[NAME].public.raw))]
    _, names = open_checkpoint(client.get("/api/v1/checkpoint").text, operator, keys)
    assert names == [NAME]
    # A witness whose saved tree the log does not extend (a fork) refuses and posts nothing.
    saved = witness.load_state(state)
    witness.save_state(state, Checkpoint(saved.origin, saved.size, bytes(32)))
    world.token("refiner-alpes")
    with pytest.raises(witness.WitnessError, match="refusing to cosign"):
        witness.witness_once(transport, state, NAME, witnessed[NAME], operator)
    assert open_checkpoint(client.get("/api/v1/checkpoint").text, operator, keys)[1] == []
    assert witness.load_state(state).root == bytes(32)


def test_the_service_checks_the_registered_witness_keys(world, engine, witnessed):
    with reading(engine) as connection:
        names = sorted(w.name for w in checkpoints.witness_verifiers(connection))
        runs = checkpoints.witness_parties(connection)
    assert names == sorted(witnessed)
    assert runs == {NAME: "arm", OTHER: "jeweller-oro"}


POSTS = st.lists(
    st.tuples(
        st.sampled_from(["valid", "stranger", "forged-first", "unknown-name", "both"]),
        st.sampled_from([NAME, OTHER]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(posts=POSTS)
def test_no_sequence_of_posts_makes_a_checkpoint_unreadable(world, client, witnessed, posts):
    """Whatever is posted, the stored note opens for every reader, holds at most one line per
    witness key, and changes only by a post whose every line verifies."""
    note, cp = _latest(client)
    operator = _operator(client)
    keys = [parse_cosigner_key(cosigner_key(n, k.public.raw)) for n, k in witnessed.items()]
    for kind, name in posts:
        before = client.get(f"/api/v1/checkpoints/{cp.size}").text
        valid = cosign(note, None, [], name, witnessed[name], operator)
        posted = {
            "valid": valid,
            "stranger": cosign(note, None, [], name, PrivateKey.generate(), operator),
            "forged-first": _with_forged_line_first(valid, name),
            "unknown-name": add_signature(valid, "nobody.example/w", PrivateKey.generate()),
            "both": cosign(
                valid,
                None,
                [],
                OTHER if name == NAME else NAME,
                witnessed[OTHER if name == NAME else NAME],
                operator,
            ),
        }[kind]
        response = _post(client, cp.size, posted)
        after = client.get(f"/api/v1/checkpoints/{cp.size}").text
        if kind in ("valid", "both"):
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 422
            assert after == before
        _, names = open_checkpoint(after, operator, keys)
        _, lines = parse_note(after)
        assert len(lines) <= 1 + len(witnessed)
        assert len({(s.name, s.key_hash) for s in lines}) == len(lines)
        assert set(names) == {s.name for s in lines[1:]}
