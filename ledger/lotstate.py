"""Reading and updating lots inside a rule: ownership, freshness (``lot_head``) and history."""

from __future__ import annotations

from typing import Any, Unpack

from ledger.entry_types import Context
from ledger.errors import LedgerError, conflict, forbidden
from ledger.fairmined import LABELLED, fine_mg
from ledger.premium_state import premium_state
from ledger.projections import Lot, LotOptional
from ledger.standing import require_standing


def get_lot(ctx: Context, lot_id: str, pointer: str = "/body/lot_id") -> Lot:
    """The lot, or ``unknown-lot``."""
    lot = ctx.store.get("lot", lot_id)
    if lot is None:
        raise LedgerError("unknown-lot", f"no lot {lot_id!r}", pointer=pointer)
    return lot


def held_lot(ctx: Context, lot_id: str, lot_head: str, pointer: str = "/body/lot_id") -> Lot:
    """A lot the actor holds, unchanged since the actor last saw it (``lot_head``)."""
    lot = get_lot(ctx, lot_id, pointer)
    if lot["holder"] != ctx.actor["id"]:
        raise forbidden("not-holder", f"{ctx.actor['id']} does not hold {lot_id}")
    if lot["head"] != lot_head:
        raise conflict(
            "stale-head", f"{lot_id} changed since {lot_head[:12]}; its head is {lot['head']}"
        )
    if lot["status"] == "in_transit":
        raise conflict("lot-in-transit", f"{lot_id} is in transit to {lot['incoming_to']}")
    if lot["status"] != "held":
        raise conflict("lot-not-active", f"{lot_id} is {lot['status']}")
    dispute = lot.get("dispute")
    if dispute is not None:
        raise conflict(
            "weight-dispute",
            f"{lot_id} is held until its weighing dispute is reconciled "
            f"(shipped {dispute['shipped_mg']} mg, received {dispute['received_mg']} mg)",
        )
    require_standing(ctx, lot, "act on")
    return lot


def touch(ctx: Context, lot: Lot) -> None:
    """Make this entry the lot's head, count its actor among the lot's custodians, store it."""
    lot["head"] = ctx.entry_hash
    lot["history"].append(ctx.seq)
    if "arm" not in ctx.actor["roles"]:  # ARM settles and releases; it takes no custody
        lot["custodians"] = sorted({*lot["custodians"], ctx.actor["id"]})
    ctx.store.put("lot", lot)


def new_lot(
    ctx: Context,
    lot_id: str,
    *,
    metal: str,
    form: str,
    gross_mg: int,
    fineness: int,
    claim: str,
    fine: int | None = None,
    **extra: Unpack[LotOptional],
) -> Lot:
    """A lot created by this entry, held by the actor (refusing a reused id)."""
    if ctx.store.get("lot", lot_id) is not None:
        raise conflict("lot-exists", f"lot {lot_id} already exists")
    lot: Lot = {
        "id": lot_id,
        "metal": metal,
        "form": form,
        "gross_mg": gross_mg,
        "fineness": fineness,
        "fine_mg": fine_mg(gross_mg, fineness) if fine is None else fine,
        "claim": claim,
        "holder": ctx.actor["id"],
        "status": "held",
        "incoming_to": None,
        "created_seq": ctx.seq,
        "head": None,
        "history": [],
        "parents": [],
        "children": [],
        "origin_asmos": [],
        "custodians": [],
        "origin_sites": [],
        "obligations": [],
        "assays": [],
        "claimed_by": None,
        "origin_fine": {},
        "first_sale": None,
        "dispute": None,
        **extra,
    }
    return lot


def require_premiums_settled(ctx: Context, lot: Lot, action: str) -> None:
    """A labelled lot moves past its first buyer only when every upstream premium is confirmed."""
    if lot["claim"] not in LABELLED:
        return
    for obligation_id in lot["obligations"]:
        obligation = ctx.store.get("obligation", obligation_id)
        assert obligation is not None  # a lot names only obligations that exist
        state = premium_state(obligation)
        if state != "paid":
            raise LedgerError(
                "premium-unsettled",
                f"cannot {action} {lot['id']}: premium {obligation_id} owed to "
                f"{obligation['asmo']} is {state} ({obligation['confirmed']} of "
                f"{obligation['due']} {obligation['currency']} confirmed)",
            )


def flag(ctx: Context, code: str, lot_id: str, detail: str, **data: Any) -> None:
    """Record a finding (non-blocking) against a lot."""
    number = len(ctx.flags) + 1
    ctx.flag(code)
    ctx.store.put(
        "finding",
        {
            "id": f"{ctx.seq}-{number}",
            "seq": ctx.seq,
            "code": code,
            "lot": lot_id,
            "party": ctx.actor["id"],
            "detail": detail,
            "day": ctx.day.isoformat(),
            **data,
        },
    )
