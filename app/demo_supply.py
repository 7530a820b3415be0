"""The demo's other Fairmined supply models, on the last day of the story.

- A mine's sale in COP: La Palma prices a doré lot in Colombian pesos, held to the floor in
  COP through the exchange rate ARM posted that day; the premium stays in USD.
- Fairmined Credits: Qori Tika and El Tambo issue credits against doré they then sell on the
  market unlabelled; Atelier Lumière (a jewellery brand) buys them, pays the premium, and
  retires some for a chain (its provenance page says it is backed by credits from both mines)
  and more for its year's collection.
- Incorporated: the refiner puts La Palma's doré into its mass-balance account and draws
  4.5 g fine gold for a lot of casting grain.
- Silver: El Tambo, certified for silver too, sells a silver doré lot at ARM's silver rate.

Every figure ARM would set (the silver rate, the exchange rate, prices) is demo data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.db.store import SqlStore
from app.db.uow import reading
from ledger import terms
from ledger.fairmined import fine_mg
from ledger.money import floor_price

if TYPE_CHECKING:
    from app.demo import Demo

COP_PER_USD_MICRO = 3_912_450_000  # USD 1 = COP 3,912.45
GOLD_USD_PER_OZ = 4_050_00
SILVER_USD_PER_OZ = 48_50
ECO = {"mercury": False, "cyanide": False, "gravimetric_only": True}
CONVENTIONAL = {"mercury": True, "cyanide": False, "gravimetric_only": False}


def build(demo: Demo, production_from: str, valid_from: str, valid_to: str) -> None:
    """Append the supply-model story (call on the story's last day)."""
    day = demo.day
    demo.state(
        "arm",
        "exchange_rate.posted",
        {"day": day, "base": "USD", "quote": "COP", "rate_micro": COP_PER_USD_MICRO},
    )
    for metal, price in (("gold", GOLD_USD_PER_OZ), ("silver", SILVER_USD_PER_OZ)):
        demo.state(
            "arm",
            "reference_price.posted",
            {"metal": metal, "day": day, "currency": "USD", "price_per_troy_oz": price},
        )
    lot = _registered(
        demo,
        "asmo-la-palma",
        "DORE-COP-0001",
        "gold",
        520_000,
        8_700,
        "fairmined",
        "La Palma, Nariño",
        production_from,
    )
    _sold_and_settled(
        demo,
        "asmo-la-palma",
        lot,
        fine_mg(520_000, 8_700),
        520_000,
        "COP",
        COP_PER_USD_MICRO,
        GOLD_USD_PER_OZ,
    )
    demo.lot_op("fab-andina", "lot.shipped", lot, to="refiner-alpes")
    demo.lot_op("refiner-alpes", "lot.received", lot, gross_mg=520_000)
    _mass_balance(demo, lot)
    _credits(demo, production_from)
    _silver(demo, production_from, valid_from, valid_to)
    # The products a customer meets: their holders make their provenance public.
    demo.state("refiner-alpes", "lot.published", {"lot_id": "GRAIN-MB-0001"})
    demo.state("jeweller-lumiere", "lot.published", {"lot_id": "CHAIN-2026-0001"})


def _registered(demo, asmo, lot_id, metal, gross, fineness, claim, site, production_from) -> str:
    """A mine registers doré it produced since ``production_from``."""
    demo.state(
        asmo,
        "lot.registered",
        {
            "lot_id": lot_id,
            "metal": metal,
            "form": "dore",
            "gross_mg": gross,
            "fineness": fineness,
            "claim": claim,
            "mine_site": site,
            "production_from": production_from,
            "production_to": demo.day,
            "processing": ECO if claim == "ecological" else CONVENTIONAL,
        },
    )
    return lot_id


def _obligation(demo, record: dict) -> tuple[str, int]:
    """The premium obligation ``record`` created, and the amount due on it."""
    obligation = f"PRM-{record['seq']}"
    with reading(demo.engine) as connection:
        return obligation, SqlStore(connection).get("obligation", obligation)["due"]


def _pay(demo, payer: str, asmo: str, obligation: str, due: int) -> None:
    payment = {"obligation_id": obligation, "amount": due, "currency": "USD"}
    evidence, commitment = terms.seal_evidence(f"bank transfer {obligation}")
    demo.state(
        payer,
        "premium.paid",
        {**payment, "paid_on": demo.day, "evidence_commitment": commitment},
        private=evidence,
    )
    demo.state(asmo, "premium.confirmed", {**payment, "received_on": demo.day})


def _sold_and_settled(demo, asmo, lot, fine, gross, currency, rate_micro, reference) -> None:
    """The mine's sale 3% above the floor in ``currency``, delivered, premium settled."""
    price = floor_price(fine, reference, 9_500, rate_micro) * 103 // 100
    sealed, commitment = terms.seal(price, currency)
    sale = demo.lot_op(
        asmo, "lot.sold", lot, sealed, buyer="fab-andina", terms_commitment=commitment
    )
    demo.lot_op(asmo, "lot.shipped", lot, to="fab-andina")
    demo.lot_op("fab-andina", "lot.received", lot, gross_mg=gross)
    _pay(demo, "fab-andina", asmo, *_obligation(demo, sale))


def _mass_balance(demo, lot: str) -> None:
    account = "MBA-ALPES-MENDRISIO"
    demo.state(
        "refiner-alpes",
        "mass_balance.opened",
        {"account_id": account, "site": "Mendrisio refinery", "metal": "gold"},
    )
    demo.lot_op("refiner-alpes", "mass_balance.deposited", lot, account_id=account)
    demo.state(
        "refiner-alpes",
        "lot.registered",
        {
            "lot_id": "GRAIN-MB-0001",
            "metal": "gold",
            "form": "grain",
            "gross_mg": 4_501,
            "fineness": 9_999,
            "claim": "none",
            "mine_site": "Mendrisio refinery melt",
            "production_from": demo.day,
            "production_to": demo.day,
            "processing": CONVENTIONAL,
        },
    )
    demo.lot_op(
        "refiner-alpes",
        "mass_balance.drawn",
        "GRAIN-MB-0001",
        account_id=account,
        fine_mg=4_500,
        subject="Casting grain for Oro Verde",
    )


def _credits(demo, production_from: str) -> None:
    batches = (
        ("asmo-qori-tika", "DORE-CR-0001", "FMC-QORI-TIKA-0001", 500_000, "Ananea, Puno"),
        (
            "asmo-el-tambo",
            "DORE-CR-0002",
            "FMC-EL-TAMBO-0001",
            120_000,
            "Vereda El Tambo, Iquira, Huila",
        ),
    )
    for asmo, lot, batch, gross, site in batches:
        _registered(demo, asmo, lot, "gold", gross, 8_800, "ecological", site, production_from)
        issued = demo.lot_op(
            asmo,
            "credits.issued",
            lot,
            batch_id=batch,
            credits=fine_mg(gross, 8_800) // 1_000,
            buyer="jeweller-lumiere",
        )
        _pay(demo, "jeweller-lumiere", asmo, *_obligation(demo, issued))
    demo.state(
        "refiner-alpes",
        "lot.registered",
        {
            "lot_id": "CHAIN-2026-0001",
            "metal": "gold",
            "form": "jewellery",
            "gross_mg": 8_000,
            "fineness": 7_500,
            "claim": "none",
            "mine_site": "Recycled jewellery",
            "production_from": demo.day,
            "production_to": demo.day,
            "processing": CONVENTIONAL,
        },
    )
    demo.lot_op("refiner-alpes", "lot.shipped", "CHAIN-2026-0001", to="jeweller-lumiere")
    demo.lot_op("jeweller-lumiere", "lot.received", "CHAIN-2026-0001", gross_mg=8_000)
    for number, (_asmo, _lot, batch, _gross, _site) in enumerate(batches, start=1):
        demo.lot_op(
            "jeweller-lumiere",
            "credits.retired",
            "CHAIN-2026-0001",
            retirement_id=f"RET-LUMIERE-{number:04d}",
            batch_id=batch,
            credits=3,
            scope="product",
            subject="Lumière chain, 18k",
        )
    demo.state(
        "jeweller-lumiere",
        "credits.retired",
        {
            "retirement_id": "RET-LUMIERE-2026",
            "batch_id": batches[0][2],
            "credits": 200,
            "scope": "year",
            "subject": "Atelier Lumière collection 2026",
        },
    )


def _silver(demo, production_from: str, valid_from: str, valid_to: str) -> None:
    demo.state(
        "cert-andes",
        "certificate.issued",
        {
            "certificate_id": "FM-001-AG",
            "party_id": "asmo-el-tambo",
            "metals": ["silver"],
            "ecological": True,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "miners": 400,
            "capacity_fine_mg_per_year": 200_000_000,
        },
    )
    demo.state(
        "arm",
        "premium_rate.set",
        {
            "rate_id": "silver-ecological-demo",
            "metal": "silver",
            "certification": "ecological",
            "amount_per_kg": 150_00,
            "currency": "USD",
            "effective_from": valid_from,
        },
    )
    lot = _registered(
        demo,
        "asmo-el-tambo",
        "SILVER-2026-0001",
        "silver",
        2_000_000,
        9_000,
        "ecological",
        "Vereda El Tambo, Iquira, Huila",
        production_from,
    )
    _sold_and_settled(
        demo,
        "asmo-el-tambo",
        lot,
        fine_mg(2_000_000, 9_000),
        2_000_000,
        "USD",
        1_000_000,
        SILVER_USD_PER_OZ,
    )
