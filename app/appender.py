"""The append use case: admit one signed entry into the log, exactly once.

Under the head lock, in one transaction: resolve a resend by ``(actor, nonce)``, run the core's
``apply_entry`` against the live projections, then write the record, its Merkle nodes, the new
head and the projection changes. Any refusal rolls the whole transaction back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from app.db import log
from app.db.store import SqlStore
from app.db.uow import writing
from ledger.canonical import canonical_bytes
from ledger.entry import check_envelope
from ledger.errors import LedgerError, conflict
from ledger.machine import apply_entry
from ledger.record import Record
from ledger.terms import split_submission
from ledger.timefmt import format_instant, parse_instant


@dataclass(frozen=True)
class Appended:
    """The outcome: the record, whether it is new, and any flags the rules raised."""

    record: Record
    created: bool
    flags: tuple[str, ...] = ()


def check_clock(created_at: str, received: datetime, skew: int, max_age: int) -> None:
    """Refuse entries dated too far in the future or too long ago (bounds back-dating)."""
    stated = parse_instant(created_at)
    if stated > received + timedelta(seconds=skew):
        raise LedgerError(
            "clock-skew", "created_at is in the future", status=422, pointer="/created_at"
        )
    if stated < received - timedelta(seconds=max_age):
        raise LedgerError(
            "entry-too-old",
            f"created_at is more than {max_age} s ago",
            status=422,
            pointer="/created_at",
        )


def append(
    engine: Engine,
    submission: object,
    *,
    skew: int = 300,
    max_age: int = 86400,
    received: datetime | None = None,
) -> Appended:
    """Append a signed entry (``private`` data beside it, if any), or return the record it
    already produced (same actor, nonce and content)."""
    entry, private = split_submission(submission)
    entry = check_envelope(entry)
    text = canonical_bytes(entry)
    with writing(engine) as connection:
        size, head_hash = log.head(connection, lock=True)
        # Read the clock only while holding the head lock, so ``received_at`` never goes back
        # along the log when appends queue behind one another.
        received = received or datetime.now(UTC)
        previous = log.find_by_nonce(connection, entry["actor"], entry["nonce"])
        if previous is not None:
            if canonical_bytes(previous.entry) != text:
                raise conflict("nonce-reused", "this nonce was used for a different entry")
            return Appended(previous, created=False)
        check_clock(entry["created_at"], received, skew, max_age)
        store = SqlStore(connection)
        applied = apply_entry(
            store,
            entry,
            private=private,
            seq=size + 1,
            prev_hash=head_hash,
            received_at=format_instant(received, micro=True),
        )
        log.write(connection, applied.record, private)
        store.put_many(applied.writes)
    return Appended(applied.record, created=True, flags=applied.flags)
