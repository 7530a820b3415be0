"""The actor's own standing on the entry's day, required for every act on labelled metal.

A mine acting on its own production before the first sale needs its certificate active that
day; anyone else needs an active Fairmined authorisation (First Authorized Buyer, Authorized
Supplier or Licensee). A party whose authorisation is revoked or lapsed therefore moves no
labelled metal: its stock is frozen until it is authorised again or ARM releases the lot.
"""

from __future__ import annotations

from ledger.entry_types import Context
from ledger.errors import forbidden
from ledger.fairmined import LABELLED
from ledger.projections import Actor, Lot
from ledger.types.certification import AUTHORISABLE, is_authorised, require_certified


def has_authorisation(ctx: Context, party: Actor) -> bool:
    """Whether ``party`` holds any active Fairmined authorisation on the entry's day."""
    return any(is_authorised(ctx, party["id"], role) for role in AUTHORISABLE)


def require_standing(ctx: Context, lot: Lot, action: str) -> None:
    """Refuse unless the actor may act on labelled ``lot`` today (unlabelled metal: no duty)."""
    if lot["claim"] not in LABELLED:
        return
    if lot.get("first_sale") is not None and lot.get("producer") == ctx.actor["id"]:
        require_certified(ctx, ctx.actor["id"], lot["metal"], lot["claim"])
        return
    if not has_authorisation(ctx, ctx.actor):
        raise forbidden(
            "not-authorised",
            f"{ctx.actor['id']} holds no active Fairmined authorisation today and cannot "
            f"{action} labelled metal",
        )
