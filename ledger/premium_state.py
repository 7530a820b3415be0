"""Where a premium obligation stands: unpaid, paid but unconfirmed by the mine, or paid.

One decision for the rules (a labelled lot moves on, credits move, only once settled), the
reports, the bundle's verdict and the provenance page. A mine confirms no more than was paid,
so a premium confirmed in full is paid in full.
"""

from __future__ import annotations

from typing import Literal

from ledger.projections import Obligation

PremiumState = Literal["unpaid", "unconfirmed", "paid"]


def premium_state(obligation: Obligation) -> PremiumState:
    """``unpaid`` while less than the premium due is paid, ``unconfirmed`` while the mine has not
    confirmed receiving all of it, else ``paid``."""
    if obligation["paid"] < obligation["due"]:
        return "unpaid"
    if obligation["confirmed"] < obligation["due"]:
        return "unconfirmed"
    return "paid"


def settled(obligation: Obligation) -> bool:
    """The premium is paid and the mine confirmed receiving all of it."""
    return premium_state(obligation) == "paid"


def outstanding(obligation: Obligation) -> int:
    """Premium not yet confirmed as received by the mine (never negative)."""
    owed: int = obligation["due"] - obligation["confirmed"]
    return max(owed, 0)
