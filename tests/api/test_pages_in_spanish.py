"""Every page in Spanish as well as English: the landing page, sign-in, 404, a lot's provenance
page and certificate, and ARM's dashboard; money, masses and dates per locale, countries by
pycountry."""

from __future__ import annotations

import html as entities
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from support import sign_in

from app import bootstrap, demo
from ledger.client import Signer

RING = "RING-2026-0001"
CATALOG = Path(__file__).resolve().parents[2] / "app/translations/es/LC_MESSAGES/messages.po"
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PAGES = ("/", "/login", "/no/such/page", f"/lots/{RING}", f"/lots/{RING}/certificate")


@pytest.fixture
def demo_data(app, tmp_path):
    key = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(app.extensions["ledger"].engine, tmp_path / "keys", key, "test/log")
    return app


def _catalog() -> list:
    with CATALOG.open("rb") as handle:
        return [m for m in read_po(handle) if m.id]


def _plain_messages() -> dict[str, str]:
    """Catalog messages without placeholders whose Spanish differs from the English, long
    enough to be recognised in a page (short words like "No" or "to" occur in both)."""
    return {
        m.id: m.string
        for m in _catalog()
        if isinstance(m.id, str) and "%(" not in m.id and len(m.id) >= 12
        if m.string != m.id
    }


def _parts_of_longer() -> set[str]:
    """Messages that are also part of a longer message."""
    texts = [t for m in _catalog() for t in ([m.id] if isinstance(m.id, str) else m.id)]
    return {a for a in texts if any(a in b and a != b for b in texts)}


def _text(page: str) -> str:
    """The visible text of a page in its own language (quotations marked ``lang="en"``, such as
    the claim text a credit retirement states, left out), whitespace folded, entities decoded."""
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<q lang="en"[^>]*>.*?</q>', " ", page, flags=re.S)
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _both(client, path: str) -> tuple[str, str]:
    joiner = "&" if "?" in path else "?"
    english = client.get(f"{path}{joiner}lang=en", headers=BROWSER)
    spanish = client.get(f"{path}{joiner}lang=es", headers=BROWSER)
    assert english.status_code == spanish.status_code, path
    assert '<html lang="es">' in spanish.text
    return _text(english.text), _text(spanish.text)


def _assert_translated(english: str, spanish: str, path: str) -> None:
    shown = {en: es for en, es in _plain_messages().items() if en in english}
    parts = _parts_of_longer()
    assert shown, f"no catalog message found on {path}"
    for en, es in shown.items():
        assert en not in spanish, (path, en)
        if en not in parts:  # a message inside a longer one may be translated as part of it
            assert " ".join(es.split()) in spanish, (path, es)


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_speak_spanish(demo_data, client, path):
    english, spanish = _both(client, path)
    _assert_translated(english, spanish, path)


def test_dashboard_speaks_spanish(demo_data, client, tmp_path):
    sign_in(client, Signer("arm", bootstrap.load_or_create_key(tmp_path / "keys" / "arm.pem")))
    english, spanish = _both(client, "/arm/dashboard?as_of=2027-11-01")
    _assert_translated(english, spanish, "/arm/dashboard")
    assert "Perú" in spanish
    assert "Peru" in english
    assert "4.400,00 US$" in spanish
    assert "$4,400.00" in english
    assert "vence pronto" in spanish  # the certificates end within 90 days of 2027-11-01
    assert "1 nov 2027" in spanish
    assert "Nov 1, 2027" in english


def test_provenance_figures_follow_the_locale(demo_data, client):
    english, spanish = _both(client, f"/lots/{RING}")
    assert "Fine metal 4.500 g" in english
    assert "Metal fino 4,500 g" in spanish
    assert "$4.00 por gramo" not in spanish
    assert re.search(r"4,00 US\$ por gramo", spanish)
    assert "Colombia" in spanish
    assert "Perú" in spanish


def test_filter_messages_are_spanish_too(demo_data, client, tmp_path):
    sign_in(client, Signer("arm", bootstrap.load_or_create_key(tmp_path / "keys" / "arm.pem")))
    page = client.get("/arm/dashboard?lang=es&from=2026-02-30&period=decade")
    assert page.status_code == 400
    text = _text(page.text)
    assert "«2026-02-30» no es un día" in text
    assert "Elija mes, trimestre o año." in text
