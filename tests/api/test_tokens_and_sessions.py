"""Tokens die with their issuing key; web sessions live server-side, behind CSRF protection, and
send the browser on only to paths of this site."""

from __future__ import annotations

import string
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import csrf_token, sign_in

from app.db.tables import web_sessions
from app.db.uow import reading
from app.web.login import safe_next
from app.web_sessions import COOKIE
from ledger.client import LedgerClient
from ledger.keys import PrivateKey

HOLDINGS = "/api/v1/parties/fab-andes/holdings"


@pytest.fixture
def buyer(world):
    world.client.token = world.token("arm")
    world.register("fab-andes", ["first_buyer"])
    return world


def test_a_token_dies_with_the_key_that_issued_it(buyer, client):
    world = buyer
    old_key = world.signers["fab-andes"]
    bearer = world.token("fab-andes")
    assert client.get(HOLDINGS, headers=world.headers("fab-andes")).status_code == 200
    new_key = PrivateKey.generate()
    world.state(
        "fab-andes", "key.added", {"party_id": "fab-andes", "public_key": new_key.public.b64}
    )
    world.signers["fab-andes"] = type(old_key)("fab-andes", new_key)
    world.state(
        "fab-andes", "key.revoked", {"party_id": "fab-andes", "key_id": old_key.key.public.key_id}
    )
    refused = client.get(HOLDINGS, headers={"Authorization": f"Bearer {bearer}"})
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "authentication-required"
    assert "key that issued the token is revoked" in refused.get_json()["detail"]
    fresh = LedgerClient(world.client.transport).issue_token(world.signers["fab-andes"])
    assert client.get(HOLDINGS, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_a_party_lists_and_revokes_its_own_tokens(buyer, client):
    world = buyer
    bearer = world.token("fab-andes")
    token_id = bearer.split(".")[0]
    listed = client.get("/api/v1/parties/fab-andes/tokens", headers=world.headers("fab-andes"))
    assert listed.status_code == 200
    (token,) = listed.get_json()["items"]
    assert token["id"] == token_id
    assert token["key_id"] == world.signers["fab-andes"].key.public.key_id
    assert "secret_hash" not in token
    assert bearer.split(".")[1] not in listed.text
    world.register("refiner-alpes", ["supplier"])
    other = client.get("/api/v1/parties/fab-andes/tokens", headers=world.headers("refiner-alpes"))
    assert other.status_code == 403
    world.state("fab-andes", "token.revoked", {"token_id": token_id})
    assert client.get(HOLDINGS, headers={"Authorization": f"Bearer {bearer}"}).status_code == 401
    revoked = client.get("/api/v1/parties/fab-andes/tokens", headers=world.headers("arm"))
    assert revoked.get_json()["items"][0]["revoked_seq"] is not None


def _sessions(engine) -> list:
    with reading(engine) as connection:
        return list(connection.execute(select(web_sessions)))


def test_sign_in_keeps_a_server_side_session_and_sign_out_revokes_it(world, client, engine):
    token = sign_in(client, world.signers["arm"])
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    assert token not in cookie.value
    assert token.split(".")[1] not in cookie.value
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert [s.party for s in _sessions(engine) if s.revoked_at is None] == ["arm"]
    dashboard = client.get("/arm/dashboard")
    assert dashboard.status_code == 200
    assert "Sign out" in dashboard.text
    stolen = cookie.value
    out = client.post("/logout", data={"csrf_token": csrf_token(dashboard.text)})
    assert out.status_code == 303
    assert client.get_cookie(COOKIE) is None
    assert all(s.revoked_at is not None for s in _sessions(engine) if s.party == "arm")
    client.set_cookie(COOKIE, stolen)  # a copied cookie dies with the session
    assert client.get("/arm/dashboard").status_code == 302


def test_a_session_dies_with_its_token(world, client):
    token = sign_in(client, world.signers["arm"])
    assert client.get("/arm/dashboard").status_code == 200
    world.state("arm", "token.revoked", {"token_id": token.split(".")[0]})
    assert client.get("/arm/dashboard").status_code == 302


def test_login_needs_the_forms_csrf_token(world, client, app):
    token = LedgerClient(world.client.transport).issue_token(world.signers["arm"])
    forged = client.post("/login", data={"token": token, "next": "/arm/dashboard"})
    assert forged.status_code == 400
    assert forged.mimetype == "application/problem+json"
    assert forged.get_json()["code"] == "csrf-failed"
    assert client.get_cookie(COOKIE) is None
    other = app.test_client()  # another browser's token is worth nothing here
    stolen = csrf_token(other.get("/login").text)
    client.get("/login")
    cross = client.post("/login", data={"token": token, "csrf_token": stolen})
    assert cross.status_code == 400
    assert client.get("/arm/dashboard").status_code == 302
    signed_out = client.post("/logout")
    assert signed_out.status_code == 400


def test_sign_in_issues_a_new_session_id(world, client):
    client.get("/login")
    planted = client.get_cookie(COOKIE).value
    sign_in(client, world.signers["arm"])
    assert client.get_cookie(COOKIE).value != planted
    client.set_cookie(COOKIE, planted)
    assert client.get("/arm/dashboard").status_code == 302


OPEN_REDIRECTS = [
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    " //evil.example",
    "///evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_never_leaves_the_site(world, client, target):
    token = LedgerClient(world.client.transport).issue_token(world.signers["arm"])
    form = client.get("/login", query_string={"next": target})
    assert 'name="next" value="/workspace"' in form.text
    response = client.post(
        "/login", data={"token": token, "next": target, "csrf_token": csrf_token(form.text)}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/workspace"


def test_next_keeps_a_path_of_the_site(world, client):
    token = LedgerClient(world.client.transport).issue_token(world.signers["arm"])
    form = client.get("/login")
    target = "/arm/dashboard?period=quarter&asmo=asmo-1"
    response = client.post(
        "/login", data={"token": token, "next": target, "csrf_token": csrf_token(form.text)}
    )
    assert response.headers["Location"] == target


@settings(
    max_examples=400,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list("/\\:.@%?#"))))
def test_safe_next_only_ever_yields_a_path_of_this_site(app, target):
    with app.test_request_context():
        result = safe_next(target)
        if result == target:
            parts = urlsplit(result)
            assert result.startswith("/")
            assert not result.startswith("//")
            assert not parts.scheme
            assert not parts.netloc
            assert "\\" not in result
            assert all(c in string.printable and c not in "\t\n\r\x0b\x0c " for c in result)


STEPS = st.lists(
    st.sampled_from(["issue", "add-key", "revoke-key", "revoke-token"]), min_size=1, max_size=8
)
PARTIES = iter(range(10**6))


@settings(
    max_examples=12,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_a_token_works_exactly_while_it_and_its_issuing_key_are_live(buyer, client, steps):
    """Model: a token is accepted iff it is not revoked and the key that issued it is active."""
    world = buyer
    party = f"party-{next(PARTIES)}"
    world.register(party, ["supplier"])
    keys = [world.signers[party]]  # active keys, newest last
    tokens: dict[str, tuple[str, bool]] = {}  # bearer -> (issuing key id, revoked)
    revoked_keys: set[str] = set()
    for step in steps:
        signer = keys[-1]
        if step == "issue":
            bearer = LedgerClient(world.client.transport).issue_token(signer)
            tokens[bearer] = (signer.key.public.key_id, False)
        elif step == "add-key":
            new = PrivateKey.generate()
            world.client.state(
                signer, "key.added", {"party_id": party, "public_key": new.public.b64}
            )
            keys.append(type(signer)(party, new))
        elif step == "revoke-key" and len(keys) > 1:
            old = keys.pop(0)
            world.client.state(
                keys[-1], "key.revoked", {"party_id": party, "key_id": old.key.public.key_id}
            )
            revoked_keys.add(old.key.public.key_id)
        elif step == "revoke-token":
            live = [b for b, (_, gone) in tokens.items() if not gone]
            if live:
                world.client.state(signer, "token.revoked", {"token_id": live[0].split(".")[0]})
                tokens[live[0]] = (tokens[live[0]][0], True)
    for bearer, (key_id, gone) in tokens.items():
        status = client.get(
            f"/api/v1/parties/{party}/holdings", headers={"Authorization": f"Bearer {bearer}"}
        ).status_code
        assert status == (401 if gone or key_id in revoked_keys else 200), (steps, key_id)
