"""Parties working in their workspace in real headless Chromium, on the demo data: each signs
in, loads its key from its PEM file through the file input, fills forms derived from the entry
types' schemas, reviews and signs in the browser. Each journey checks the log grew by exactly
the expected entries, signed by the party's key (checked with the core's verifier)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import flask_transport

from app.db import log
from app.db.store import SqlStore
from app.db.uow import reading
from browser.conftest import ARTIFACTS
from ledger import terms
from ledger.client import LedgerClient, LedgerHTTPError, Signer
from ledger.entry import verify_entry_signature
from ledger.keys import PrivateKey

pytestmark = pytest.mark.browser
SANTA_ROSA_LOT = "DORE-2026-003"  # the demo's lot blocked at the buyer by an unpaid premium


class Chain:
    """The demo ledger seen from Python: keys, signers, state and the log."""

    def __init__(self, app, keys: Path):
        self.app, self.keys = app, keys
        self.engine = app.extensions["ledger"].engine
        self.client = LedgerClient(flask_transport(app.test_client()))

    def key(self, party: str) -> PrivateKey:
        return PrivateKey.from_pem((self.keys / f"{party}.pem").read_bytes())

    def signer(self, party: str) -> Signer:
        return Signer(party, self.key(party))

    def token(self, party: str) -> str:
        return self.client.issue_token(self.signer(party))

    def get(self, kind: str, key: str) -> dict:
        with reading(self.engine) as connection:
            return SqlStore(connection).get(kind, key)

    def obligation_of(self, lot_id: str) -> dict:
        with reading(self.engine) as connection:
            return SqlStore(connection).find("obligation", "lot", lot_id)[0]

    def size(self) -> int:
        with reading(self.engine) as connection:
            return log.head(connection)[0]

    def since(self, size: int) -> list[dict]:
        with reading(self.engine) as connection:
            return [r.to_json()["entry"] for r in log.page(connection, size + 1, 1000)]

    def state(self, party: str, type: str, body: dict, private: dict | None = None) -> dict:
        return self.client.state(self.signer(party), type, body, private=private)

    def price_today(self, price_per_troy_oz: int) -> None:
        """Post today's gold reference price unless one is posted already."""
        body = {"metal": "gold", "day": today(), "currency": "USD"}
        try:
            self.state(
                "arm", "reference_price.posted", {**body, "price_per_troy_oz": price_per_troy_oz}
            )
        except LedgerHTTPError as exc:
            assert exc.code == "price-exists"

    def lot_op(self, party: str, type: str, lot_id: str, **body) -> dict:
        head = self.get("lot", lot_id)["head"]
        return self.state(party, type, {"lot_id": lot_id, "lot_head": head, **body})

    def pay_santa_rosa(self) -> dict:
        obligation = self.obligation_of(SANTA_ROSA_LOT)
        evidence, commitment = terms.seal_evidence("transfer 2026-SR-1")
        self.state(
            "fab-andina",
            "premium.paid",
            {
                "obligation_id": obligation["id"],
                "amount": obligation["due"],
                "currency": obligation["currency"],
                "paid_on": today(),
                "evidence_commitment": commitment,
            },
            private=evidence,
        )
        return obligation

    def settle_and_ship_to_refiner(self) -> None:
        obligation = self.pay_santa_rosa()
        self.state(
            "asmo-santa-rosa",
            "premium.confirmed",
            {
                "obligation_id": obligation["id"],
                "amount": obligation["due"],
                "currency": obligation["currency"],
                "received_on": today(),
            },
        )
        self.lot_op("fab-andina", "lot.shipped", SANTA_ROSA_LOT, to="refiner-alpes")

    def assert_signed_by(self, entries: list[dict], party: str, types: list[str]) -> None:
        """The entries are exactly ``types``, stated by ``party`` and signed with its key."""
        key = self.key(party)
        assert [e["type"] for e in entries] == types
        for entry in entries:
            assert entry["actor"] == party
            assert entry["key_id"] == key.key_id
            verify_entry_signature(entry, key.public)


def today() -> str:
    return datetime.now(UTC).date().isoformat()


@pytest.fixture
def chain(app, live_server, tmp_path) -> Chain:
    return Chain(app, tmp_path / "demo-keys")


class Workspace:
    """A party's browser tab on the workspace."""

    def __init__(self, page, base: str, chain: Chain, party: str):
        self.page, self.base, self.chain, self.party = page, base, chain, party

    def sign_in(self) -> None:
        page = self.page
        page.goto(f"{self.base}/login?next=/workspace")
        page.fill("#token", self.chain.token(self.party))
        page.click("button[type=submit]")
        page.wait_for_url(f"{self.base}/workspace")

    def open(self, link: str) -> None:
        """Follow a link on the home page and wait for the form to be built."""
        self.page.goto(f"{self.base}/workspace")
        self.page.click(link)
        self.page.wait_for_selector("body[data-ready=true]")

    def load_key(self) -> None:
        """Choose the party's PEM file in the file input (unless the browser kept the key)."""
        key_id = self.chain.key(self.party).key_id
        status = self.page.locator("#key-status")
        if status.get_attribute("data-key-id") != key_id:
            self.page.set_input_files("#key-file", str(self.chain.keys / f"{self.party}.pem"))
        self.page.wait_for_selector(f"#key-status[data-key-id='{key_id}']")

    def field(self, pointer: str, tag: str = "input"):
        return self.page.locator(f"[data-pointer='/body{pointer}'] {tag}").first

    def fill(self, values: dict[str, str]) -> None:
        for pointer, value in values.items():
            self.field(pointer).fill(value)

    def sign(self) -> dict:
        """Review, check the plain words, sign and submit; the result's seq."""
        page = self.page
        page.click("#review")
        page.wait_for_selector("#review-panel:not([hidden]), #form-problem:not(:empty)")
        assert page.is_visible("#review-panel"), page.inner_text("#entry-form")
        review = page.inner_text("#review-panel")
        page.click("#sign")
        page.wait_for_selector("#result:not([hidden]), #form-problem:not(:empty)")
        return {"review": review, "seq": page.get_attribute("#result", "data-seq")}


def test_the_mine_confirms_a_premium_and_a_refusal_lands_on_its_field(chain, live_server, pw_page):
    obligation = chain.pay_santa_rosa()
    ws = Workspace(pw_page, live_server, chain, "asmo-santa-rosa")
    ws.sign_in()
    row = pw_page.locator(f"#premiums tr[data-obligation='{obligation['id']}']")
    assert "4,400.00" in row.inner_text()  # the unpaid premium of the demo, now paid
    ws.open(f"#premiums tr[data-obligation='{obligation['id']}'] a.action")
    ws.load_key()
    assert ws.field("/obligation_id").input_value() == obligation["id"]
    assert ws.field("/amount").input_value() == "4400.00"  # prefilled, in dollars
    ws.field("/received_on").fill(today())

    before = chain.size()
    ws.fill({"/amount": "4400.001"})  # finer than a cent: refused as the user types
    assert "decimals" in pw_page.inner_text("[data-pointer='/body/amount'] .field-message")
    ws.fill({"/amount": "5000"})  # more than was paid: the server refuses it
    outcome = ws.sign()
    assert outcome["seq"] is None
    problem = pw_page.inner_text("[data-pointer='/body/amount'] .field-problem")
    assert "over-confirmation" in pw_page.get_attribute("#form-problem", "data-code")
    assert "paid and unconfirmed" in problem
    assert chain.size() == before  # nothing written

    ws.fill({"/amount": "4400.00"})
    outcome = ws.sign()
    assert "USD 4,400.00" in outcome["review"]
    assert obligation["id"] in outcome["review"]
    entries = chain.since(before)
    chain.assert_signed_by(entries, "asmo-santa-rosa", ["premium.confirmed"])
    assert entries[0]["body"] == {
        "obligation_id": obligation["id"],
        "amount": 440_000,
        "currency": "USD",
        "received_on": today(),
    }
    assert int(outcome["seq"]) == before + 1
    settled = chain.obligation_of(SANTA_ROSA_LOT)
    assert settled["confirmed"] == settled["due"]


def test_the_refiner_receives_assays_refines_and_ships(chain, live_server, pw_page):
    chain.settle_and_ship_to_refiner()
    ws = Workspace(pw_page, live_server, chain, "refiner-alpes")
    ws.sign_in()
    assert SANTA_ROSA_LOT in pw_page.inner_text("#incoming")
    before = chain.size()

    ws.open(f"#incoming tr[data-lot='{SANTA_ROSA_LOT}'] a.action")
    ws.load_key()
    assert ws.field("/lot_id").input_value() == SANTA_ROSA_LOT
    ws.field("/gross_mg", "select").select_option("kg")
    ws.fill({"/gross_mg": "1.2497"})  # kilograms, exactly 1,249,700 mg
    outcome = ws.sign()
    assert "1,249.700 g (1,249,700 mg)" in outcome["review"]

    ws.open(f"#holdings tr[data-lot='{SANTA_ROSA_LOT}'] a[href*='lot.assayed']")
    ws.load_key()  # kept in IndexedDB: no file needed this time
    ws.fill({"/fineness": "880.0", "/laboratory": "Laboratoire des Alpes"})
    ws.field("/kind", "select").select_option("final")
    assert ws.sign()["seq"]

    ws.open("#actions a[data-type='lot.refined']")
    ws.load_key()
    ws.fill(
        {
            "/inputs/0/lot_id": SANTA_ROSA_LOT,
            "/outputs/0/lot_id": "BAR-SR-0001",
            "/outputs/0/gross_mg": "1094.000",
            "/outputs/0/fineness": "999.9",
            "/outputs/0/serial": "AA-SR-0001",
        }
    )
    ws.field("/outputs/0/form", "select").select_option("bar")
    outcome = ws.sign()
    assert "BAR-SR-0001" in outcome["review"]
    assert outcome["seq"]

    ws.open("#holdings tr[data-lot='BAR-SR-0001'] a[href*='lot.shipped']")
    ws.load_key()
    ws.fill({"/to": "jeweller-oro-verde"})
    assert ws.sign()["seq"]

    entries = chain.since(before)
    chain.assert_signed_by(
        entries,
        "refiner-alpes",
        ["lot.received", "lot.assayed", "lot.refined", "lot.shipped"],
    )
    assert entries[0]["body"]["gross_mg"] == 1_249_700
    assert entries[1]["body"]["fineness"] == 8800
    bar = entries[2]["body"]["outputs"][0]
    assert (bar["gross_mg"], bar["fineness"], bar["form"]) == (1_094_000, 9999, "bar")
    assert chain.get("lot", "BAR-SR-0001")["incoming_to"] == "jeweller-oro-verde"


def test_the_jeweller_receives_alloys_splits_and_claims(chain, live_server, pw_page):
    chain.settle_and_ship_to_refiner()
    chain.lot_op("refiner-alpes", "lot.received", SANTA_ROSA_LOT, gross_mg=1_249_700)
    chain.state(
        "refiner-alpes",
        "lot.refined",
        {
            "inputs": [
                {"lot_id": SANTA_ROSA_LOT, "lot_head": chain.get("lot", SANTA_ROSA_LOT)["head"]}
            ],
            "outputs": [
                {"lot_id": "BAR-SR-0001", "form": "bar", "gross_mg": 1_094_000, "fineness": 9999}
            ],
        },
    )
    chain.lot_op("refiner-alpes", "lot.shipped", "BAR-SR-0001", to="jeweller-oro-verde")
    ws = Workspace(pw_page, live_server, chain, "jeweller-oro-verde")
    ws.sign_in()
    before = chain.size()

    ws.open("#incoming tr[data-lot='BAR-SR-0001'] a.action")
    ws.load_key()
    ws.fill({"/gross_mg": "1094"})
    assert ws.sign()["seq"]

    # 1,093.890 g of fine gold made 18k (750.0): 1,458.520 g of alloy, the same fine gold.
    ws.open("#holdings tr[data-lot='BAR-SR-0001'] a[href*='lot.alloyed']")
    ws.load_key()
    ws.fill({"/output/lot_id": "ALLOY-SR-0001", "/output/gross_mg": "1458.52"})
    ws.fill({"/output/fineness": "750.0", "/alloy": "copper and silver"})
    ws.field("/output/form", "select").select_option("semi_finished")
    assert ws.sign()["seq"]

    ws.open("#holdings tr[data-lot='ALLOY-SR-0001'] a[href*='lot.split']")
    ws.load_key()
    ws.fill({"/outputs/0/lot_id": "RING-SR-0001", "/outputs/0/gross_mg": "6"})
    ws.field("/outputs/0/form", "select").select_option("jewellery")
    ws.fill({"/outputs/1/lot_id": "STOCK-SR-0001", "/outputs/1/gross_mg": "1452.52"})
    assert ws.sign()["seq"]

    ws.open("#holdings tr[data-lot='RING-SR-0001'] a[href*='lot.claimed']")
    ws.load_key()
    ws.fill({"/product": "Anillo Fairmined de oro, 18k — «Santa Rosa»"})
    assert ws.sign()["seq"]

    entries = chain.since(before)
    chain.assert_signed_by(
        entries, "jeweller-oro-verde", ["lot.received", "lot.alloyed", "lot.split", "lot.claimed"]
    )
    alloyed = entries[1]["body"]["output"]
    assert (alloyed["gross_mg"], alloyed["fineness"]) == (1_458_520, 7_500)
    bar, alloy = chain.get("lot", "BAR-SR-0001"), chain.get("lot", "ALLOY-SR-0001")
    assert alloy["fine_mg"] == bar["fine_mg"]  # alloying adds metal, never fine gold
    assert [o["gross_mg"] for o in entries[2]["body"]["outputs"]] == [6_000, 1_452_520]
    ring = chain.get("lot", "RING-SR-0001")
    assert ring["fineness"] == 7_500
    assert ring["claimed_by"] == "jeweller-oro-verde"
    assert ring["product"] == "Anillo Fairmined de oro, 18k — «Santa Rosa»"


def test_arm_grants_an_authorisation(chain, live_server, pw_page):
    newcomer = PrivateKey.generate()
    chain.state(
        "arm",
        "party.registered",
        {
            "party_id": "refiner-andes",
            "name": "Refinería de los Andes",
            "country": "PE",
            "roles": ["supplier"],
            "public_key": newcomer.public.b64,
        },
    )
    ws = Workspace(pw_page, live_server, chain, "arm")
    ws.sign_in()
    before = chain.size()
    ws.open("#actions a[data-type='authorisation.granted']")
    ws.load_key()
    ws.fill({"/party_id": "refiner-andes", "/valid_from": "2026-01-01", "/valid_to": "2027-12-31"})
    ws.field("/role", "select").select_option("supplier")
    outcome = ws.sign()
    assert "Authorized Supplier" in outcome["review"]
    entries = chain.since(before)
    chain.assert_signed_by(entries, "arm", ["authorisation.granted"])
    assert entries[0]["body"]["party_id"] == "refiner-andes"


def _not_blank(png: Path) -> None:
    from PIL import Image, ImageStat

    with Image.open(png) as image:
        assert image.format == "PNG"
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
        colours = len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])
    assert spread > 10, f"the screenshot looks blank (stddev {spread:.1f})"
    assert colours > 50, f"the screenshot has only {colours} colours"


@pytest.mark.parametrize("locale", ["en-GB", "es-CO"])
def test_workspace_screenshots_in_english_and_spanish(
    chain, live_server, chromium_browser, request, locale
):
    """The home and a reviewed form, rendered and photographed; words in the page's language."""
    chain.settle_and_ship_to_refiner()
    context = chromium_browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        ws = Workspace(page, live_server, chain, "refiner-alpes")
        ws.sign_in()
        spanish = locale.startswith("es")
        assert page.get_attribute("html", "lang") == ("es" if spanish else "en")
        home = page.inner_text("main")
        assert ("Lotes entrantes pendientes de recepción" if spanish else "Incoming lots") in home
        assert ("Suiza" if spanish else "Switzerland") in home  # the country, from pycountry
        backend = request.node.callspec.params["database_url"]
        shot = ARTIFACTS / f"workspace-home-{locale}-{backend}.png"
        page.screenshot(path=str(shot), full_page=True)
        _not_blank(shot)

        ws.open(f"#incoming tr[data-lot='{SANTA_ROSA_LOT}'] a.action")
        ws.load_key()
        ws.fill({"/gross_mg": "1249.7"})
        page.click("#review")
        page.wait_for_selector("#review-panel:not([hidden])")
        review = page.inner_text("#review-panel")
        assert ("1.249,700 g" if spanish else "1,249.700 g") in review
        assert ("Está a punto de firmar" if spanish else "You are about to sign") in review
        shot = ARTIFACTS / f"workspace-review-{locale}-{backend}.png"
        page.screenshot(path=str(shot), full_page=True)
        _not_blank(shot)
    finally:
        context.close()


def test_a_mine_registers_a_lot_and_sells_it_with_private_terms(chain, live_server, pw_page):
    """Nested members, dates, choices and flags from the schema; the price sealed in the
    browser, refused below the floor at the price field, then kept out of the log."""
    from ledger.terms import commitment

    chain.price_today(4_050_00)  # the floor's reference (the demo may have posted it already)
    ws = Workspace(pw_page, live_server, chain, "asmo-qori-tika")
    ws.sign_in()
    before = chain.size()
    ws.open("#actions a[data-type='lot.registered']")
    ws.load_key()
    ws.fill(
        {
            "/lot_id": "DORE-QT-0099",
            "/gross_mg": "100",
            "/fineness": "900",
            "/mine_site": "Ananea, Puno",
            "/production_from": "2026-11-01",
            "/production_to": today(),
        }
    )
    for pointer, choice in (("/metal", "gold"), ("/form", "dore"), ("/claim", "ecological")):
        ws.field(pointer, "select").select_option(choice)
    ws.field("/processing/gravimetric_only").check()
    assert ws.sign()["seq"]

    ws.open("#holdings tr[data-lot='DORE-QT-0099'] a[href*='lot.sold']")
    ws.load_key()
    ws.fill({"/buyer": "fab-andina"})
    price = pw_page.locator("[data-pointer='/body/terms_commitment/price'] input")
    price.fill("100")  # 90 g fine for USD 100: far below 95% of the reference price
    assert ws.sign()["seq"] is None
    assert pw_page.get_attribute("#form-problem", "data-code") == "price-below-floor"
    shown = pw_page.inner_text("[data-pointer='/body/terms_commitment/price'] .field-problem")
    assert "reference price" in shown
    assert chain.size() == before + 1  # the refused sale wrote nothing

    price.fill("13000.00")
    outcome = ws.sign()
    assert "USD 13,000.00" in outcome["review"]
    entries = chain.since(before)
    chain.assert_signed_by(entries, "asmo-qori-tika", ["lot.registered", "lot.sold"])
    registered, sold = (e["body"] for e in entries)
    assert registered["processing"] == {
        "mercury": False,
        "cyanide": False,
        "gravimetric_only": True,
    }
    assert (registered["gross_mg"], registered["fineness"]) == (100_000, 9000)
    with reading(chain.engine) as connection:
        terms = log.private_of(connection, int(outcome["seq"]))
    assert terms["price"] == 13_000_00
    assert sold["terms_commitment"] == commitment(terms)
    assert set(sold) == {"lot_id", "lot_head", "buyer", "terms_commitment"}  # no price


def test_the_key_never_leaves_the_browser_and_only_the_partys_key_is_taken(
    chain, live_server, pw_page
):
    """Every request the page makes is recorded: none carries the private key in any form. A
    key of another party is refused before anything can be signed with it."""
    import base64

    sent: list[str] = []
    pw_page.on("request", lambda r: sent.append(f"{r.url}\n{r.headers}\n{r.post_data or ''}"))
    ws = Workspace(pw_page, live_server, chain, "arm")
    ws.sign_in()
    ws.open("#actions a[data-type='reference_price.posted']")

    pw_page.set_input_files("#key-file", str(chain.keys / "refiner-alpes.pem"))
    pw_page.wait_for_selector("#key-problem:not(:empty)")
    assert "is not an active key of arm" in pw_page.inner_text("#key-problem")
    assert pw_page.is_disabled("#review")

    ws.load_key()
    stored = pw_page.evaluate(
        """async () => {
          const ks = await import('/static/workspace/keystore.js');
          const kept = await ks.keptKey('arm');
          let exported = 'refused';
          try { await crypto.subtle.exportKey('pkcs8', kept.privateKey); exported = 'exported'; }
          catch (e) { exported = e.name; }
          return {type: kept.privateKey.constructor.name, extractable: kept.privateKey.extractable,
                  exported};
        }"""
    )
    assert stored == {"type": "CryptoKey", "extractable": False, "exported": "InvalidAccessError"}
    ws.fill({"/day": today(), "/currency": "USD", "/price_per_troy_oz": "4100.00"})
    ws.field("/metal", "select").select_option("platinum")  # no platinum price is posted today
    before = chain.size()
    assert ws.sign()["seq"]
    (entry,) = chain.since(before)
    assert entry["body"]["price_per_troy_oz"] == 4_100_00

    pem = (chain.keys / "arm.pem").read_text()
    der_b64 = "".join(pem.strip().splitlines()[1:-1])
    seed = chain.key("arm").raw()
    secrets = {
        der_b64,
        base64.b64encode(seed).decode(),
        base64.urlsafe_b64encode(seed).decode().rstrip("="),
        seed.hex(),
    }
    assert len(sent) > 10
    for request in sent:
        for secret in secrets:
            assert secret not in request


@pytest.fixture
def unworded_type():
    """An entry type registered while the test runs, with no words in the workspace: its form
    must come from its schema alone (as for types added to the registry later)."""
    from ledger.admission import REGISTRY, entry_type
    from ledger.fields import CURRENCY, HASH_HEX, LOT_ID, MASS_MG, MONEY, TEXT, List, Obj, Str

    name = "lot.inspected"
    body = Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "sample_mg": MASS_MG,
            "inspectors": List(Str(max_len=40), min_items=1, max_items=3),
            "fee": MONEY,
            "currency": CURRENCY,
            "remarks": TEXT,
        },
        optional=frozenset({"remarks"}),
    )
    entry_type(name, body, {"supplier"}, "The holder records an inspection.")(lambda ctx: None)
    try:
        yield name
    finally:
        del REGISTRY[name]


def test_a_type_without_words_gets_a_working_form_from_its_schema(
    chain, live_server, pw_page, unworded_type
):
    chain.settle_and_ship_to_refiner()
    chain.lot_op("refiner-alpes", "lot.received", SANTA_ROSA_LOT, gross_mg=1_249_700)
    ws = Workspace(pw_page, live_server, chain, "refiner-alpes")
    ws.sign_in()
    before = chain.size()
    ws.open(f"#actions a[data-type='{unworded_type}']")
    ws.load_key()
    assert "Sample mg" in pw_page.inner_text("#entry-fields")  # labelled from its name
    ws.fill({"/lot_id": SANTA_ROSA_LOT, "/sample_mg": "0.250", "/currency": "CHF"})
    ws.fill({"/fee": "12.5", "/inspectors/0": "Ana Quispe"})
    pw_page.click("[data-pointer='/body/inspectors'] button.add")
    ws.fill({"/inspectors/1": "Jean Rochat"})
    outcome = ws.sign()
    assert "CHF 12.50" in outcome["review"]
    (entry,) = chain.since(before)
    chain.assert_signed_by([entry], "refiner-alpes", [unworded_type])
    assert entry["body"] == {
        "lot_id": SANTA_ROSA_LOT,
        "lot_head": chain.get("lot", SANTA_ROSA_LOT)["head"],
        "sample_mg": 250,
        "inspectors": ["Ana Quispe", "Jean Rochat"],
        "fee": 1250,
        "currency": "CHF",
    }


def test_the_workspace_fits_a_phone(chain, live_server, chromium_browser, request):
    """At 390 px wide nothing makes the page scroll sideways: wide tables scroll in place."""
    chain.settle_and_ship_to_refiner()
    context = chromium_browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    try:
        page = context.new_page()
        ws = Workspace(page, live_server, chain, "refiner-alpes")
        ws.sign_in()
        overflow = "document.scrollingElement.scrollWidth - window.innerWidth"
        assert page.evaluate(overflow) <= 0
        assert page.is_visible(f"#incoming tr[data-lot='{SANTA_ROSA_LOT}'] a.action")
        ws.open("#actions a[data-type='lot.refined']")
        ws.load_key()
        assert page.evaluate(overflow) <= 0
        backend = request.node.callspec.params["database_url"]
        shot = ARTIFACTS / f"workspace-refine-phone-{backend}.png"
        page.screenshot(path=str(shot), full_page=True)
        _not_blank(shot)
    finally:
        context.close()
