"""ARM's market data: the versioned premium rate table and reference prices."""

from __future__ import annotations

from datetime import date

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, invalid
from ledger.fairmined import ECOLOGICAL, FAIRMINED, in_period
from ledger.fields import CURRENCY, MONEY, Date, Int, Obj, Str
from ledger.projections import JSONObject
from ledger.types.certification import METALS

RATE = Obj(
    {
        "rate_id": Str(pattern=r"[a-z0-9][a-z0-9-]{2,63}", max_len=64),
        "metal": Str(choices=METALS),
        "certification": Str(choices=(FAIRMINED, ECOLOGICAL)),
        "amount_per_kg": MONEY,
        "currency": CURRENCY,
        "effective_from": Date(),
        "effective_to": Date(),
    },
    optional=frozenset({"effective_to"}),
    description="premium per kg of fine metal, in minor units",
)


def put_rate(ctx: Context, body: JSONObject) -> None:
    """Add a rate version (refusing a reused id or an inverted period)."""
    if ctx.store.get("rate", body["rate_id"]) is not None:
        raise conflict("rate-exists", f"rate {body['rate_id']} exists; add a new version")
    end = body.get("effective_to")
    if end is not None and date.fromisoformat(end) < date.fromisoformat(body["effective_from"]):
        raise invalid("effective_to is before effective_from", "/body/effective_to")
    ctx.store.put(
        "rate",
        {
            "id": body["rate_id"],
            "metal": body["metal"],
            "certification": body["certification"],
            "amount_per_kg": body["amount_per_kg"],
            "currency": body["currency"],
            "effective_from": body["effective_from"],
            "effective_to": end,
            "set_seq": ctx.seq,
        },
    )


@entry_type(
    "premium_rate.set", RATE, roles={"arm"}, summary="ARM adds a version of the premium rate table."
)
def premium_rate_set(ctx: Context) -> None:
    put_rate(ctx, ctx.body)


def rate_on(ctx: Context, metal: str, certification: str) -> JSONObject:
    """The rate in force today: the latest ``effective_from`` among rates covering today."""
    current: list[JSONObject] = [
        r
        for r in ctx.store.find("rate", "metal", metal)
        if r["certification"] == certification
        and in_period(r["effective_from"], r["effective_to"], ctx.day)
    ]
    if not current:
        raise LedgerError("no-premium-rate", f"no {certification} {metal} rate on {ctx.day}")
    return max(current, key=lambda r: (r["effective_from"], r["set_seq"]))


@entry_type(
    "reference_price.posted",
    Obj(
        {
            "metal": Str(choices=METALS),
            "day": Date(),
            "currency": CURRENCY,
            "price_per_troy_oz": Int(
                minimum=1, maximum=10**12, description="minor units per troy ounce of fine metal"
            ),
        }
    ),
    roles={"arm"},
    summary="ARM posts the reference price used for the 95% price-floor check.",
)
def reference_price_posted(ctx: Context) -> None:
    body = ctx.body
    key = f"{body['metal']}:{body['currency']}:{body['day']}"
    if ctx.store.get("price", key) is not None:
        raise conflict("price-exists", f"a {body['metal']} price for {body['day']} exists")
    ctx.store.put("price", {"id": key, **body, "posted_seq": ctx.seq})


def reference_price(
    ctx: Context, metal: str, currency: str, max_age_days: int = 7, day: date | None = None
) -> JSONObject:
    """The latest reference price posted for a day on or before ``day`` (default: today), at
    most a week old."""
    day = ctx.day if day is None else day
    candidates: list[JSONObject] = [
        p
        for p in ctx.store.find("price", "metal", metal)
        if p["currency"] == currency and p["day"] <= day.isoformat()
    ]
    if candidates:
        latest = max(candidates, key=lambda p: p["day"])
        if (day - date.fromisoformat(latest["day"])).days <= max_age_days:
            return latest
    raise LedgerError(
        "no-reference-price", f"no {metal} reference price in {currency} within a week of {day}"
    )
