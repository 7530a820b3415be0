"""Human units are converted to the ledger's integers exactly, and ambiguity is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.cli.units import (
    MINOR_DIGITS,
    UnitError,
    format_fineness,
    format_mass,
    format_money,
    parse_fineness,
    parse_mass_mg,
    parse_money,
)

masses = st.integers(min_value=1, max_value=10**12)
currencies = st.sampled_from(["USD", "EUR", "COP", "PEN", "JPY", "KWD", "CLF"])


@pytest.mark.parametrize(
    ("text", "mg"),
    [
        ("1.2497 kg", 1_249_700),
        ("1249.7 g", 1_249_700),
        ("1,249,700 mg", 1_249_700),
        ("1,249.7 g", 1_249_700),
        ("1249700mg", 1_249_700),
        ("0.001 g", 1),
        (".5 kg", 500_000),
        ("2 KG", 2_000_000),
    ],
)
def test_masses(text, mg):
    assert parse_mass_mg(text) == mg


@pytest.mark.parametrize(
    "text",
    [
        "1,249 g",  # a decimal comma or a thousands separator?
        "1.249,7 g",
        "1,24,9700 mg",
        "1249.7005 g",  # finer than a milligram: not rounded
        "0 g",
        "-5 g",
        "1249.7",  # no unit
        "5 oz",
        "1e3 g",
        "1.2.3 kg",
        "",
    ],
)
def test_ambiguous_or_inexact_masses_are_refused(text):
    with pytest.raises(UnitError):
        parse_mass_mg(text)


@given(mg=masses, unit=st.sampled_from(["mg", "g", "kg"]), grouped=st.booleans())
def test_every_exact_mass_round_trips_in_every_unit(mg, unit, grouped):
    scale = {"mg": 0, "g": 3, "kg": 6}[unit]
    value = Decimal(mg).scaleb(-scale)
    text = f"{value:,f}" if grouped else f"{value:f}"
    if grouped and text.count(",") == 1 and "." not in text:
        with pytest.raises(UnitError):  # "1,249 g" stays ambiguous whatever was meant
            parse_mass_mg(f"{text} {unit}")
        return
    assert parse_mass_mg(f"{text} {unit}") == mg


@given(mg=masses)
def test_a_mass_shown_to_a_person_reads_back_exactly(mg):
    assert parse_mass_mg(format_mass(mg)) == mg


@given(mg=masses, extra=st.integers(1, 9))
def test_anything_finer_than_a_milligram_is_refused(mg, extra):
    with pytest.raises(UnitError):
        parse_mass_mg(f"{mg}.{extra} mg")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USD 4,902.00", ("USD", 490_200)),
        ("4902 USD", ("USD", 490_200)),
        ("usd 0.01", ("USD", 1)),
        ("JPY 1,000,000", ("JPY", 1_000_000)),
        ("KWD 1.234", ("KWD", 1_234)),
    ],
)
def test_money(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    "text", ["4,902", "USD 4,902", "USD 4.902,00", "USD 1.001", "JPY 1.5", "4902", "USD 1 EUR"]
)
def test_ambiguous_or_inexact_money_is_refused(text):
    with pytest.raises(UnitError):
        parse_money(text)


def test_the_expected_currency_is_assumed_or_enforced():
    assert parse_money("6,748.38", "USD") == ("USD", 674_838)
    with pytest.raises(UnitError):
        parse_money("EUR 10.00", "USD")


@given(minor=st.integers(0, 10**15), currency=currencies)
def test_an_amount_shown_to_a_person_reads_back_exactly(minor, currency):
    shown = format_money(minor, currency)
    assert parse_money(shown) == (currency, minor)
    digits = MINOR_DIGITS.get(currency, 2)
    if digits:
        with pytest.raises(UnitError):  # one digit more than the currency has
            parse_money(shown + "1")


@pytest.mark.parametrize(
    ("text", "parts"),
    [("999.9", 9999), ("999.9‰", 9999), ("750", 7500), ("99.99%", 9999), ("9999/10000", 9999)],
)
def test_fineness(text, parts):
    assert parse_fineness(text) == parts


@pytest.mark.parametrize("text", ["9999", "999.95", "0", "100.01%", "1000.1", "abc"])
def test_impossible_or_inexact_fineness_is_refused(text):
    with pytest.raises(UnitError):
        parse_fineness(text)


@given(parts=st.integers(1, 10_000))
def test_fineness_round_trips(parts):
    assert parse_fineness(format_fineness(parts)) == parts
    assert parse_fineness(f"{parts}/10000") == parts
