"""Alloying and manufacture: unlabelled alloy metal added to a lot, fine gold conserved exactly.

A jeweller or caster turns a lot of fine metal into an alloy (18k = 7,500 parts per 10,000):
the output weighs more, its fineness is lower, and it holds exactly the input's fine metal, its
label, origin shares, obligations and claim. The stated fineness must be the exact figure the
masses imply (fine mg × 10,000 ÷ gross mg, rounded down), so nothing can be rounded up.
"""

from __future__ import annotations

from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, forbidden
from ledger.fields import FINENESS, HASH_HEX, LOT_ID, MASS_MG, TEXT, Obj, Str
from ledger.lotstate import held_lot, new_lot
from ledger.types.lots import FORMS
from ledger.types.transforms import derive, require_same_duties

MAKERS = frozenset({"manufacturing", "casting"})


@entry_type(
    "lot.alloyed",
    Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "output": Obj(
                {
                    "lot_id": LOT_ID,
                    "gross_mg": MASS_MG,
                    "fineness": FINENESS,
                    "form": Str(choices=FORMS),
                }
            ),
            "alloy": TEXT,
        },
        optional=frozenset({"alloy"}),
    ),
    roles={"supplier", "licensee"},
    summary="A jeweller or caster alloys a lot: adds unlabelled alloy metal, lowering the "
    "fineness and raising the mass, conserving fine metal exactly.",
)
def lot_alloyed(ctx: Context) -> None:
    if not MAKERS & set(ctx.actor.get("activities", [])):
        raise forbidden("not-manufacturer", f"{ctx.actor['id']} is not a jeweller or caster")
    parent = require_same_duties([held_lot(ctx, ctx.body["lot_id"], ctx.body["lot_head"])])[0]
    out = ctx.body["output"]
    if out["gross_mg"] <= parent["gross_mg"]:
        raise LedgerError(
            "alloy-not-added",
            f"the alloy must weigh more than the {parent['gross_mg']} mg lot it is made from",
            pointer="/body/output/gross_mg",
        )
    fine = parent["fine_mg"]
    if out["fineness"] != fine * 10_000 // out["gross_mg"]:
        raise LedgerError(
            "fineness-mismatch",
            f"{fine} mg fine in {out['gross_mg']} mg is {fine * 10_000 // out['gross_mg']} "
            "parts per 10,000",
            pointer="/body/output/fineness",
        )
    output = new_lot(
        ctx,
        out["lot_id"],
        metal=parent["metal"],
        form=out["form"],
        gross_mg=out["gross_mg"],
        fineness=out["fineness"],
        claim=parent["claim"],
        fine=fine,
        alloy=ctx.body.get("alloy"),
        first_buyer=parent.get("first_buyer"),
    )
    derive(ctx, [parent], [output])
