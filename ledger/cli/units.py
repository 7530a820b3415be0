"""Human units to the ledger's exact integers: masses to milligrams, money to minor units,
fineness to parts per 10,000.

Parsing is exact (``decimal``, never floats) and refuses anything ambiguous: a lone comma
could be a decimal comma (``1,249 g``), so commas are accepted only as thousands separators
in a number that also has a decimal point or more than one group (``USD 4,902.00``,
``1,249,700 mg``); a value finer than the target unit (``1249.7005 g``) is refused rather
than rounded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MG_PER = {"mg": 1, "g": 1_000, "kg": 1_000_000}

# ISO 4217 currencies whose minor unit is not the cent.
MINOR_DIGITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}

_NUMBER = re.compile(r"[0-9][0-9,]*(\.[0-9]+)?|\.[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")


class UnitError(ValueError):
    """The text is not an exact, unambiguous quantity."""


def parse_number(text: str) -> Decimal:
    """A non-negative decimal number, with thousands commas only where they cannot mislead."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        raise UnitError(f"{text!r} is not a number (use a point for decimals: 1249.7)")
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise UnitError(f"{text!r}: commas must separate groups of three digits")
        if text.count(",") == 1 and "." not in text:
            raise UnitError(
                f"{text!r} is ambiguous: a decimal comma or a thousands separator? "
                "Write it without the comma, or with a decimal point"
            )
        text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover (the pattern admits only numbers)
        raise UnitError(f"{text!r} is not a number") from exc


def _exact(value: Decimal, scale: int, what: str, text: str) -> int:
    scaled = value * scale
    if scaled != scaled.to_integral_value():
        raise UnitError(f"{text!r} is finer than one {what}; nothing is rounded")
    return int(scaled)


def parse_mass_mg(text: str) -> int:
    """``1.2497 kg``, ``1249.7 g``, ``1,249,700 mg`` -> integer milligrams (positive)."""
    match = re.fullmatch(r"\s*([0-9.,]+)\s*([A-Za-z]+)\s*", text)
    if not match:
        raise UnitError(f"{text!r}: give a number and a unit (mg, g or kg), e.g. 1249.7 g")
    number, unit = match.group(1), match.group(2).lower()
    if unit not in MG_PER:
        raise UnitError(f"{text!r}: unknown mass unit {match.group(2)!r} (use mg, g or kg)")
    mg = _exact(parse_number(number), MG_PER[unit], "milligram", text)
    if mg <= 0:
        raise UnitError(f"{text!r}: a mass is positive")
    return mg


def parse_money(text: str, currency: str | None = None) -> tuple[str, int]:
    """``USD 4,902.00`` or ``4902 USD`` -> (``USD``, 490200) in the currency's minor units.

    ``currency`` is the one expected (when the text names none, it is assumed; when the text
    names another, the text is refused).
    """
    match = re.fullmatch(r"\s*(?:([A-Za-z]{3})\s+)?([0-9.,]+)(?:\s+([A-Za-z]{3}))?\s*", text)
    if not match or (match.group(1) and match.group(3)):
        raise UnitError(f"{text!r}: write an amount as e.g. 'USD 4,902.00'")
    named = (match.group(1) or match.group(3) or "").upper() or None
    if named and currency and named != currency.upper():
        raise UnitError(f"{text!r}: the amount is owed in {currency.upper()}, not {named}")
    code = named or (currency.upper() if currency else None)
    if code is None:
        raise UnitError(f"{text!r}: name the currency, e.g. 'USD 4,902.00'")
    digits = MINOR_DIGITS.get(code, 2)
    minor = _exact(parse_number(match.group(2)), 10**digits, f"minor unit of {code}", text)
    return code, minor


def parse_fineness(text: str) -> int:
    """Fineness to parts per 10,000: ``999.9`` or ``999.9‰`` (per mille, the hallmark),
    ``99.99%``, or ``9999/10000``."""
    raw = text.strip()
    if raw.endswith("/10000"):
        number, scale = raw[: -len("/10000")], 1
    elif raw.endswith("%"):
        number, scale = raw[:-1], 100
    else:
        number, scale = raw.removesuffix("‰"), 10
    parts = _exact(parse_number(number), scale, "part per 10,000", text)
    if not 1 <= parts <= 10_000:
        raise UnitError(
            f"{text!r}: fineness is per mille (999.9), a percentage (99.99%) "
            "or parts per 10,000 (9999/10000), at most pure metal"
        )
    return parts


def format_mass(mg: int) -> str:
    """``1249700`` -> ``1,249.700 g``."""
    grams, rest = divmod(mg, 1000)
    return f"{grams:,}.{rest:03d} g"


def format_money(minor: int, currency: str) -> str:
    """``490200, USD`` -> ``USD 4,902.00``."""
    digits = MINOR_DIGITS.get(currency, 2)
    if digits == 0:  # no decimal point, so no commas: "JPY 1,000" would read as ambiguous
        return f"{currency} {minor}"
    units, rest = divmod(minor, 10**digits)
    return f"{currency} {units:,}.{rest:0{digits}d}"


def format_fineness(parts: int) -> str:
    """``9999`` -> ``999.9``."""
    return f"{parts // 10}.{parts % 10}"
