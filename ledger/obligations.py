"""A premium obligation: what a mine is owed for fine metal it sold, at the rate in force."""

from __future__ import annotations

from datetime import timedelta
from typing import Unpack

from ledger.entry_types import Context
from ledger.fairmined import premium_due
from ledger.projections import Lot, Obligation, ObligationKind, ObligationOptional
from ledger.types.market import rate_on


def new_obligation(
    ctx: Context,
    lot: Lot,
    *,
    payer: str,
    payer_role: str,
    kind: ObligationKind,
    fine: int,
    **extra: Unpack[ObligationOptional],
) -> Obligation:
    """The obligation this entry creates for ``fine`` mg of ``lot``'s metal, owed by ``payer``
    to the acting mine at the rate in force today (``no-premium-rate`` where ARM set none)."""
    rate = rate_on(ctx, lot["metal"], lot["claim"])
    overdue_days = ctx.store.get("meta", "ledger")["params"]["premium_overdue_days"]
    return {
        "id": f"PRM-{ctx.seq}",
        "lot": lot["id"],
        "asmo": ctx.actor["id"],
        "payer": payer,
        "payer_role": payer_role,
        "metal": lot["metal"],
        "certification": lot["claim"],
        "kind": kind,
        **extra,
        "fine_mg": fine,
        "rate_id": rate["id"],
        "rate_per_kg": rate["amount_per_kg"],
        "currency": rate["currency"],
        "due": premium_due(fine, rate["amount_per_kg"]),
        "paid": 0,
        "confirmed": 0,
        "sold_on": ctx.day.isoformat(),
        "due_by": (ctx.day + timedelta(days=overdue_days)).isoformat(),
        "sale_seq": ctx.seq,
        "payments": [],
        "confirmations": [],
        "settled_fine_mg": None,
        "settled_seq": None,
        "credit": 0,
        "credit_fine_mg": 0,
        "top_ups": [],
    }
