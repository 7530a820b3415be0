"""The Fairmined supply models on the pure core: Credits, Incorporated (mass balance), other
metals, sales in local currency, premium payers. Each rule is refused by name with nothing
written; the accounting principle is a property test over random histories."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_book import DAY, MERCURY, TODAY, Book
from supply_steps import (
    COP_PER_USD_MICRO,
    deposit,
    draw,
    issued,
    issuing,
    opened,
    paid_and_confirmed,
    plain_lot,
    post_cop_rate,
    retirement,
    sale_in,
    settled_credits,
    transfer,
)

from ledger import supply_reports
from ledger.errors import LedgerError
from ledger.money import floor_price
from ledger.types.massbalance import available, quarter


def refused(book: Book, code: str, party: str, type: str, body: dict, private=None) -> None:
    """``body`` is refused with ``code`` and the store is unchanged."""
    before = json.dumps(book.store.dump(), sort_keys=True)
    with pytest.raises(LedgerError) as error:
        book.state(party, type, body, private)
    assert error.value.code == code, error.value
    assert json.dumps(book.store.dump(), sort_keys=True) == before


# --- Credits -------------------------------------------------------------------------------


def test_issuance_beyond_production_is_refused():
    book = Book()
    plain_lot(book)  # 100 g at 900.0: 90 g fine
    refused(
        book, "credits-exceed-production", "mine-fm", "credits.issued", issuing(book, credits=91)
    )
    issued(book, credits=90)
    assert book.store.get("credit_batch", "FMC-1")["balances"] == {"jeweller": 90}


def test_a_credited_gram_is_never_sold_or_claimed_as_labelled():
    book = Book()
    plain_lot(book)
    issued(book)
    lot = book.lot("CR-1")
    assert (lot["claim"], lot["origin_fine"], lot["first_sale"]) == ("none", {}, None)
    # the metal goes to the market unlabelled: its sale creates no premium obligation
    applied = book.state("mine-fm", "lot.sold", *book.sale("CR-1"))
    assert not [k for k, v in applied.writes if k == "obligation"]
    assert book.lot("CR-1")["obligations"] == []


def test_labelled_metal_sold_first_cannot_also_become_credits():
    book = Book()
    plain_lot(book)
    book.sold("CR-1")
    refused(book, "not-own-production", "mine-fm", "credits.issued", issuing(book))


def test_credits_do_not_count_twice_against_capacity():
    book = Book()
    plain_lot(book)
    used = book.store.get("certificate", "FM-PLAIN")["capacity_used"]
    issued(book)
    assert book.store.get("certificate", "FM-PLAIN")["capacity_used"] == used


def test_transfer_and_retirement_wait_for_the_confirmed_premium():
    book = Book()
    plain_lot(book)
    obligation = issued(book)
    owed = book.store.get("obligation", obligation)
    assert (owed["kind"], owed["payer"], owed["payer_role"]) == (
        "credit",
        "jeweller",
        "credit_buyer",
    )
    assert owed["due"] == 90_000 * 4_000_00 // 1_000_000  # USD 4,000 per kg fine: USD 360
    refused(book, "premium-unsettled", "jeweller", "credits.transferred", transfer())
    book.state("jeweller", "premium.paid", book.payment(obligation))
    refused(book, "premium-unsettled", "jeweller", "credits.retired", retirement())
    book.state("mine-fm", "premium.confirmed", book.confirmation(obligation))
    book.state("jeweller", "credits.transferred", transfer(credits=40))
    assert book.store.get("credit_batch", "FMC-1")["balances"] == {"jeweller": 50, "trader": 40}


def test_credits_are_retired_once():
    book = Book()
    settled_credits(book)
    book.state("jeweller", "credits.retired", retirement(credits=90))
    refused(
        book, "insufficient-credits", "jeweller", "credits.retired", retirement("RET-2", credits=1)
    )
    refused(book, "retirement-exists", "jeweller", "credits.retired", retirement(credits=1))
    text = book.store.get("retirement", "RET-1")["claim_text"]
    assert "backed by 90 Fairmined Credits" in text
    assert "Mine-Fm" in text


def test_only_authorised_parties_hold_credits():
    book = Book()
    settled_credits(book)
    refused(
        book,
        "recipient-not-authorised",
        "jeweller",
        "credits.transferred",
        transfer(to="jeweller-unauth"),
    )
    book.revoke("jeweller", "licensee")
    refused(book, "not-authorised", "jeweller", "credits.retired", retirement())


def test_a_retirement_may_back_a_product_lot_its_party_holds():
    book = Book()
    settled_credits(book, buyer="trader")
    book.registered("CHAIN-1", "trader", claim="none", processing=MERCURY)
    body = retirement(credits=5, lot_id="CHAIN-1", lot_head=book.head("CHAIN-1"))
    book.state("trader", "credits.retired", body)
    assert book.lot("CHAIN-1")["credit_retirements"] == ["RET-1"]
    book.state("trader", "credits.transferred", transfer(credits=5, to="jeweller"))
    refused(
        book,
        "not-holder",
        "jeweller",
        "credits.retired",
        retirement("RET-2", credits=5, lot_id="CHAIN-1", lot_head=book.head("CHAIN-1")),
    )


# --- Incorporated (mass balance) -------------------------------------------------------------


def test_mass_balance_never_draws_more_than_deposited():
    book = Book()
    opened(book)
    book.at("refiner")  # 90 g fine Ecological gold, premium confirmed
    book.state("refiner", "mass_balance.deposited", deposit(book))
    assert book.lot("LOT-1")["claim"] == "none"
    book.state("refiner", "mass_balance.drawn", draw(60_000))
    refused(book, "mass-balance-overdraw", "refiner", "mass_balance.drawn", draw(30_001))
    book.state("refiner", "mass_balance.drawn", draw(30_000))
    account = book.store.get("mb_account", "MBA-1")
    assert (account["deposited"], account["drawn"]) == (90_000, 90_000)
    drawn = [e["origin_fine"] for e in account["events"] if e["kind"] == "draw"]
    assert drawn == [{"mine": 60_000}, {"mine": 30_000}]


def test_deposits_need_settled_labelled_metal():
    book = Book()
    opened(book, "fab", "MBA-2")
    book.delivered("LOT-1")  # premium unpaid
    refused(
        book, "premium-unsettled", "fab", "mass_balance.deposited", deposit(book, account="MBA-2")
    )


def test_deposits_carry_over_one_period_then_expire():
    book = Book()
    opened(book)
    book.at("refiner")
    book.state("refiner", "mass_balance.deposited", deposit(book))
    account = book.store.get("mb_account", "MBA-1")
    this = quarter(TODAY)
    next_quarter = next(
        TODAY + timedelta(days=d)
        for d in range(200)
        if quarter(TODAY + timedelta(days=d)) == this + 1
    )
    later = next(
        TODAY + timedelta(days=d)
        for d in range(300)
        if quarter(TODAY + timedelta(days=d)) == this + 2
    )
    assert available(account, TODAY) == available(account, next_quarter) == 90_000
    assert available(account, later) == 0
    (report,) = supply_reports.mass_balance([account], later)
    assert (report["available_mg"], report["expired_mg"]) == (0, 90_000)
    (report,) = supply_reports.mass_balance([account], next_quarter)
    assert (report["available_mg"], report["expired_mg"]) == (90_000, 0)


# --- other metals, local currencies ----------------------------------------------------------


def test_a_sale_in_cop_is_held_to_the_floor_in_cop():
    book = Book()
    plain_lot(book, "LOT-1")
    post_cop_rate(book)
    floor = floor_price(90_000, 4_000_00, 9_500, COP_PER_USD_MICRO)
    # the same floor, computed with exact fractions: 95% of USD 4,000/oz for 90 g, in COP cents
    exact = Fraction(95, 100) * 4_000_00 * 4_000 * 90 / Fraction("31.1034768")
    assert floor == -(-exact.numerator // exact.denominator)
    party, type, body, private = sale_in(book, "LOT-1", floor - 1, "COP")
    refused(book, "price-below-floor", party, type, body, private)
    book.state(*sale_in(book, "LOT-1", floor, "COP"))
    owed = book.store.find("obligation", "lot", "LOT-1")[0]
    assert owed["currency"] == "USD"  # premiums stay in the rate's currency


def test_a_cop_sale_needs_an_exchange_rate_of_the_week():
    book = Book()
    plain_lot(book, "LOT-1")
    refused(book, "no-exchange-rate", *sale_in(book, "LOT-1", 10**12, "COP"))
    stale = (TODAY - timedelta(days=8)).isoformat()
    book.state(
        "arm",
        "exchange_rate.posted",
        {"day": stale, "base": "USD", "quote": "COP", "rate_micro": COP_PER_USD_MICRO},
    )
    refused(book, "no-exchange-rate", *sale_in(book, "LOT-1", 10**12, "COP"))


def test_silver_is_priced_and_rated_by_its_own_rows():
    book = Book()
    book.certify("FM-AG", "mine-nocert", ecological=False, metals=["silver"])
    plain_lot(book, "AG-1", "mine-nocert", metal="silver")
    price = {"metal": "silver", "day": DAY, "currency": "USD", "price_per_troy_oz": 30_00}
    book.state("arm", "reference_price.posted", price)
    party, type, body, private = sale_in(book, "AG-1", 10**6, "USD")
    refused(book, "no-premium-rate", party, type, body, private)
    rate = {"rate_id": "silver-fairmined", "metal": "silver", "certification": "fairmined"}
    rate.update(amount_per_kg=100_00, currency="USD", effective_from=DAY)
    book.state("arm", "premium_rate.set", rate)
    book.state(*sale_in(book, "AG-1", 10**6, "USD"))
    owed = book.store.find("obligation", "lot", "AG-1")[0]
    assert (owed["metal"], owed["due"]) == ("silver", 90_000 * 100_00 // 1_000_000)


# --- a gram counts once ------------------------------------------------------------------------

MINES = ("mine", "mine-fm")
STEP = st.tuples(
    st.sampled_from(
        ("register", "register", "sell", "sell", "credits", "deposit", "draw", "claim")
    ),
    st.integers(0, 5),
    st.integers(1, 200_000),
)


def _attempt(book: Book, action) -> None:
    with contextlib.suppress(LedgerError):
        action()


def _labelled_lots(book: Book, mine: str) -> list[str]:
    return sorted(
        lot["id"]
        for lot in book.store.objects["lot"].values()
        if lot["producer"] == mine and lot["first_sale"] == "pending"
    )


def _step(book: Book, kind: str, pick: int, amount: int, counter: list[int]) -> None:
    mine = MINES[pick % 2]
    pending = _labelled_lots(book, mine)
    lot = pending[pick % len(pending)] if pending else None
    held = sorted(
        i
        for i, v in book.store.objects["lot"].items()
        if v["holder"] == "refiner" and v["claim"] != "none"
    )
    if kind == "register":
        counter[0] += 1
        claim = "ecological" if mine == "mine" else "fairmined"
        process = None if mine == "mine" else MERCURY
        changes = {
            "gross_mg": amount,
            "claim": claim,
            **({"processing": process} if process else {}),
        }
        _attempt(book, lambda: book.registered(f"G-{counter[0]}", mine, **changes))
    elif kind == "sell" and lot:

        def sell():
            obligation = book.sold(lot)
            book.shipped(lot, "fab")
            book.received(lot)
            paid_and_confirmed(book, obligation)
            book.shipped(lot, "refiner")
            book.received(lot)

        _attempt(book, sell)
    elif kind == "credits" and lot:
        counter[0] += 1
        body = issuing(book, lot, credits=amount // 1_000 + 1, batch=f"FMC-{counter[0]}")
        _attempt(book, lambda: book.state(mine, "credits.issued", body))
    elif kind == "deposit" and held:
        _attempt(
            book,
            lambda: book.state(
                "refiner", "mass_balance.deposited", deposit(book, held[pick % len(held)])
            ),
        )
    elif kind == "draw":
        _attempt(book, lambda: book.state("refiner", "mass_balance.drawn", draw(amount // 4 + 1)))
    elif kind == "claim" and held:
        target = held[pick % len(held)]

        def claim():
            book.shipped(target, "jeweller")
            book.received(target)
            book.state("jeweller", "lot.claimed", book.claiming(target))

        _attempt(book, claim)


def _counted(book: Book, mine: str) -> int:
    """Fine mg of ``mine``'s production counted in any model: labelled in lots (claimed or
    not), issued as credits, in a mass-balance account or drawn from it."""
    objects = book.store.objects
    labelled = sum(
        lot["origin_fine"].get(mine, 0) for lot in objects["lot"].values() if lot["claim"] != "none"
    )
    credits = sum(
        b["credits"] * 1_000 for b in objects["credit_batch"].values() if b["asmo"] == mine
    )
    balance = 0
    for account in objects["mb_account"].values():
        balance += sum(b["origin_fine"].get(mine, 0) for b in account["buckets"])
        balance += sum(
            e["origin_fine"].get(mine, 0) for e in account["events"] if e["kind"] == "draw"
        )
    return labelled + credits + balance


@settings(max_examples=40)
@given(st.lists(STEP, min_size=1, max_size=14))
def test_a_gram_of_certified_production_counts_at_most_once(steps):
    book = Book()
    opened(book)
    counter = [0]
    for kind, pick, amount in steps:
        _step(book, kind, pick, amount, counter)
        for mine, certificate in (("mine", "FM-ECO"), ("mine-fm", "FM-PLAIN")):
            registered = sum(book.store.get("certificate", certificate)["capacity_used"].values())
            assert _counted(book, mine) <= registered


@given(st.integers(1, 10**9), st.integers(1, 10**9), st.integers(1, 10_000), st.integers(1, 10**13))
def test_the_converted_floor_is_the_exact_rational_rounded_up(fine, reference, floor_bp, rate):
    """A price meets the floor exactly when it is at least ``floor_price``: no rounding
    between ARM's posted figures and the comparison."""
    exact = (
        Fraction(floor_bp, 10_000)
        * reference
        * Fraction(rate, 1_000_000)
        * Fraction(fine, 1000)
        / Fraction("31.1034768")
    )
    least = floor_price(fine, reference, floor_bp, rate)
    assert least >= exact > least - 1
