"""Settling a weighing dispute: a receiver weighed a labelled lot heavier than it was shipped.

The lot is held (``weight-dispute``) until the receiver and the sender agree on its mass, the
receiver stating ``lot.weight_reconciled`` with the sender's cosignature (or the sender with
the receiver's), or ARM states it alone. The agreed mass never adds fine metal to the lot.
"""

from __future__ import annotations

from ledger.cosign import COSIGNATURE, require_cosignature
from ledger.entry_types import Context, entry_type
from ledger.errors import conflict, forbidden
from ledger.fairmined import fine_mg
from ledger.fields import HASH_HEX, LOT_ID, MASS_MG, Obj
from ledger.lotstate import flag, get_lot, touch
from ledger.origins import shrink_to
from ledger.standing import require_standing
from ledger.types.lots import weighing


@entry_type(
    "lot.weight_reconciled",
    Obj(
        {"lot_id": LOT_ID, "lot_head": HASH_HEX, "gross_mg": MASS_MG, "cosignature": COSIGNATURE},
        optional=frozenset({"cosignature"}),
    ),
    roles={"arm", "asmo", "first_buyer", "supplier", "licensee"},
    summary="Sender and receiver (one states, the other cosigns), or ARM alone, settle a "
    "weighing dispute with the agreed mass; the lot's fine metal never grows.",
)
def lot_weight_reconciled(ctx: Context) -> None:
    lot = get_lot(ctx, ctx.body["lot_id"])
    dispute = lot.get("dispute")
    if dispute is None:
        raise conflict("no-dispute", f"{lot['id']} has no open weighing dispute")
    if lot["head"] != ctx.body["lot_head"]:
        raise conflict("stale-head", f"{lot['id']} changed; its head is {lot['head']}")
    if "arm" not in ctx.actor["roles"]:
        parties = (dispute["sender"], dispute["receiver"])
        if ctx.actor["id"] not in parties:
            raise forbidden(
                "not-party-to-dispute", f"the dispute is between {' and '.join(parties)}"
            )
        require_standing(ctx, lot, "reconcile")
        other = parties[1] if ctx.actor["id"] == parties[0] else parties[0]
        require_cosignature(ctx, other)
    agreed = ctx.body["gross_mg"]
    lot.update({"gross_mg": agreed, "dispute": None, "weighing": weighing(ctx, agreed)})
    shrink_to(lot, fine_mg(agreed, lot["fineness"]))
    lot.setdefault("reconciliations", []).append(
        {"seq": ctx.seq, "by": ctx.actor["id"], "gross_mg": agreed, "dispute_seq": dispute["seq"]}
    )
    flag(
        ctx,
        "weight-reconciled",
        lot["id"],
        f"shipped {dispute['shipped_mg']} mg, received {dispute['received_mg']} mg, "
        f"agreed {agreed} mg",
        dispute_seq=dispute["seq"],
    )
    touch(ctx, lot)
