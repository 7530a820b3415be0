"""Split, merge and refine: new lots from old ones, conserving fine metal.

Outputs inherit every origin mine and every premium obligation of their inputs, and the
weakest claim among the inputs (Ecological with Fairmined gives Fairmined; anything with
unlabelled metal gives no label).
"""

from __future__ import annotations

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import LABELLED, combined_claim, fine_mg
from ledger.fields import FINENESS, HASH_HEX, LOT_ID, MASS_MG, TEXT, Int, List, Obj, Str
from ledger.lotstate import held_lot, new_lot, touch
from ledger.origins import apportion, combined, scaled
from ledger.projections import JSONObject, Lot
from ledger.types.lots import FORMS

INPUT = Obj({"lot_id": LOT_ID, "lot_head": HASH_HEX})


def _consume(ctx: Context, inputs: list[JSONObject]) -> list[Lot]:
    ids = [i["lot_id"] for i in inputs]
    if len(set(ids)) != len(ids):
        raise invalid("an input lot is listed twice", "/body/inputs")
    lots = [
        held_lot(ctx, i["lot_id"], i["lot_head"], f"/body/inputs/{n}/lot_id")
        for n, i in enumerate(inputs)
    ]
    if len({lot["metal"] for lot in lots}) != 1:
        raise LedgerError("metal-mismatch", "inputs of different metals cannot be combined")
    return require_same_duties(lots)


def require_same_duties(lots: list[Lot]) -> list[Lot]:
    """Metal awaiting its mine's first sale is transformed only with more of that mine's."""
    if any(lot["first_sale"] == "agreed" for lot in lots):
        raise conflict("already-sold", "a lot sold by its mine is delivered as it was sold")
    pending = {(lot["first_sale"], lot.get("producer")) for lot in lots}
    if len(pending) > 1 and any(first_sale for first_sale, _ in pending):
        raise LedgerError(
            "sale-required",
            "metal awaiting its mine's first sale cannot be mixed with other metal",
        )
    return lots


def derive(ctx: Context, parents: list[Lot], outputs: list[Lot]) -> None:
    """Create ``outputs`` (already-built lot dicts) from ``parents``, and retire the parents.

    Labelled fine metal is shared out over the outputs per origin mine, in proportion to their
    fine metal and never more than the parents held (see ``ledger.origins``). Metal awaiting
    its mine's first sale stays so; metal from a claimed lot stays claimed.
    """
    claim = combined_claim([p["claim"] for p in parents])
    origin = combined(parents) if claim in LABELLED else {}
    fine_in, fine_out = sum(p["fine_mg"] for p in parents), sum(o["fine_mg"] for o in outputs)
    shares = apportion(scaled(origin, fine_out, fine_in), [o["fine_mg"] for o in outputs])
    claimed = [p["claimed_by"] for p in parents if p["claimed_by"] is not None]
    parent_ids = [p["id"] for p in parents]
    origin_asmos = sorted({a for p in parents for a in p["origin_asmos"]})
    origin_sites = sorted({s for p in parents for s in p["origin_sites"]})
    obligations = sorted({o for p in parents for o in p["obligations"]})
    for lot, share in zip(outputs, shares, strict=True):
        lot.update(
            {
                "claim": claim,
                "parents": parent_ids,
                "origin_asmos": origin_asmos,
                "origin_sites": origin_sites,
                "obligations": obligations,
                "claimed_by": claimed[0] if claimed else None,
            }
        )
        if parents[0]["first_sale"] is not None:
            lot.update({"first_sale": "pending", "producer": parents[0]["producer"]})
        lot["origin_fine"] = share
        touch(ctx, lot)
    for parent in parents:
        parent.update({"status": "consumed", "children": [o["id"] for o in outputs]})
        touch(ctx, parent)


@entry_type(
    "lot.split",
    Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "outputs": List(
                Obj(
                    {"lot_id": LOT_ID, "gross_mg": MASS_MG, "form": Str(choices=FORMS)},
                    optional=frozenset({"form"}),
                ),
                min_items=2,
                max_items=500,
            ),
        }
    ),
    roles={"first_buyer", "supplier", "licensee"},
    summary="The holder splits a lot into parts whose masses add up exactly (a part may take "
    "another form, e.g. jewellery).",
)
def lot_split(ctx: Context) -> None:
    parent = require_same_duties([held_lot(ctx, ctx.body["lot_id"], ctx.body["lot_head"])])[0]
    parts = ctx.body["outputs"]
    if sum(p["gross_mg"] for p in parts) != parent["gross_mg"]:
        raise LedgerError(
            "split-not-exact",
            f"parts must add up to {parent['gross_mg']} mg",
            pointer="/body/outputs",
        )
    _unique_ids(parts)
    # Fine metal is shared out exactly: each part at most its share by mass (and at most what
    # its mass holds at the lot's fineness), the last part takes the rounding remainder.
    whole, gross = parent["fine_mg"], parent["gross_mg"]
    fines = [min(fine_mg(p["gross_mg"], parent["fineness"]), whole * p["gross_mg"] // gross)
             for p in parts]  # fmt: skip
    fines[-1] += whole - sum(fines)
    outputs = [
        new_lot(
            ctx,
            p["lot_id"],
            metal=parent["metal"],
            form=p.get("form", parent["form"]),
            gross_mg=p["gross_mg"],
            fineness=parent["fineness"],
            claim=parent["claim"],
            fine=fine,
            first_buyer=parent.get("first_buyer"),
        )
        for p, fine in zip(parts, fines, strict=True)
    ]
    derive(ctx, [parent], outputs)


@entry_type(
    "lot.merged",
    Obj(
        {
            "inputs": List(INPUT, min_items=2, max_items=500),
            "output": Obj({"lot_id": LOT_ID, "form": Str(choices=FORMS)}),
        }
    ),
    roles={"first_buyer", "supplier", "licensee"},
    summary="The holder merges lots of one metal into one; the label is the weakest input's.",
)
def lot_merged(ctx: Context) -> None:
    parents = _consume(ctx, ctx.body["inputs"])
    gross = sum(p["gross_mg"] for p in parents)
    fine = sum(p["fine_mg"] for p in parents)
    output = new_lot(
        ctx,
        ctx.body["output"]["lot_id"],
        metal=parents[0]["metal"],
        form=ctx.body["output"]["form"],
        gross_mg=gross,
        fineness=fine * 10_000 // gross,
        claim="none",
        fine=fine,
    )
    derive(ctx, parents, [output])


REFINED = Obj(
    {
        "lot_id": LOT_ID,
        "form": Str(choices=FORMS),
        "gross_mg": MASS_MG,
        "fineness": FINENESS,
        "serial": Str(max_len=64),
        "year": Int(minimum=1900, maximum=2200),
        "mark": TEXT,
    },
    optional=frozenset({"serial", "year", "mark"}),
)


@entry_type(
    "lot.refined",
    Obj(
        {
            "inputs": List(INPUT, min_items=1, max_items=500),
            "outputs": List(REFINED, min_items=1, max_items=500),
        }
    ),
    roles={"supplier"},
    summary="A refiner turns input lots (e.g. doré) into refined lots (e.g. bars with refiner, "
    "serial, year and fineness marks); fine metal may only be lost within tolerance.",
)
def lot_refined(ctx: Context) -> None:
    if "refining" not in ctx.actor.get("activities", []):
        raise forbidden("not-refiner", f"{ctx.actor['id']} is not registered as a refiner")
    parents = _consume(ctx, ctx.body["inputs"])
    _unique_ids(ctx.body["outputs"])
    fine_in = sum(p["fine_mg"] for p in parents)
    outputs = [
        new_lot(
            ctx,
            o["lot_id"],
            metal=parents[0]["metal"],
            form=o["form"],
            gross_mg=o["gross_mg"],
            fineness=o["fineness"],
            claim="none",
            refiner=ctx.actor["id"],
            serial=o.get("serial"),
            year=o.get("year"),
            mark=o.get("mark"),
        )
        for o in ctx.body["outputs"]
    ]
    fine_out = sum(o["fine_mg"] for o in outputs)
    if fine_out > fine_in:
        raise LedgerError(
            "fine-metal-created",
            f"outputs hold {fine_out} mg fine metal, inputs only {fine_in} mg",
            pointer="/body/outputs",
        )
    limit = ctx.store.get("meta", "ledger")["params"]["refining_loss_max_bp"]
    if (fine_in - fine_out) * 10_000 > fine_in * limit:
        raise LedgerError(
            "excess-loss",
            f"losing {fine_in - fine_out} mg of {fine_in} mg exceeds {limit} parts per 10,000",
            pointer="/body/outputs",
        )
    derive(ctx, parents, outputs)


def _unique_ids(outputs: list[JSONObject]) -> None:
    ids = [o["lot_id"] for o in outputs]
    if len(set(ids)) != len(ids):
        raise invalid("output lot ids must be distinct", "/body/outputs")
