"""Fairmined arithmetic and label rules, exact in integers.

Units: masses in milligrams, fineness in parts per 10,000, money in minor units, rates per
kilogram of fine metal. Rounding is stated where it happens.
"""

from __future__ import annotations

from datetime import date

from ledger.projections import Certificate, Processing

MG_PER_KG = 1_000_000
BP = 10_000
# 1 troy ounce = 31.1034768 g = 311034768 / 10**7 g.
TROY_OUNCE_G_NUM, TROY_OUNCE_G_DEN = 311_034_768, 10**7

# Claims, strongest first. Mixing takes the weakest of the inputs.
ECOLOGICAL, FAIRMINED, NONE = "ecological", "fairmined", "none"
CLAIM_ORDER = (ECOLOGICAL, FAIRMINED, NONE)
LABELLED = frozenset({ECOLOGICAL, FAIRMINED})

# Seed premium table (Fairmined Standard v2.0), in USD cents per kg of fine metal.
SEED_RATES = (
    {
        "rate_id": "gold-fairmined-2014",
        "metal": "gold",
        "certification": FAIRMINED,
        "amount_per_kg": 4_000_00,
        "currency": "USD",
        "effective_from": "2014-01-01",
    },
    {
        "rate_id": "gold-ecological-2014",
        "metal": "gold",
        "certification": ECOLOGICAL,
        "amount_per_kg": 6_000_00,
        "currency": "USD",
        "effective_from": "2014-01-01",
    },
)


# Certified capacity (the artisanal scope a certificate rests on): at most this many miners, and
# at most this much fine metal per miner and year; a certificate that states no cap gets the
# default per miner. So no artisanal mine is certified for more than 500 kg of fine gold a year.
MAX_MINERS = 1_000
MAX_FINE_MG_PER_MINER_YEAR = 500_000
DEFAULT_FINE_MG_PER_MINER_YEAR = 250_000


def fine_mg(gross_mg: int, fineness_bp: int) -> int:
    """Fine metal in a lot, rounded down to the milligram (never overstated)."""
    return gross_mg * fineness_bp // BP


def premium_due(fine: int, amount_per_kg: int) -> int:
    """Premium in minor units for ``fine`` mg at ``amount_per_kg``; rounded half up."""
    return (fine * amount_per_kg + MG_PER_KG // 2) // MG_PER_KG


def combined_claim(claims: list[str]) -> str:
    """The claim of metal mixed from inputs with ``claims``: the weakest one wins."""
    return max(claims, key=CLAIM_ORDER.index)


def is_ecological_process(processing: Processing) -> bool:
    """Ecological Gold: no mercury, no cyanide, gravimetric processing only."""
    return (
        not processing["mercury"] and not processing["cyanide"] and processing["gravimetric_only"]
    )


def covers(certificate: Certificate, metal: str, claim: str) -> bool:
    """Whether a certificate's scope covers ``metal`` with this claim."""
    return metal in certificate["metals"] and (claim != ECOLOGICAL or certificate["ecological"])


def certificate_problem(certificate: Certificate, day: date) -> str | None:
    """Why a certificate is not active on ``day`` (a stable code), or None if it is."""
    if certificate["status"] == "withdrawn":
        return "certificate-withdrawn"
    if certificate["status"] == "suspended":
        return "certificate-suspended"
    if not date.fromisoformat(certificate["valid_from"]) <= day:
        return "certificate-not-yet-valid"
    if day > date.fromisoformat(certificate["valid_to"]):
        return "certificate-expired"
    return None


def in_period(valid_from: str, valid_to: str | None, day: date) -> bool:
    """Whether ``day`` lies in [valid_from, valid_to] (an open end when valid_to is None)."""
    start_ok = date.fromisoformat(valid_from) <= day
    return start_ok and (valid_to is None or day <= date.fromisoformat(valid_to))


def certificate_year(valid_from: date, day: date) -> date:
    """The first day of the certificate year (counted from ``valid_from``) holding ``day``."""
    years = day.year - valid_from.year
    if (day.month, day.day) < (valid_from.month, valid_from.day):
        years -= 1
    try:
        return valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February in a common year
        return valid_from.replace(year=valid_from.year + years, day=28)
