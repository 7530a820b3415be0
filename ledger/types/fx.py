"""Exchange rates posted by ARM, and the reference price of a sale in its own currency.

ARM posts reference prices in USD per troy ounce (the benchmark it follows) and, the same way,
daily exchange rates from USD to the currencies mines sell in (COP, PEN, ...). A sale priced in
another currency is held to the floor in that currency: the USD reference price converted at
the rate posted for the same week, exactly (``ledger.money``). A reference price ARM posts
directly in the sale's currency takes precedence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, invalid
from ledger.fields import CURRENCY, Date, Int, Obj
from ledger.money import RATE_SCALE
from ledger.projections import JSONObject
from ledger.types.market import reference_price

BASE_CURRENCY = "USD"
MAX_AGE_DAYS = 7


@entry_type(
    "exchange_rate.posted",
    Obj(
        {
            "day": Date(),
            "base": CURRENCY,
            "quote": CURRENCY,
            "rate_micro": Int(
                minimum=1,
                maximum=10**15,
                description="minor units of the quote currency per minor unit of the base "
                "currency, times 1,000,000",
            ),
        }
    ),
    roles={"arm"},
    summary="ARM posts a day's exchange rate, used to hold a sale in another currency to the "
    "price floor.",
)
def exchange_rate_posted(ctx: Context) -> None:
    body = ctx.body
    if body["base"] == body["quote"]:
        raise invalid("the quote currency differs from the base", "/body/quote")
    key = f"{body['base']}:{body['quote']}:{body['day']}"
    if ctx.store.get("fx", key) is not None:
        raise conflict("rate-exists", f"a {body['base']}/{body['quote']} rate for that day exists")
    ctx.store.put("fx", {"id": key, **body, "posted_seq": ctx.seq})


def exchange_rate(ctx: Context, base: str, quote: str, day: date) -> JSONObject:
    """The latest rate posted for a day on or before ``day``, at most a week old."""
    candidates: list[JSONObject] = [
        r
        for r in ctx.store.find("fx", "quote", quote)
        if r["base"] == base and r["day"] <= str(day)
    ]
    if candidates:
        latest = max(candidates, key=lambda r: r["day"])
        if (day - date.fromisoformat(latest["day"])).days <= MAX_AGE_DAYS:
            return latest
    raise LedgerError("no-exchange-rate", f"no {base}/{quote} exchange rate within a week of {day}")


@dataclass(frozen=True)
class FloorReference:
    """The reference price a sale in ``currency`` is held to, and the conversion applied."""

    price_per_troy_oz: int
    day: str
    rate_micro: int
    rate_day: str | None


def floor_reference(
    ctx: Context, metal: str, currency: str, day: date | None = None
) -> FloorReference:
    """The reference price for a sale in ``currency``: posted in that currency, or ARM's USD
    price with ARM's exchange rate of the same week."""
    day = ctx.day if day is None else day
    try:
        direct = reference_price(ctx, metal, currency, day=day)
        return FloorReference(direct["price_per_troy_oz"], direct["day"], RATE_SCALE, None)
    except LedgerError:
        if currency == BASE_CURRENCY:
            raise
    usd = reference_price(ctx, metal, BASE_CURRENCY, day=day)
    rate = exchange_rate(ctx, BASE_CURRENCY, currency, day)
    return FloorReference(usd["price_per_troy_oz"], usd["day"], rate["rate_micro"], rate["day"])
