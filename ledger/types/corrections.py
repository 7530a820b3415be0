"""Corrections: a party supersedes a figure it stated, without rewriting history.

``lot.corrected`` names the entry it corrects (the lot's current mass statement: its
registration, a receipt or a reconciliation) and states the right mass and, for a
registration, the right fineness. Only the party that stated the figure corrects it. While the
lot awaits its mine's first sale the mine may correct its registration either way (the extra
fine metal counts against its certified capacity); otherwise a correction never adds fine
metal. Once the lot has moved on to another holder, that holder cosigns. The original entry
stays in the log; the lot lists each correction, and each is a finding on the lot's page.
"""

from __future__ import annotations

from ledger.cosign import COSIGNATURE, require_cosignature
from ledger.entry_types import Context, entry_type
from ledger.errors import LedgerError, conflict, forbidden, invalid
from ledger.fairmined import fine_mg
from ledger.fields import FINENESS, HASH_HEX, LOT_ID, MASS_MG, TEXT, Int, Obj
from ledger.lotstate import flag, get_lot, touch
from ledger.origins import shrink_to
from ledger.projections import Figures
from ledger.standing import require_standing
from ledger.types.certification import require_certified, use_capacity
from ledger.types.lots import weighing


@entry_type(
    "lot.corrected",
    Obj(
        {
            "lot_id": LOT_ID,
            "lot_head": HASH_HEX,
            "corrects_seq": Int(minimum=1, maximum=2**53 - 1, description="the entry corrected"),
            "gross_mg": MASS_MG,
            "fineness": FINENESS,
            "reason": TEXT,
            "cosignature": COSIGNATURE,
        },
        optional=frozenset({"fineness", "cosignature"}),
    ),
    roles={"asmo", "first_buyer", "supplier", "licensee"},
    summary="The party that stated a lot's mass (registration, receipt, reconciliation) "
    "corrects it; never adding fine metal after the mine's first sale; the current holder "
    "cosigns once the lot has moved on.",
)
def lot_corrected(ctx: Context) -> None:
    body = ctx.body
    lot = get_lot(ctx, body["lot_id"])
    if lot["head"] != body["lot_head"]:
        raise conflict("stale-head", f"{lot['id']} changed; its head is {lot['head']}")
    if lot["status"] != "held":
        raise conflict("lot-not-active", f"{lot['id']} is {lot['status']}")
    stated = lot.get("weighing")
    if stated is None or stated["seq"] != body["corrects_seq"]:
        raise LedgerError(
            "not-correctable",
            f"seq {body['corrects_seq']} is not {lot['id']}'s current mass statement",
            pointer="/body/corrects_seq",
        )
    if stated["by"] != ctx.actor["id"]:
        raise forbidden("not-own-statement", f"seq {stated['seq']} was stated by {stated['by']}")
    if lot["holder"] != ctx.actor["id"]:
        require_cosignature(ctx, lot["holder"])
    require_standing(ctx, lot, "correct")
    fineness = body.get("fineness", lot["fineness"])
    if fineness != lot["fineness"] and stated["type"] != "lot.registered":
        raise invalid("only a registration's fineness is corrected", "/body/fineness")
    before: Figures = {
        "gross_mg": lot["gross_mg"],
        "fineness": lot["fineness"],
        "fine_mg": lot["fine_mg"],
    }
    fine = fine_mg(body["gross_mg"], fineness)
    if lot["first_sale"] == "pending" and lot.get("producer") == ctx.actor["id"]:
        if fine > lot["fine_mg"]:  # still the mine's own: its capacity bounds the correction
            certificate = require_certified(ctx, ctx.actor["id"], lot["metal"], lot["claim"])
            use_capacity(ctx, certificate, fine - lot["fine_mg"])
        lot["fine_mg"] = fine
        lot["origin_fine"] = {ctx.actor["id"]: fine} if fine else {}
    else:
        shrink_to(lot, fine)
    lot.update({"gross_mg": body["gross_mg"], "fineness": fineness})
    lot["weighing"] = {**weighing(ctx, body["gross_mg"]), "corrects_seq": stated["seq"]}
    lot.setdefault("corrections", []).append(
        {
            "seq": ctx.seq,
            "corrects_seq": stated["seq"],
            "by": ctx.actor["id"],
            "reason": body["reason"],
            "before": before,
            "after": {"gross_mg": lot["gross_mg"], "fineness": fineness, "fine_mg": lot["fine_mg"]},
        }
    )
    flag(
        ctx,
        "correction",
        lot["id"],
        f"seq {stated['seq']} corrected: {before['gross_mg']} mg at {before['fineness']} "
        f"-> {lot['gross_mg']} mg at {fineness} ({body['reason']})",
        corrects_seq=stated["seq"],
        before_mg=before["gross_mg"],
        after_mg=lot["gross_mg"],
    )
    touch(ctx, lot)
