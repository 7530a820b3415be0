"""ARM releases a frozen labelled lot to an authorised party.

A party without its own standing (authorisation revoked or lapsed) moves no labelled metal.
ARM may hand such a lot, held by that party or in transit to it, to a party authorised that
day. The release never skips the rules it would otherwise bypass: metal awaiting its mine's
first sale is not released, every premium the lot descends from must be settled, and an open
weighing dispute is settled first.
"""

from __future__ import annotations

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import LABELLED
from ledger.fields import HASH_HEX, LOT_ID, PARTY_ID, TEXT, Obj
from ledger.lotstate import flag, get_lot, require_premiums_settled
from ledger.standing import has_authorisation


@entry_type(
    "lot.released",
    Obj({"lot_id": LOT_ID, "lot_head": HASH_HEX, "to": PARTY_ID, "reason": TEXT}),
    roles={"arm"},
    summary="ARM releases a labelled lot frozen with a party without standing (revoked) to "
    "a party authorised today.",
)
def lot_released(ctx: Context) -> None:
    lot = get_lot(ctx, ctx.body["lot_id"])
    if lot["head"] != ctx.body["lot_head"]:
        raise conflict("stale-head", f"{lot['id']} changed; its head is {lot['head']}")
    if lot["status"] not in ("held", "in_transit") or lot["claim"] not in LABELLED:
        raise conflict("not-frozen", f"{lot['id']} is not live labelled metal")
    keeper_id = lot["incoming_to"] if lot["status"] == "in_transit" else lot["holder"]
    assert keeper_id is not None  # a lot in transit names its recipient
    if lot["first_sale"] is not None:
        raise LedgerError("sale-required", f"{lot['id']} has not had its mine's first sale")
    keeper = ctx.store.get("party", keeper_id)
    assert keeper is not None  # lots are held by (and shipped to) registered parties
    if has_authorisation(ctx, keeper):
        raise conflict("not-frozen", f"{keeper_id} holds an active authorisation")
    if lot.get("dispute") is not None:
        raise conflict("weight-dispute", f"{lot['id']}'s weighing dispute is open")
    to = ctx.store.get("party", ctx.body["to"])
    if to is None:
        raise invalid(f"no registered party {ctx.body['to']!r}", "/body/to")
    if to["id"] == keeper_id or not has_authorisation(ctx, to):
        raise forbidden("recipient-not-authorised", f"{to['id']} is not authorised today")
    require_premiums_settled(ctx, lot, "release")
    lot.update(
        {
            "holder": to["id"],
            "status": "held",
            "incoming_to": None,
            "sold_to": None,
            "head": ctx.entry_hash,
        }
    )
    lot["history"].append(ctx.seq)
    lot["custodians"] = sorted({*lot["custodians"], to["id"]})
    lot.setdefault("releases", []).append(
        {"seq": ctx.seq, "from": keeper_id, "to": to["id"], "reason": ctx.body["reason"]}
    )
    ctx.store.put("lot", lot)
    flag(
        ctx,
        "release",
        lot["id"],
        f"released from {keeper_id} to {to['id']}: {ctx.body['reason']}",
        released_from=keeper_id,
        released_to=to["id"],
    )
