"""The clock window: an entry is admitted only if the actor dated it close to the server's time.

``created_at`` may lie at most ``skew`` seconds ahead of the server's ``received_at`` and at most
``max_age`` seconds behind it, which bounds back-dating (a key revoked in the log signs nothing
after its revocation, whatever date an entry claims).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ledger.errors import LedgerError
from ledger.timefmt import parse_instant


def check_clock(created_at: str, received: datetime, skew: int, max_age: int) -> None:
    """Refuse entries dated too far in the future or too long ago."""
    stated = parse_instant(created_at)
    if stated > received + timedelta(seconds=skew):
        raise LedgerError("clock-skew", "created_at is in the future", pointer="/created_at")
    if stated < received - timedelta(seconds=max_age):
        raise LedgerError(
            "entry-too-old",
            f"created_at is more than {max_age} s ago",
            pointer="/created_at",
        )
