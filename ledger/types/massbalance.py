"""Incorporated (mass balance): a party's account per site of labelled fine metal in and
metal sold out under the Fairmined claim.

Deposits consume a labelled lot the party holds (first sale done, every premium confirmed, not
claimed): the lot loses its label and the account gains its labelled fine metal, per origin
mine, in the accounting period of the deposit. Periods are calendar quarters. A deposit can be
drawn in its own quarter and the next one (carry-over of one period); what is left after that
expires and is never drawn. Draws take the oldest usable metal first, so the fine metal drawn
in any quarter never exceeds what was deposited in it and the quarter before, less what was
already drawn from that (``mass-balance-overdraw``).
"""

from __future__ import annotations

from datetime import date

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import LABELLED, NONE
from ledger.fields import HASH_HEX, LOT_ID, TEXT, Int, Obj, Str
from ledger.lotstate import held_lot, require_premiums_settled, touch
from ledger.origins import apportion, labelled_fine
from ledger.projections import JSONObject
from ledger.standing import has_authorisation
from ledger.types.certification import METALS

ACCOUNT_ID = Str(
    pattern=r"MBA-[A-Z0-9][A-Z0-9-]{0,59}", max_len=64, description="mass-balance account"
)
ROLES = {"first_buyer", "supplier", "licensee"}
CARRY_OVER_PERIODS = 1


def quarter(day: date) -> int:
    """The accounting period holding ``day``, numbered (year × 4 + quarter index)."""
    return day.year * 4 + (day.month - 1) // 3


def period_name(number: int) -> str:
    return f"{number // 4:04d}-Q{number % 4 + 1}"


def usable(bucket: JSONObject, today: date) -> bool:
    """Whether a period's deposits may still be drawn on ``today``."""
    period: int = bucket["period"]
    return 0 <= quarter(today) - period <= CARRY_OVER_PERIODS


def available(account: JSONObject, today: date) -> int:
    """Fine mg that may be drawn today."""
    return sum(b["remaining"] for b in account["buckets"] if usable(b, today))


def _own_account(ctx: Context) -> JSONObject:
    account: JSONObject | None = ctx.store.get("mb_account", ctx.body["account_id"])
    if account is None:
        raise LedgerError("unknown-account", "no such account", pointer="/body/account_id")
    if account["party"] != ctx.actor["id"]:
        raise forbidden("not-account-holder", f"{account['id']} is kept by {account['party']}")
    if not has_authorisation(ctx, ctx.actor):
        raise forbidden(
            "not-authorised", f"{ctx.actor['id']} holds no Fairmined authorisation today"
        )
    return account


def _record(ctx: Context, account: JSONObject, event: JSONObject) -> None:
    account["history"].append(ctx.seq)
    account["events"].append({"seq": ctx.seq, "day": ctx.day.isoformat(), **event})
    ctx.store.put("mb_account", account)


@entry_type(
    "mass_balance.opened",
    Obj({"account_id": ACCOUNT_ID, "site": TEXT, "metal": Str(choices=METALS)}),
    roles=ROLES,
    summary="An authorised party opens a mass-balance account for one site and metal.",
)
def mass_balance_opened(ctx: Context) -> None:
    if ctx.store.get("mb_account", ctx.body["account_id"]) is not None:
        raise conflict("account-exists", f"account {ctx.body['account_id']} exists")
    if not has_authorisation(ctx, ctx.actor):
        raise forbidden(
            "not-authorised", f"{ctx.actor['id']} holds no Fairmined authorisation today"
        )
    ctx.store.put(
        "mb_account",
        {
            "id": ctx.body["account_id"],
            "party": ctx.actor["id"],
            "site": ctx.body["site"],
            "metal": ctx.body["metal"],
            "opened_seq": ctx.seq,
            "buckets": [],
            "deposited": 0,
            "drawn": 0,
            "origin_asmos": [],
            "history": [ctx.seq],
            "events": [],
        },
    )


@entry_type(
    "mass_balance.deposited",
    Obj({"account_id": ACCOUNT_ID, "lot_id": LOT_ID, "lot_head": HASH_HEX}),
    roles=ROLES,
    summary="The account holder puts a labelled lot's fine metal into its mass-balance "
    "account; the lot loses its label and its metal may be mixed freely.",
)
def mass_balance_deposited(ctx: Context) -> None:
    account = _own_account(ctx)
    lot = held_lot(ctx, ctx.body["lot_id"], ctx.body["lot_head"])
    if lot["claim"] not in LABELLED or lot["first_sale"] is not None:
        raise LedgerError("claim-requires-label", f"{lot['id']} carries no sold labelled metal")
    if lot["claimed_by"] is not None:
        raise conflict("already-claimed", f"{lot['id']} was claimed by {lot['claimed_by']}")
    if lot["metal"] != account["metal"]:
        raise invalid(f"the account holds {account['metal']}", "/body/lot_id")
    require_premiums_settled(ctx, lot, "deposit")
    fine, origin = labelled_fine(lot), dict(lot["origin_fine"])
    period = quarter(ctx.day)
    bucket = next((b for b in account["buckets"] if b["period"] == period), None)
    if bucket is None:
        bucket = {"period": period, "name": period_name(period), "deposited": 0, "remaining": 0}
        bucket["origin_fine"] = {}
        account["buckets"].append(bucket)
    bucket["deposited"] += fine
    bucket["remaining"] += fine
    for mine, mg in origin.items():
        bucket["origin_fine"][mine] = bucket["origin_fine"].get(mine, 0) + mg
    account["deposited"] += fine
    account["origin_asmos"] = sorted({*account["origin_asmos"], *origin})
    _record(
        ctx, account, {"kind": "deposit", "lot": lot["id"], "fine_mg": fine, "origin_fine": origin}
    )
    lot.update({"claim": NONE, "origin_fine": {}, "deposited_to": account["id"]})
    touch(ctx, lot)


@entry_type(
    "mass_balance.drawn",
    Obj(
        {
            "account_id": ACCOUNT_ID,
            "fine_mg": Int(minimum=1, maximum=10**12, description="fine metal claimed, mg"),
            "subject": TEXT,
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
        },
        optional=frozenset({"lot_id", "lot_head"}),
    ),
    roles=ROLES,
    summary="The account holder sells metal under the Fairmined (Incorporated) claim, drawing "
    "fine metal from its account, never more than it holds for the period; a product lot it "
    "holds may be named.",
)
def mass_balance_drawn(ctx: Context) -> None:
    body = ctx.body
    account = _own_account(ctx)
    if ("lot_id" in body) != ("lot_head" in body):
        raise invalid("lot_id and lot_head go together", "/body/lot_head")
    lot = held_lot(ctx, body["lot_id"], body["lot_head"]) if "lot_id" in body else None
    wanted = body["fine_mg"]
    if wanted > available(account, ctx.day):
        raise LedgerError(
            "mass-balance-overdraw",
            f"{account['id']} holds {available(account, ctx.day)} mg fine metal usable in "
            f"{period_name(quarter(ctx.day))}",
            pointer="/body/fine_mg",
        )
    drawn: dict[str, int] = {}
    for bucket in sorted(account["buckets"], key=lambda b: b["period"]):
        if wanted == 0 or not usable(bucket, ctx.day) or not bucket["remaining"]:
            continue
        take = min(wanted, bucket["remaining"])
        taken, left = apportion(bucket["origin_fine"], [take, bucket["remaining"] - take])
        bucket.update(remaining=bucket["remaining"] - take, origin_fine=left)
        for mine, mg in taken.items():
            drawn[mine] = drawn.get(mine, 0) + mg
        wanted -= take
    account["drawn"] += body["fine_mg"]
    draw = {"kind": "draw", "fine_mg": body["fine_mg"], "origin_fine": drawn}
    draw.update(subject=body["subject"], lot=body.get("lot_id"))
    _record(ctx, account, draw)
    if lot is not None:
        lot["mass_balance_draws"] = [
            *lot.get("mass_balance_draws", []),
            {
                "account": account["id"],
                "seq": ctx.seq,
                "fine_mg": body["fine_mg"],
                "origin_fine": drawn,
            },
        ]
        touch(ctx, lot)
