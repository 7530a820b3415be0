"""A lot's custody: registration at the mine, shipping, receiving, assays, claims, retirement."""

from __future__ import annotations

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import ECOLOGICAL, LABELLED, NONE, fine_mg, is_ecological_process
from ledger.fields import (
    FINENESS,
    HASH_HEX,
    LOT_ID,
    MASS_MG,
    PARTY_ID,
    TEXT,
    Bool,
    Date,
    Int,
    Obj,
    Str,
)
from ledger.lotstate import flag, get_lot, held_lot, new_lot, require_premiums_settled, touch
from ledger.origins import labelled_fine, shrink_to
from ledger.projections import JSONObject, Lot, Weighing
from ledger.standing import require_standing
from ledger.types.certification import (
    METALS,
    is_authorised,
    require_certified,
    require_production_within,
    use_capacity,
)
from ledger.types.sales import settle_premium

FORMS = ("dore", "ore_concentrate", "grain", "bar", "coin", "semi_finished", "jewellery", "scrap")
CLAIMS = ("ecological", "fairmined", "none")
SUPPLY_CHAIN_ROLES = ("first_buyer", "supplier", "licensee")
CUSTODIAN_ROLES = frozenset({"asmo", *SUPPLY_CHAIN_ROLES})  # may take a lot in

PROCESSING = Obj(
    {
        "mercury": Bool(description="mercury used in processing"),
        "cyanide": Bool(description="cyanide used in processing"),
        "gravimetric_only": Bool(description="gravimetric concentration only"),
    }
)


@entry_type(
    "lot.registered",
    Obj(
        {
            "lot_id": LOT_ID,
            "metal": Str(choices=METALS),
            "form": Str(choices=FORMS),
            "gross_mg": MASS_MG,
            "fineness": FINENESS,
            "claim": Str(choices=CLAIMS),
            "mine_site": TEXT,
            "production_from": Date(),
            "production_to": Date(),
            "processing": PROCESSING,
        }
    ),
    roles={"asmo", "first_buyer", "supplier"},
    summary="A mine registers a lot it produced (others may register unlabelled metal).",
)
def lot_registered(ctx: Context) -> None:
    body = ctx.body
    if body["production_to"] < body["production_from"]:
        raise invalid("production_to is before production_from", "/body/production_to")
    if body["production_to"] > ctx.day.isoformat():
        raise invalid("production cannot end in the future", "/body/production_to")
    claim = body["claim"]
    if claim in LABELLED:
        if "asmo" not in ctx.actor["roles"]:
            raise forbidden("claim-requires-asmo", "only a certified ASMO registers labelled lots")
        if claim == ECOLOGICAL and not is_ecological_process(body["processing"]):
            raise LedgerError(
                "ecological-process",
                "Ecological Gold requires no mercury, no cyanide and gravimetric processing only",
                pointer="/body/processing",
            )
        certificate = require_certified(ctx, ctx.actor["id"], body["metal"], claim)
        require_production_within(certificate, body["production_from"], body["production_to"])
        use_capacity(ctx, certificate, fine_mg(body["gross_mg"], body["fineness"]))
    lot = new_lot(
        ctx,
        body["lot_id"],
        metal=body["metal"],
        form=body["form"],
        gross_mg=body["gross_mg"],
        fineness=body["fineness"],
        claim=claim,
        producer=ctx.actor["id"],
        mine_site=body["mine_site"],
        production={"from": body["production_from"], "to": body["production_to"]},
        processing=body["processing"],
    )
    lot["origin_asmos"] = [ctx.actor["id"]] if "asmo" in ctx.actor["roles"] else []
    lot["weighing"] = weighing(ctx, body["gross_mg"])
    if claim in LABELLED:  # the mine's duties (price floor, premium) await its first sale
        lot.update({"origin_fine": {ctx.actor["id"]: lot["fine_mg"]}, "first_sale": "pending"})
    lot["origin_sites"] = [f"{ctx.actor['id']}: {body['mine_site']}"]
    touch(ctx, lot)


def _check_recipient(ctx: Context, lot: Lot, recipient_id: str) -> None:
    recipient = ctx.store.get("party", recipient_id)
    if recipient is None:
        raise invalid(f"no registered party {recipient_id!r}", "/body/to")
    if recipient_id == ctx.actor["id"]:
        raise invalid("a lot is shipped to another party", "/body/to")
    if not CUSTODIAN_ROLES & set(recipient["roles"]):  # else the lot stays in transit for good
        raise forbidden(
            "recipient-not-authorised",
            f"{recipient_id} ({', '.join(recipient['roles'])}) cannot take custody of a lot",
        )
    if lot["claim"] not in LABELLED:
        return
    if lot.get("first_sale") is not None:  # the mine ships: only to the buyer it sold to
        if lot["first_sale"] != "agreed" or lot.get("sold_to") != recipient_id:
            raise LedgerError(
                "sale-required",
                "a labelled lot leaves the mine only to the First Authorized Buyer it was sold to",
            )
        if not is_authorised(ctx, recipient_id, "first_buyer"):
            raise forbidden(
                "recipient-not-authorised",
                f"{recipient_id} is not an authorised First Authorized Buyer today",
            )
        return
    require_premiums_settled(ctx, lot, "ship")
    if not any(is_authorised(ctx, recipient_id, role) for role in SUPPLY_CHAIN_ROLES):
        raise forbidden(
            "recipient-not-authorised", f"{recipient_id} holds no Fairmined authorisation today"
        )


@entry_type(
    "lot.shipped",
    Obj({"lot_id": LOT_ID, "lot_head": HASH_HEX, "to": PARTY_ID}),
    roles={"asmo", "first_buyer", "supplier", "licensee"},
    summary="The holder ships a lot to a recipient.",
)
def lot_shipped(ctx: Context) -> None:
    lot = held_lot(ctx, ctx.body["lot_id"], ctx.body["lot_head"])
    _check_recipient(ctx, lot, ctx.body["to"])
    lot.update(
        {"status": "in_transit", "incoming_to": ctx.body["to"], "shipped_gross_mg": lot["gross_mg"]}
    )
    touch(ctx, lot)


@entry_type(
    "lot.received",
    Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "gross_mg": Int(
                minimum=1, maximum=10**12, description="the recipient's own weighing, mg"
            ),
        }
    ),
    roles=CUSTODIAN_ROLES,
    summary="The recipient takes custody with its own weighing; differences beyond tolerance "
    "are flagged.",
)
def lot_received(ctx: Context) -> None:
    lot = get_lot(ctx, ctx.body["lot_id"])
    if lot["status"] != "in_transit" or lot["incoming_to"] != ctx.actor["id"]:
        raise forbidden("not-recipient", f"{lot['id']} is not in transit to {ctx.actor['id']}")
    if lot["head"] != ctx.body["lot_head"]:
        raise conflict("stale-head", f"{lot['id']} changed; its head is {lot['head']}")
    require_standing(ctx, lot, "receive")
    shipped, weighed = lot["gross_mg"], ctx.body["gross_mg"]
    tolerance = _params(ctx)["receipt_tolerance_bp"]
    if abs(weighed - shipped) * 10_000 > shipped * tolerance:
        flag(
            ctx,
            "weight-discrepancy",
            lot["id"],
            f"shipped {shipped} mg, received {weighed} mg",
            shipped_mg=shipped,
            received_mg=weighed,
            sender=lot["holder"],
        )
        if weighed > shipped and lot["claim"] in LABELLED:  # held until both sides agree
            lot["dispute"] = {
                "seq": ctx.seq,
                "shipped_mg": shipped,
                "received_mg": weighed,
                "sender": lot["holder"],
                "receiver": ctx.actor["id"],
            }
    if lot.get("sold_to") == ctx.actor["id"]:  # delivery completes the sale
        if lot.get("first_sale") == "agreed":
            lot.update({"first_buyer": ctx.actor["id"], "first_sale": None})
        lot["sold_to"] = None
    lot.update(
        {"holder": ctx.actor["id"], "status": "held", "incoming_to": None, "gross_mg": weighed}
    )
    lot["weighing"] = weighing(ctx, weighed)
    shrink_to(lot, fine_mg(weighed, lot["fineness"]))  # a weighing never adds fine metal
    touch(ctx, lot)


def weighing(ctx: Context, gross: int) -> Weighing:
    """The lot's current mass statement: who weighed it, in which entry (what a correction
    may supersede)."""
    return {"seq": ctx.seq, "by": ctx.actor["id"], "type": ctx.entry["type"], "gross_mg": gross}


def _params(ctx: Context) -> JSONObject:
    params: JSONObject = ctx.store.get("meta", "ledger")["params"]
    return params


@entry_type(
    "lot.assayed",
    Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "fineness": FINENESS,
            "kind": Str(
                choices=("provisional", "final", "settlement"),
                description="settlement: the final assay the mine's premium is settled on",
            ),
            "laboratory": TEXT,
        }
    ),
    roles={"asmo", "first_buyer", "supplier"},
    summary="The holder records an assay. A final assay sets the lot's fineness but never adds "
    "fine metal; the settlement assay (once, by the buyer or refiner on the lot the mine sold) "
    "settles the premium on the fine mass it finds: a top-up obligation if more, a credit if "
    "less.",
)
def lot_assayed(ctx: Context) -> None:
    lot = held_lot(ctx, ctx.body["lot_id"], ctx.body["lot_head"])
    fineness = ctx.body["fineness"]
    if abs(fineness - lot["fineness"]) > _params(ctx)["assay_split_limit_bp"]:
        flag(
            ctx,
            "assay-discrepancy",
            lot["id"],
            f"assay {fineness} vs stated {lot['fineness']} parts per 10,000",
            stated=lot["fineness"],
            assayed=fineness,
        )
    lot["assays"].append(
        {
            "seq": ctx.seq,
            "fineness": fineness,
            "kind": ctx.body["kind"],
            "laboratory": ctx.body["laboratory"],
            "by": ctx.actor["id"],
        }
    )
    if ctx.body["kind"] == "final":
        lot["fineness"] = fineness
        shrink_to(lot, fine_mg(lot["gross_mg"], fineness))
    elif ctx.body["kind"] == "settlement":
        settle_premium(ctx, lot, fineness)
    touch(ctx, lot)


@entry_type(
    "lot.claimed",
    Obj({"lot_id": LOT_ID, "lot_head": HASH_HEX, "product": TEXT}),
    roles={"licensee"},
    summary="A Licensee applies the Fairmined label to a product made from the lot; the claim "
    "consumes the lot's labelled metal: no part split from it or merged with it is claimed again.",
)
def lot_claimed(ctx: Context) -> None:
    lot = held_lot(ctx, ctx.body["lot_id"], ctx.body["lot_head"])
    if lot["claim"] == NONE:
        raise LedgerError("claim-requires-label", f"{lot['id']} carries no Fairmined label")
    if lot["claimed_by"] is not None:
        raise conflict("already-claimed", f"{lot['id']} was claimed by {lot['claimed_by']}")
    if not is_authorised(ctx, ctx.actor["id"], "licensee"):
        raise forbidden("not-authorised", f"{ctx.actor['id']} is not a licensee today")
    if lot["first_sale"] is not None:
        raise LedgerError("sale-required", f"{lot['id']} has not had its mine's first sale")
    require_premiums_settled(ctx, lot, "claim")
    ctx.store.put(
        "claim",
        {
            "id": f"CLAIM-{ctx.seq}",
            "lot": lot["id"],
            "licensee": ctx.actor["id"],
            "product": ctx.body["product"],
            "fine_mg": labelled_fine(lot),
            "origin_fine": lot["origin_fine"],
            "day": ctx.day.isoformat(),
            "seq": ctx.seq,
        },
    )
    lot.update({"claimed_by": ctx.actor["id"], "product": ctx.body["product"]})
    touch(ctx, lot)


@entry_type(
    "lot.retired",
    Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "reason": Str(choices=("sold_to_consumer", "lost", "recycled", "other")),
        }
    ),
    roles={"asmo", "first_buyer", "supplier", "licensee"},
    summary="The holder ends the lot's life: final sale to a consumer, loss or recycling.",
)
def lot_retired(ctx: Context) -> None:
    lot = held_lot(ctx, ctx.body["lot_id"], ctx.body["lot_head"])
    if lot["first_sale"] is not None and ctx.body["reason"] == "sold_to_consumer":
        raise LedgerError("sale-required", "labelled metal leaves the mine by its first sale")
    lot.update({"status": "retired", "retired_reason": ctx.body["reason"]})
    touch(ctx, lot)
