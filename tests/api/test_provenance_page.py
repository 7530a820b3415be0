"""The public provenance page: verified content, QR code, no commercial figures, 404 page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import qrcode
from qrcode.image.svg import SvgPathFillImage
from sqlalchemy import select
from support import flask_transport, sign_in, text_transport

from app import bootstrap, demo
from app.db.store import SqlStore
from app.db.tables import private_data
from app.db.uow import reading
from ledger import verify, witness
from ledger.client import LedgerClient, Signer
from ledger.note import parse_verifier_key

RING, UNPAID = "RING-2026-0001", "DORE-2026-003"
BASE = "https://ledger.test"  # the app fixture's LEDGER_PUBLIC_URL


@pytest.fixture
def demo_data(app, tmp_path):
    """The demo ledger, its genesis signed with the app's own operator key."""
    key = bootstrap.load_or_create_key(Path(app.config["OPERATOR_KEY_FILE"]))
    demo.build(app.extensions["ledger"].engine, tmp_path / "keys", key, "test/log")
    return app


def page(client, lot_id: str) -> str:
    response = client.get(f"/lots/{lot_id}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def flat(html: str) -> str:
    return " ".join(html.split())


def test_ring_page_shows_its_verified_provenance(demo_data, client):
    html = page(client, RING)
    assert '<html lang="en">' in html
    assert f'<h1 id="lot-title">Lot <span class="nowrap">{RING}</span></h1>' in html
    for mine in (
        "Cooperativa Minera El Tambo",
        "Asociación de Mineros La Palma",
        "Cooperativa Aurífera Qori Tika",
    ):
        assert mine in html
    assert html.count("Colombia</p>") == 2
    assert html.count("Peru</p>") == 1
    assert "Mine site: Ananea, Puno" in html
    assert html.count("Certified capacity: 400 miners, 200.0 kg fine gold a year; ") == 3
    assert '<span class="answer-text">Fairmined Gold</span>' in html
    assert "Applied by <strong>Oro Verde Jewellery Ltd</strong>" in html
    # A real 18k ring: 4.5 g fine gold in a 6 g band, never shown as 999.9.
    assert "<dd>4.500 g</dd>" in html
    assert "<dd>6.000 g</dd>" in html
    assert "<dd>750.0</dd>" in html
    assert "999.9" not in html
    # Verified, but not hiding that a mine corrected a figure in the ring's ancestry.
    assert "✓</span> Verified, with 1 finding</li>" in html
    assert '<li data-code="correction"><strong>A stated figure was corrected</strong>' in html
    assert '<span class="answer-text">Yes</span>' in html
    assert "All 3 premiums owed to 3 mines for this gold were paid" in flat(html)
    steps = ("Mined and registered", "Figure corrected", "Refined", "Split into parts", "Alloyed")
    for step in (*steps, "Sold to a consumer"):
        assert step in html


def test_integrity_panel_names_the_checkpoint_the_bundle_was_verified_against(demo_data, client):
    html = page(client, RING)
    note = client.get("/api/v1/checkpoint").get_data(as_text=True)
    _, size, root = note.split("\n")[:3]
    assert f"Verified against checkpoint of size <strong>{size}</strong>" in html
    assert f'(root <code class="root">{root}</code>), signed by the operator' in html


def test_the_demo_is_witnessed_by_arm_and_a_new_checkpoint_once_its_witness_ran(
    demo_data, client, tmp_path
):
    assert "witnessed by <strong>Alliance for Responsible Mining</strong>" in page(client, RING)
    client.application.config["CHECKPOINT_MAX_AGE_SECONDS"] = 0
    arm = Signer("arm", bootstrap.load_or_create_key(tmp_path / "keys" / "arm.pem"))
    LedgerClient(flask_transport(client)).issue_token(arm)  # the log grows
    html = page(client, RING)
    assert "not yet witnessed" in html
    operator = parse_verifier_key(client.get("/api/v1/verifier-key").get_data(as_text=True).strip())
    done = witness.witness_once(
        text_transport(client),
        tmp_path / "keys" / "arm-witness.state.json",
        demo.ARM_WITNESS,
        bootstrap.load_or_create_key(tmp_path / "keys" / "arm-witness.pem"),
        operator,
    )
    assert done.outcome == "cosigned"
    assert "witnessed by <strong>Alliance for Responsible Mining</strong>" in page(client, RING)


def test_qr_code_encodes_the_pages_own_absolute_url(demo_data, client):
    html = page(client, RING)
    url = f"{BASE}/lots/{RING}"
    assert html.count("<svg ") == 1
    assert f'data-url="{url}"' in html
    assert f'aria-label="QR code linking to {url}"' in html
    expected = qrcode.make(url, image_factory=SvgPathFillImage, border=4).path.get("d")
    assert f'd="{expected}"' in html


def test_bundle_link_downloads_a_bundle_that_verifies_offline(demo_data, client, tmp_path):
    html = page(client, RING)
    bundle_url = f"{BASE}/api/v1/lots/{RING}/bundle"
    assert f'href="{bundle_url}" download="{RING}.bundle.json"' in html
    assert f"python -m ledger.verify {RING}.bundle.json --key KEY" in html
    assert f'href="{BASE}/api/v1/verifier-key"' in html
    path = tmp_path / f"{RING}.bundle.json"
    path.write_bytes(client.get(bundle_url).data)
    key = client.get("/api/v1/verifier-key").get_data(as_text=True).strip()
    assert verify.main([str(path), "--key", key]) == 0


def test_unpaid_premium_is_shown_as_not_paid(demo_data, client, tmp_path):
    sign_in(client, Signer("arm", bootstrap.load_or_create_key(tmp_path / "keys" / "arm.pem")))
    html = page(client, UNPAID)
    assert "Minera Artesanal Santa Rosa" in html
    assert "Peru</p>" in html
    assert '<span class="answer-text">No</span>' in html
    assert "Premium not paid" in html
    assert "Of 1 premium owed to 1 mine: 1 not paid." in flat(html)
    assert '<span class="answer-text">Yes</span>' not in html
    assert "no licensee has applied the label" in flat(html)


def _money_texts(amount: int) -> set[str]:
    """The ways a page could print an amount in minor units."""
    major, minor = divmod(amount, 100)
    texts = {str(amount), f"{amount:,}", f"{major}.{minor:02d}", f"{major:,}.{minor:02d}"}
    if not minor:
        texts |= {str(major), f"{major:,}"}
    return texts


def test_no_sale_price_or_payment_reference_appears(demo_data, client, engine, tmp_path):
    with reading(engine) as connection:
        rows = connection.execute(select(private_data.c.data)).scalars()
        private = [json.loads(data) for data in rows]
        prices = {p["price"] for p in private if "price" in p}
        evidence = [p["evidence"] for p in private if "evidence" in p]
    assert len(prices) >= 4
    assert evidence
    sign_in(client, Signer("arm", bootstrap.load_or_create_key(tmp_path / "keys" / "arm.pem")))
    for lot_id in (RING, UNPAID, "BAR-2026-0001"):  # ARM reads every lot, prices never
        html = page(client, lot_id)
        for amount in prices:
            for text in _money_texts(amount):
                assert not re.search(rf"(?<![\w+/]){re.escape(text)}(?![\w+/])", html), (
                    lot_id,
                    text,
                )
        for word in ("bank transfer", "evidence", "terms_commitment", *evidence):
            assert word not in html


def _mine_premiums(html: str) -> dict[str, tuple[str, str, str]]:
    """Each mine's name with its confirmed premium: amount, fine mass, amount per gram."""
    found = {}
    for item in re.findall(
        r'<li class="mine".*?</li>\s*(?=<li class="mine"|</ul>\s*</section>)', html, re.S
    ):
        name = re.search(r"<h3>(.*?)</h3>", item).group(1)
        paid = re.search(
            r'class="amount">(.*?)</strong>.*?for (.*?) of fine gold'
            r'.*?class="per-gram">(.*?) per gram',
            flat(item),
        )
        found[name] = paid.groups() if paid else None
    return found


def test_each_mine_shows_the_premium_it_confirmed_and_per_gram(demo_data, client, engine):
    html = page(client, RING)
    with reading(engine) as connection:
        store = SqlStore(connection)
        names = {p["id"]: p["name"] for p in store.all("party")}
        lots = [store.get("lot", RING)]
        seen = {}
        while lots:
            lot = lots.pop()
            seen[lot["id"]] = lot
            lots.extend(store.get("lot", p) for p in lot["parents"] if p not in seen)
        obligations = {o for lot in seen.values() for o in lot["obligations"]}
        owed = [store.get("obligation", o) for o in obligations]
    shown = _mine_premiums(html)
    assert len(shown) == 3
    for asmo in {o["asmo"] for o in owed}:
        mine = [o for o in owed if o["asmo"] == asmo]
        confirmed = sum(o["confirmed"] for o in mine)
        fine_mg = sum(o["settled_fine_mg"] or o["fine_mg"] for o in mine)
        amount, fine, per_gram = shown[names[asmo]]
        major, minor = divmod(confirmed, 100)
        assert amount == f"${major:,}.{minor:02d}"
        assert fine == f"{fine_mg // 1000:,}.{fine_mg % 1000:03d} g"
        cents = round(confirmed * 1000 / fine_mg)  # the demo's rates are whole cents per gram
        assert per_gram == f"${cents // 100:,}.{cents % 100:02d}"
    # The demo's rates: USD 4,000 per kg of Fairmined, 6,000 of Ecological gold.
    assert {p for _a, _f, p in shown.values()} == {"$4.00", "$6.00"}


def test_unknown_lot_is_an_html_404(demo_data, client):
    response = client.get("/lots/NO-SUCH-LOT")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "No lot “NO-SUCH-LOT”" in html
    assert '<html lang="en">' in html
    escaped = client.get('/lots/"><i>x').get_data(as_text=True)
    assert "&#34;&gt;&lt;i&gt;x" in escaped
    assert "<i>x" not in escaped


def test_a_bundle_that_fails_verification_is_reported_not_shown(demo_data, client, tmp_path):
    # The service signs checkpoints with a key other than the operator key named at genesis.
    key_file = Path(client.application.config["OPERATOR_KEY_FILE"])
    key_file.unlink()
    bootstrap.load_or_create_key(key_file)
    client.application.config["CHECKPOINT_MAX_AGE_SECONDS"] = 0
    arm = Signer("arm", bootstrap.load_or_create_key(tmp_path / "keys" / "arm.pem"))
    LedgerClient(flask_transport(client)).issue_token(arm)  # the log grows: a new checkpoint
    response = client.get(f"/lots/{RING}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Integrity: verification failed" in html
    assert "<code>invalid-note</code>" in html
    assert "Do not rely on this record." in html
    assert "Cooperativa Minera El Tambo" not in html
    assert "Verified against" not in html
    assert f"{BASE}/api/v1/lots/{RING}/bundle" in html
