"""Exact conversion between currencies for the price floor, in integer minor units.

ARM posts exchange rates as integers: ``rate_micro`` = minor units of the quote currency worth
one minor unit of the base currency, times 1,000,000 (USD 1 = COP 4,012.37 is 4,012,370,000,
since both have two decimals; USD 1 = PEN 3.7451 is rounded by ARM to six places as 3,745,100).
Nothing is rounded between the posted figures and the comparison: the floor is the exact
rational ``floor × reference × rate × fine``, and the smallest integer price meeting it is that
rational rounded up to the minor unit, so a price meets the floor exactly when it is at least
``floor_price``.
"""

from __future__ import annotations

from ledger.fairmined import BP, TROY_OUNCE_G_DEN, TROY_OUNCE_G_NUM

RATE_SCALE = 1_000_000
# ISO 4217 currencies whose minor unit is not a hundredth (all others: 2 decimals).
MINOR_DIGITS = {
    "BHD": 3, "CLP": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "LYD": 3,
    "OMR": 3, "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip


def minor_digits(currency: str) -> int:
    """Decimals of the currency's minor unit (ISO 4217)."""
    return MINOR_DIGITS.get(currency, 2)


def floor_price(
    fine: int, reference_per_troy_oz: int, floor_bp: int, rate_micro: int = RATE_SCALE
) -> int:
    """The least price, in minor units of the sale's currency, that meets the floor for
    ``fine`` mg: ``floor_bp``/10,000 of the reference price per troy ounce (in the base
    currency's minor units), converted at ``rate_micro``, rounded up to the minor unit."""
    numerator = floor_bp * reference_per_troy_oz * rate_micro * TROY_OUNCE_G_DEN * fine
    denominator = BP * RATE_SCALE * 1000 * TROY_OUNCE_G_NUM
    return -(-numerator // denominator)


def convert(amount: int, rate_micro: int) -> int:
    """``amount`` minor units of the base currency in the quote currency, rounded half up
    (for display; the floor itself is compared exactly by ``floor_price``)."""
    return (amount * rate_micro + RATE_SCALE // 2) // RATE_SCALE
