"""The workspace pages over HTTP: who may see them, what the home shows, English and Spanish,
and no inline script anywhere (a Content-Security-Policy without inline script holds)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from support import sign_in

from app import bootstrap, demo
from ledger.admission import REGISTRY
from ledger.client import Signer
from ledger.keys import PrivateKey


@pytest.fixture
def demo_app(app, tmp_path):
    operator = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(
        app.extensions["ledger"].engine, tmp_path / "demo-keys", operator, "test/log", demo.SEASONS
    )
    return app


def signed_in(app, tmp_path, party: str):
    """A test client carrying ``party``'s sign-in cookie, issued through the login form."""
    client = app.test_client()
    key = PrivateKey.from_pem((tmp_path / "demo-keys" / f"{party}.pem").read_bytes())
    sign_in(client, Signer(party, key))
    return client


class Scripts(HTMLParser):
    """Every script element and every inline event handler attribute of a page."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "script":
            self.scripts.append(found)
        self.handlers += [f"{tag}[{name}]" for name in found if name.lower().startswith("on")]
        self.handlers += [f"{tag}[{n}]" for n, v in attrs if (v or "").startswith("javascript:")]

    def handle_data(self, data):
        self.text.append(data)


def no_inline_script(html: str) -> str:
    page = Scripts()
    page.feed(html)
    assert page.handlers == []
    for script in page.scripts:
        assert "src" in script or script.get("type") == "application/json", script
    return " ".join(" ".join(page.text).split())


def test_anonymous_visitors_are_sent_to_sign_in(demo_app):
    response = demo_app.test_client().get("/workspace/sign/lot.received?lot_id=X")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/workspace/sign/lot.received")


def test_a_forged_or_unknown_cookie_signs_nobody_in(demo_app):
    client = demo_app.test_client()
    client.set_cookie("ledger_token", "aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb")
    assert client.get("/workspace").status_code == 302
    client.set_cookie("ledger_token", "not a token at all")
    assert client.get("/workspace").status_code == 302


def test_the_mines_home_shows_its_premiums_findings_and_actions(demo_app, tmp_path):
    client = signed_in(demo_app, tmp_path, "asmo-santa-rosa")
    response = client.get("/workspace", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    text = no_inline_script(response.get_data(as_text=True))
    assert "Minera Artesanal Santa Rosa" in text
    assert "Peru" in text
    assert "🇵🇪" in text
    assert "$4,400.00" in text  # the unpaid premium of the first season
    assert "Confirm a premium received" in text
    assert "Register a lot" in text
    assert "Refine lots" not in text  # not a mine's action
    assert "Nothing is on its way to you." in text


def test_the_refiners_home_lists_holdings_with_their_actions(demo_app, tmp_path):
    client = signed_in(demo_app, tmp_path, "refiner-alpes")
    html = client.get("/workspace").get_data(as_text=True)
    text = no_inline_script(html)
    assert "Refine lots" in text
    assert "Confirm a premium received" not in text
    assert "Affinerie des Alpes SA" in text
    assert "DORE-0003-001" in text
    assert "weight-discrepancy" in text
    jeweller = signed_in(demo_app, tmp_path, "jeweller-lumiere").get("/workspace")
    assert "No findings." in no_inline_script(jeweller.get_data(as_text=True))  # held no doré


def test_a_mine_sees_findings_on_the_lots_it_mined(demo_app, tmp_path):
    text = no_inline_script(
        signed_in(demo_app, tmp_path, "asmo-la-palma").get("/workspace").get_data(as_text=True)
    )
    assert "DORE-0002-002" in text
    assert "assay-discrepancy" in text


def test_spanish_from_the_browser_language_and_from_the_switcher(demo_app, tmp_path):
    client = signed_in(demo_app, tmp_path, "asmo-santa-rosa")
    spanish = no_inline_script(
        client.get("/workspace", headers={"Accept-Language": "es-CO,es;q=0.9"}).get_data(
            as_text=True
        )
    )
    assert "Espacio de trabajo" in spanish
    assert "Primas" in spanish
    assert "Perú" in spanish  # the country's name from pycountry's Spanish catalog
    assert "4.400,00" in spanish
    assert "US$" in spanish
    assert "Confirmar una prima recibida" in spanish

    switched = client.get("/language/es?next=/workspace")
    assert switched.status_code == 303
    assert switched.headers["Location"] == "/workspace"
    assert "Espacio de trabajo" in client.get("/workspace").get_data(as_text=True)
    client.get("/language/en?next=//evil.example/")
    english = client.get("/workspace", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Workspace" in english
    assert "Espacio de trabajo" not in english


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "/\t/evil.example",
     "javascript:alert(1)", "evil.example", "/%0d%0aSet-Cookie:x=1"],
)  # fmt: skip
def test_the_switcher_never_redirects_off_site(app, target):
    response = app.test_client().get("/language/es", query_string={"next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert "\n" not in location


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_form_page_of_a_role_renders_without_inline_script(demo_app, tmp_path, lang):
    client = signed_in(demo_app, tmp_path, "refiner-alpes")
    allowed = [n for n, t in REGISTRY.items() if "supplier" in t.roles]
    for name in allowed:
        response = client.get(f"/workspace/sign/{name}?lang={lang}")
        assert response.status_code == 200, name
        no_inline_script(response.get_data(as_text=True))


def test_a_form_outside_the_partys_roles_or_the_registry_is_refused(demo_app, tmp_path):
    client = signed_in(demo_app, tmp_path, "refiner-alpes")
    refused = client.get("/workspace/sign/premium.confirmed")
    assert refused.status_code == 403
    assert "may not state" in refused.get_data(as_text=True)
    assert client.get("/workspace/sign/no.such").status_code == 404
    assert client.get("/workspace/sign/ledger.genesis").status_code == 404


def test_arms_workspace_links_its_dashboard_and_offers_arms_entries(demo_app, tmp_path):
    client = signed_in(demo_app, tmp_path, "arm")
    html = client.get("/workspace?lang=es").get_data(as_text=True)
    text = no_inline_script(html)
    assert 'href="/arm/dashboard"' in html
    assert "Panel de primas" in text
    assert "Otorgar una autorización" in text
    assert "Registrar una organización" in text
    refiner = signed_in(demo_app, tmp_path, "refiner-alpes").get("/workspace")
    assert 'href="/arm/dashboard"' not in refiner.get_data(as_text=True)
