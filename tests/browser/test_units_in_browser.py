"""What people type becomes exact integers in the browser: masses in milligrams, fineness in
parts per 10,000, money in the currency's minor units, with no floating point on the way."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.browser
PLACES = {"mg": 0, "g": 3, "kg": 6}
SETTINGS = settings(
    max_examples=120,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def units(page, body: str, arg):
    return page.evaluate(
        f"async (arg) => {{ const u = await import('/workspace/units.js'); {body} }}", arg
    )


def convert(page, function: str, text: str, extra: str):
    return units(
        page,
        f"try {{ return {{ok: u.{function}(arg.text, arg.extra)}}; }}"
        " catch (e) { return {error: e.message}; }",
        {"text": text, "extra": extra},
    )


DECIMALS = st.builds(
    lambda whole, fraction: f"{whole}.{fraction}" if fraction else str(whole),
    st.integers(0, 10**10),
    st.text("0123456789", max_size=8),
)


@SETTINGS
@given(text=DECIMALS, unit=st.sampled_from(sorted(PLACES)))
def test_masses_convert_to_exact_milligrams_or_are_refused(static_page, text, unit):
    got = convert(static_page, "massToMg", text, unit)
    exact = Decimal(text).scaleb(PLACES[unit])
    if exact != exact.to_integral_value():
        assert "decimal" in got["error"] or "whole" in got["error"]
    elif exact > 2**53 - 1:
        assert "too large" in got["error"]
    else:
        assert got == {"ok": int(exact)}


@SETTINGS
@given(minor=st.integers(0, 2**53 - 1), places=st.sampled_from([0, 1, 2, 3, 6]))
def test_showing_and_reading_back_is_the_identity(static_page, minor, places):
    text = units(static_page, "return u.unscale(arg[0], arg[1]);", [minor, places])
    assert Decimal(text) == Decimal(minor).scaleb(-places)
    assert units(static_page, "return u.scaleDecimal(arg[0], arg[1]);", [text, places]) == minor


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("4400.00", "USD", 440_000), ("4400", "USD", 440_000), ("1500", "JPY", 1500),
     ("1.234", "KWD", 1234), ("12,5", "USD", None), ("1.005", "USD", None), ("1e3", "USD", None),
     ("-5", "USD", None), ("", "USD", None), ("5", "ZZZZ", None)],
)  # fmt: skip
def test_money_in_the_currencys_minor_units(static_page, text, currency, minor):
    got = convert(static_page, "moneyToMinor", text, currency)
    assert got == ({"ok": minor} if minor is not None else {"error": got.get("error")})
    assert minor is not None or got["error"]


@pytest.mark.parametrize(
    ("text", "parts"), [("999.9", 9999), ("880", 8800), ("1000.0", 10000), ("0.1", 1)]
)
def test_fineness_per_mille_to_parts_per_ten_thousand(static_page, text, parts):
    assert convert(static_page, "finenessToParts", text, "") == {"ok": parts}


@pytest.mark.parametrize(
    ("locale", "shown"), [("en", "1,099,736.500"), ("es", "1.099.736,500"), ("de-CH", None)]
)
def test_exact_amounts_are_shown_in_the_page_language(static_page, locale, shown):
    got = units(static_page, "return u.formatScaled(1099736500, 3, arg);", locale)
    if shown:
        assert got == shown
    assert re.sub(r"\D", "", got) == "1099736500"  # every digit, exactly, whatever the marks
