"""Steps of the Fairmined supply models (Credits, Incorporated, other metals and currencies) on
a ``ledger_book.Book``, and the rule-table rows of their problem codes."""

from __future__ import annotations

from ledger_book import DAY, MERCURY, Book

from ledger import terms
from ledger.money import floor_price

COP_PER_USD_MICRO = 4_000_000_000  # USD 1 = COP 4,000; both currencies have two decimals


def plain_lot(book: Book, lot_id: str = "CR-1", party: str = "mine-fm", **changes) -> str:
    """A Fairmined (not Ecological) lot of 90 g fine metal registered by ``party``."""
    return book.registered(lot_id, party, claim="fairmined", processing=MERCURY, **changes)


def issuing(book: Book, lot_id="CR-1", credits=90, buyer="jeweller", batch="FMC-1") -> dict:
    body = {"batch_id": batch, "lot_id": lot_id, "lot_head": book.head(lot_id)}
    return {**body, "credits": credits, "buyer": buyer}


def issued(book: Book, lot_id="CR-1", credits=90, buyer="jeweller", batch="FMC-1") -> str:
    """Credits issued by the lot's mine: the id of their premium obligation."""
    mine = book.lot(lot_id)["holder"]
    applied = book.state(mine, "credits.issued", issuing(book, lot_id, credits, buyer, batch))
    return f"PRM-{applied.record.seq}"


def paid_and_confirmed(book: Book, obligation: str) -> None:
    owed = book.store.get("obligation", obligation)
    book.state(owed["payer"], "premium.paid", book.payment(obligation))
    book.state(owed["asmo"], "premium.confirmed", book.confirmation(obligation))


def settled_credits(book: Book, buyer="jeweller", batch="FMC-1", lot_id="CR-1") -> str:
    """90 credits of a fresh plain lot, issued to ``buyer`` with the premium confirmed."""
    plain_lot(book, lot_id)
    obligation = issued(book, lot_id, buyer=buyer, batch=batch)
    paid_and_confirmed(book, obligation)
    return batch


def transfer(batch="FMC-1", credits=10, to="trader") -> dict:
    return {"batch_id": batch, "credits": credits, "to": to}


def retirement(retirement_id="RET-1", batch="FMC-1", credits=10, **more) -> dict:
    body = {"retirement_id": retirement_id, "batch_id": batch, "credits": credits}
    return {**body, "scope": "product", "subject": "Aurora ring collection", **more}


def opened(book: Book, party="refiner", account="MBA-1") -> str:
    body = {"account_id": account, "site": "Refinery, Zurich", "metal": "gold"}
    book.state(party, "mass_balance.opened", body)
    return account


def deposit(book: Book, lot_id="LOT-1", account="MBA-1") -> dict:
    return {"account_id": account, "lot_id": lot_id, "lot_head": book.head(lot_id)}


def draw(fine_mg: int, account="MBA-1") -> dict:
    return {"account_id": account, "fine_mg": fine_mg, "subject": "Grain for casting"}


def post_cop_rate(book: Book, rate_micro: int = COP_PER_USD_MICRO) -> None:
    body = {"day": DAY, "base": "USD", "quote": "COP", "rate_micro": rate_micro}
    book.state("arm", "exchange_rate.posted", body)


def cop_floor(fine_mg: int) -> int:
    """The floor in COP centavos for the book's reference price (USD 4,000.00 per troy oz)."""
    return floor_price(fine_mg, 4_000_00, 9_500, COP_PER_USD_MICRO)


def sale_in(book: Book, lot_id: str, price: int, currency: str, buyer="fab") -> tuple:
    private, commitment = terms.seal(price, currency)
    body = {"lot_id": lot_id, "lot_head": book.head(lot_id), "buyer": buyer}
    return book.lot(lot_id)["holder"], "lot.sold", {**body, "terms_commitment": commitment}, private


def _platinum(book: Book) -> None:
    book.certify("FM-PT", "mine-nocert", ecological=False, metals=["platinum"])
    rate = {"rate_id": "platinum-fairmined", "metal": "platinum", "certification": "fairmined"}
    rate.update(amount_per_kg=2_000_00, currency="USD", effective_from=DAY)
    book.state("arm", "premium_rate.set", rate)
    plain_lot(book, "PT-1", "mine-nocert", metal="platinum")
    plain_lot(book, "LOT-1")


def _then(*steps):
    def prepare(book: Book) -> None:
        for step in steps:
            step(book)

    return prepare


# code -> (prepare, refused step, accepted step), as rows of tests/unit/test_rule_table.py.
SUPPLY_ROWS = {
    "no-reference-price": (
        _platinum,
        lambda b: sale_in(b, "PT-1", 10**9, "USD"),
        lambda b: sale_in(b, "LOT-1", 10**9, "USD"),
    ),
    "no-exchange-rate": (
        _then(lambda b: plain_lot(b, "LOT-1"), post_cop_rate),
        lambda b: sale_in(b, "LOT-1", 10**12, "EUR"),
        lambda b: sale_in(b, "LOT-1", cop_floor(90_000), "COP"),
    ),
    "not-own-production": (
        _then(lambda b: b.registered("LOT-1"), lambda b: b.sold("LOT-1"), plain_lot),
        lambda b: ("mine", "credits.issued", issuing(b, "LOT-1")),
        lambda b: ("mine-fm", "credits.issued", issuing(b, "CR-1")),
    ),
    "credits-exceed-production": (
        plain_lot,
        lambda b: ("mine-fm", "credits.issued", issuing(b, credits=91)),
        lambda b: ("mine-fm", "credits.issued", issuing(b, credits=90)),
    ),
    "credits-exist": (
        _then(plain_lot, issued, lambda b: plain_lot(b, "CR-2")),
        lambda b: ("mine-fm", "credits.issued", issuing(b, "CR-2")),
        lambda b: ("mine-fm", "credits.issued", issuing(b, "CR-2", batch="FMC-2")),
    ),
    "unknown-credits": (
        settled_credits,
        lambda b: ("jeweller", "credits.transferred", transfer("FMC-9")),
        lambda b: ("jeweller", "credits.transferred", transfer("FMC-1")),
    ),
    "insufficient-credits": (
        settled_credits,
        lambda b: ("jeweller", "credits.retired", retirement(credits=91)),
        lambda b: ("jeweller", "credits.retired", retirement(credits=90)),
    ),
    "retirement-exists": (
        _then(settled_credits, lambda b: b.state("jeweller", "credits.retired", retirement())),
        lambda b: ("jeweller", "credits.retired", retirement()),
        lambda b: ("jeweller", "credits.retired", retirement("RET-2")),
    ),
    "account-exists": (
        opened,
        lambda b: ("trader", "mass_balance.opened", {**_account("MBA-1")}),
        lambda b: ("trader", "mass_balance.opened", {**_account("MBA-2")}),
    ),
    "unknown-account": (
        _then(opened, lambda b: b.at("refiner")),
        lambda b: ("refiner", "mass_balance.deposited", deposit(b, account="MBA-9")),
        lambda b: ("refiner", "mass_balance.deposited", deposit(b)),
    ),
    "not-account-holder": (
        _then(opened, lambda b: opened(b, "trader", "MBA-2"), lambda b: b.at("trader")),
        lambda b: ("trader", "mass_balance.deposited", deposit(b, account="MBA-1")),
        lambda b: ("trader", "mass_balance.deposited", deposit(b, account="MBA-2")),
    ),
    "mass-balance-overdraw": (
        _then(
            opened,
            lambda b: b.at("refiner"),
            lambda b: b.state("refiner", "mass_balance.deposited", deposit(b)),
        ),
        lambda b: ("refiner", "mass_balance.drawn", draw(90_001)),
        lambda b: ("refiner", "mass_balance.drawn", draw(90_000)),
    ),
}


def _account(account: str) -> dict:
    return {"account_id": account, "site": "Vault, Medellín", "metal": "gold"}
