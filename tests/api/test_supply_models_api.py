"""The supply models over HTTP on SQLite and PostgreSQL: Fairmined Credits issued, paid for,
transferred and retired for a product; a refiner's mass-balance account; a sale in COP held to
the floor in COP; silver with ARM's own rate. Pages, bundles and ARM's reports show each."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from support import DAY, PROCESS_MERCURY, Supply, World

from ledger import benchmarks, terms
from ledger.bundle import verify_bundle
from ledger.client import LedgerHTTPError
from ledger.money import floor_price
from ledger.note import parse_verifier_key
from ledger.timefmt import now

COP_PER_USD_MICRO = 3_950_000_000  # USD 1 = COP 3,950.00


@pytest.fixture
def supply(world: World) -> Supply:
    return Supply(world)


def refused(world: World, code: str, party: str, type: str, body: dict, **kwargs) -> None:
    """The entry is refused with ``code`` as problem+json and the log does not grow."""
    size = world.client.head()["size"]
    with pytest.raises(LedgerHTTPError) as error:
        world.state(party, type, body, **kwargs)
    assert error.value.code == code, error.value.problem
    assert error.value.problem["type"].endswith(f"/problems/{code}")
    assert world.client.head()["size"] == size


def unlabelled(supply: Supply, lot_id: str, form: str = "jewellery") -> None:
    """The refiner registers unlabelled metal (a product) and hands it to the jeweller."""
    supply.world.state(
        "refiner-alpes",
        "lot.registered",
        {
            "lot_id": lot_id,
            "metal": "gold",
            "form": form,
            "gross_mg": 6_000,
            "fineness": 7_500,
            "claim": "none",
            "mine_site": "Recycled metal",
            "production_from": DAY,
            "production_to": DAY,
            "processing": PROCESS_MERCURY,
        },
    )


def offline(client, lot_id: str):
    key = parse_verifier_key(client.get("/api/v1/verifier-key").get_data(as_text=True).strip())
    bundle = client.get(f"/api/v1/lots/{lot_id}/bundle").get_json()
    return bundle, verify_bundle(bundle, key)


def test_credits_from_issuance_to_a_product_page_and_reports(supply, world, client):
    supply.register_lot("DORE-C1")  # 880 g fine Ecological gold
    issue = {"batch_id": "FMC-IQUIRA-1", "lot_id": "DORE-C1", "lot_head": supply.head("DORE-C1")}
    world.state("asmo-iquira", "credits.issued", {**issue, "credits": 880, "buyer": "jeweller-oro"})
    transfer = {"batch_id": "FMC-IQUIRA-1", "credits": 100, "to": "refiner-alpes"}
    refused(world, "premium-unsettled", "jeweller-oro", "credits.transferred", transfer)
    obligation = world.client.request(
        "GET", "/api/v1/parties/asmo-iquira/premiums"
    )  # the mine sees what it is owed
    (owed,) = [o for o in _items(obligation) if o.get("kind") == "credit"]
    assert (owed["payer"], owed["fine_mg"], owed["due"]) == ("jeweller-oro", 880_000, 528_000)
    payment = {"obligation_id": owed["id"], "amount": 528_000, "currency": "USD"}
    evidence, commitment = terms.seal_evidence("SEPA 2026-77")
    world.state(
        "jeweller-oro",
        "premium.paid",
        {**payment, "paid_on": DAY, "evidence_commitment": commitment},
        private=evidence,
    )
    world.state("asmo-iquira", "premium.confirmed", {**payment, "received_on": DAY})
    world.state("jeweller-oro", "credits.transferred", transfer)

    unlabelled(supply, "RING-C1")
    supply.deliver("RING-C1", "refiner-alpes", "jeweller-oro", 6_000)
    retire = {"retirement_id": "RET-AURORA-1", "batch_id": "FMC-IQUIRA-1", "credits": 12}
    retire.update(scope="product", subject="Aurora ring", lot_id="RING-C1")
    world.state("jeweller-oro", "credits.retired", {**retire, "lot_head": supply.head("RING-C1")})
    again = {**retire, "retirement_id": "RET-AURORA-2", "credits": 769}
    refused(
        world,
        "insufficient-credits",
        "jeweller-oro",
        "credits.retired",
        {**again, "lot_head": supply.head("RING-C1")},
    )

    world.state("jeweller-oro", "lot.published", {"lot_id": "RING-C1"})  # the product's page
    html = client.get("/lots/RING-C1").get_data(as_text=True)
    assert "Backed by 12 Fairmined Credits from mine Asmo Iquira" in html
    assert "Fairmined Credits" in html
    bundle, provenance = offline(client, "RING-C1")
    assert provenance.credits == "backed by 12 Fairmined Credits from mine Asmo Iquira"
    assert provenance.lot["claim"] == "none"  # credits are not labelled metal
    # a bundle without the mine's confirmation of the credit premium does not verify
    types = {r["seq"]: r["entry"]["type"] for r in bundle["records"]}
    confirmation = max(s for s, t in types.items() if t == "premium.confirmed")
    stripped = {**bundle, "records": [r for r in bundle["records"] if r["seq"] != confirmation]}
    with pytest.raises(Exception, match="premium-unsettled"):
        verify_bundle(stripped, parse_verifier_key(bundle["verifier_key"]))

    arm = world.headers("arm")
    report = client.get("/api/v1/reports/credits?period=year", headers=arm).get_json()
    (row,) = report["rows"]
    assert (row["asmo"], row["credits_issued"], row["credits_sold"]) == ("asmo-iquira", 880, 880)
    assert (row["credits_retired"], row["due"], row["outstanding"]) == (12, 528_000, 0)
    (retirement,) = report["retirements"]
    assert retirement["claim_text"].startswith("Aurora ring: backed by 12 Fairmined Ecological")
    payers = client.get("/api/v1/reports/premiums/payers", headers=arm).get_json()["items"]
    assert {(p["payer_role"], p["payer"]) for p in payers} == {("credit_buyer", "jeweller-oro")}
    assert (
        client.get("/api/v1/reports/credits", headers=world.headers("jeweller-oro")).status_code
        == 403
    )


def _items(found) -> list[dict]:
    return found["items"] if isinstance(found, dict) else found


def test_a_refiners_mass_balance_account(supply, world, client):
    supply.register_lot("DORE-M1")
    sale = supply.sell("DORE-M1")
    supply.deliver("DORE-M1", "asmo-iquira", "fab-andes", 1_000_000)
    supply.pay_and_confirm(f"PRM-{sale['seq']}", 528_000)
    supply.deliver("DORE-M1", "fab-andes", "refiner-alpes", 1_000_000)
    account = {"account_id": "MBA-ALPES-1", "site": "Mendrisio refinery", "metal": "gold"}
    world.state("refiner-alpes", "mass_balance.opened", account)
    deposit = {"account_id": "MBA-ALPES-1", "lot_id": "DORE-M1"}
    world.state(
        "refiner-alpes", "mass_balance.deposited", {**deposit, "lot_head": supply.head("DORE-M1")}
    )
    unlabelled(supply, "GRAIN-M1", "grain")
    draw = {"account_id": "MBA-ALPES-1", "subject": "Casting grain", "lot_id": "GRAIN-M1"}
    refused(
        world,
        "mass-balance-overdraw",
        "refiner-alpes",
        "mass_balance.drawn",
        {**draw, "fine_mg": 880_001, "lot_head": supply.head("GRAIN-M1")},
    )
    world.state(
        "refiner-alpes",
        "mass_balance.drawn",
        {**draw, "fine_mg": 4_500, "lot_head": supply.head("GRAIN-M1")},
    )

    world.state("refiner-alpes", "lot.published", {"lot_id": "GRAIN-M1"})
    html = client.get("/lots/GRAIN-M1").get_data(as_text=True)
    assert "Fairmined Incorporated: 4.500 g fine metal drawn by mass balance" in html
    _bundle, provenance = offline(client, "GRAIN-M1")
    assert provenance.incorporated.endswith("supplied by mine Asmo Iquira")
    report = client.get("/api/v1/reports/mass-balance", headers=world.headers("arm")).get_json()
    (item,) = report["items"]
    assert (item["deposited_mg"], item["drawn_mg"], item["available_mg"]) == (
        880_000,
        4_500,
        875_500,
    )
    assert [e["kind"] for e in item["history"]] == ["deposit", "draw"]


def test_a_sale_in_cop_is_held_to_the_floor_in_cop(supply, world):
    rate = {"day": now()[:10], "base": "USD", "quote": "COP", "rate_micro": COP_PER_USD_MICRO}
    supply.register_lot("DORE-COP")
    floor = floor_price(880_000, 4_000_00, 9_500, COP_PER_USD_MICRO)
    sealed, commitment = terms.seal(floor, "COP")
    body = {"lot_id": "DORE-COP", "lot_head": supply.head("DORE-COP"), "buyer": "fab-andes"}
    body["terms_commitment"] = commitment
    refused(world, "no-exchange-rate", "asmo-iquira", "lot.sold", body, private=sealed)
    world.state("arm", "exchange_rate.posted", rate)
    low, low_commitment = terms.seal(floor - 1, "COP")
    refused(
        world,
        "price-below-floor",
        "asmo-iquira",
        "lot.sold",
        {**body, "terms_commitment": low_commitment},
        private=low,
    )
    record = world.state("asmo-iquira", "lot.sold", body, private=sealed)
    lot = world.client.request("GET", "/api/v1/lots/DORE-COP")["lot"]
    assert lot["obligations"] == [f"PRM-{record['seq']}"]


def test_arms_benchmark_csvs_hold_a_pen_sale_to_the_floor(supply, world):
    day = now()[:10]  # the supply chain posted today's gold price, USD 4,000.00
    yesterday = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    prices = f"day,metal,currency,price_per_troy_oz\n{yesterday},gold,USD,4100.00\n"
    rates = f"day,base,quote,rate\n{day},USD,PEN,3.7451\n"
    benchmarks.post(world.client, world.signers["arm"], "prices", prices.splitlines())
    benchmarks.post(world.client, world.signers["arm"], "rates", rates.splitlines())
    supply.register_lot("DORE-PEN")
    floor = floor_price(880_000, 4_000_00, 9_500, 3_745_100)
    body = {"lot_id": "DORE-PEN", "lot_head": supply.head("DORE-PEN"), "buyer": "fab-andes"}
    low, low_commitment = terms.seal(floor - 1, "PEN")
    refused(
        world,
        "price-below-floor",
        "asmo-iquira",
        "lot.sold",
        {**body, "terms_commitment": low_commitment},
        private=low,
    )
    sealed, commitment = terms.seal(floor, "PEN")
    world.state("asmo-iquira", "lot.sold", {**body, "terms_commitment": commitment}, private=sealed)


def test_silver_needs_its_own_rate(supply, world):
    world.state(
        "certifier-one",
        "certificate.issued",
        {
            "certificate_id": "FM-CO-001-AG",
            "party_id": "asmo-iquira",
            "metals": ["silver"],
            "ecological": True,
            "valid_from": "2025-01-01",
            "valid_to": "2030-12-31",
            "miners": 120,
        },
    )
    world.state(
        "arm",
        "reference_price.posted",
        {"metal": "silver", "day": now()[:10], "currency": "USD", "price_per_troy_oz": 3_000},
    )
    body = {"lot_id": "AG-1", "metal": "silver", "form": "dore", "gross_mg": 1_000_000}
    body.update(fineness=9_000, claim="ecological", mine_site="Vereda El Tambo")
    body.update(production_from="2025-12-01", production_to=DAY)
    world.state(
        "asmo-iquira",
        "lot.registered",
        {**body, "processing": {"mercury": False, "cyanide": False, "gravimetric_only": True}},
    )
    sealed, commitment = terms.seal(10**6, "USD")
    sale = {"lot_id": "AG-1", "lot_head": supply.head("AG-1"), "buyer": "fab-andes"}
    sale["terms_commitment"] = commitment
    refused(world, "no-premium-rate", "asmo-iquira", "lot.sold", sale, private=sealed)
    rate = {"rate_id": "silver-ecological-2026", "metal": "silver", "certification": "ecological"}
    rate.update(amount_per_kg=150_00, currency="USD", effective_from="2026-01-01")
    world.state("arm", "premium_rate.set", rate)
    record = world.state("asmo-iquira", "lot.sold", sale, private=sealed)
    owed = world.client.request("GET", f"/api/v1/premiums/PRM-{record['seq']}")
    owed = owed.get("obligation", owed)
    assert (owed["metal"], owed["due"]) == ("silver", 900_000 * 150_00 // 1_000_000)
