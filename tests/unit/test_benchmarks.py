"""ARM's benchmark CSVs become exact integer entry bodies, or are refused, never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.benchmarks import bodies

PRICES = "day,metal,currency,price_per_troy_oz\n"
RATES = "day,base,quote,rate\n"


def test_prices_and_rates_are_posted_in_exact_minor_units():
    (price,) = bodies("prices", (PRICES + "2026-11-30,gold,USD,4050.25\n").splitlines())
    assert price == {
        "day": "2026-11-30",
        "metal": "gold",
        "currency": "USD",
        "price_per_troy_oz": 405_025,
    }
    rates = bodies(
        "rates",
        (
            RATES + "2026-11-30,USD,COP,3912.45\n"
            "2026-11-30,USD,PEN,3.7451\n2026-11-30,USD,JPY,151.5\n"
        ).splitlines(),
    )
    assert [r["rate_micro"] for r in rates] == [3_912_450_000, 3_745_100, 1_515_000]


@pytest.mark.parametrize(
    ("kind", "csv"),
    [
        ("prices", PRICES + "2026-11-30,gold,USD,4050.255\n"),  # beyond the cent
        ("prices", PRICES + "2026-11-30,gold,USD,-1\n"),
        ("prices", PRICES + "2026-11-30,gold,USD,4e3x\n"),
        ("rates", RATES + "2026-11-30,USD,COP,3912.4500001\n"),  # beyond 6 decimals
        ("rates", "day,quote,base,rate\n2026-11-30,COP,USD,1\n"),  # wrong header
    ],
)
def test_a_figure_that_would_need_rounding_is_refused(kind, csv):
    with pytest.raises(ValueError, match=r"row 2|header"):
        bodies(kind, csv.splitlines())


@given(st.integers(1, 10**12), st.integers(0, 6))
def test_a_rate_round_trips_exactly(units, places):
    text = str(Decimal(units).scaleb(-places))
    (rate,) = bodies("rates", (RATES + f"2026-11-30,USD,COP,{text}\n").splitlines())
    assert Decimal(rate["rate_micro"]) == Decimal(text) * 1_000_000
