"""Which lots the public sees: products made public by their holder.

A lot's provenance page and bundle name its custodians, masses and dates, so they are public
only for what a consumer should see: a lot whose current holder published it
(``lot.published``), a product a licensee claimed (``lot.claimed``), or a retired lot. A lot in
transit is never public, whatever was published before, so the public never learns who holds
how much while metal moves. Publication is the holder's: once the lot changes hands, the new
holder decides again. Everyone else reads a lot only as its readers do (custodians, origin
mines, their certification bodies, ARM).
"""

from __future__ import annotations

from ledger.entry_types import Context, entry_type
from ledger.errors import conflict, forbidden
from ledger.fields import LOT_ID, Obj
from ledger.lotstate import get_lot
from ledger.projections import Lot


def is_public(lot: Lot) -> bool:
    """True if anyone, without a token, may see the lot's provenance."""
    if lot["status"] == "in_transit":
        return False
    return (
        lot["status"] == "retired"
        or lot.get("claimed_by") is not None
        or (lot.get("published_by") is not None and lot["published_by"] == lot["holder"])
    )


@entry_type(
    "lot.published",
    Obj({"lot_id": LOT_ID}),
    roles={"asmo", "first_buyer", "supplier", "licensee"},
    summary="The holder makes a lot's provenance public (page and bundle without a token).",
)
def lot_published(ctx: Context) -> None:
    lot = get_lot(ctx, ctx.body["lot_id"])
    if lot["holder"] != ctx.actor["id"]:
        raise forbidden("not-holder", f"{ctx.actor['id']} does not hold {lot['id']}")
    if lot["status"] != "held":
        raise conflict("lot-not-active", f"{lot['id']} is {lot['status']}")
    if lot.get("published_by") == ctx.actor["id"]:
        raise conflict("already-published", f"{lot['id']} is already public")
    lot.update({"published_by": ctx.actor["id"], "published_seq": ctx.seq})
    ctx.store.put("lot", lot)
