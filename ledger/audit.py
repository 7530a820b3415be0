"""Walk a chain of records and name the first bad ``seq`` and why.

Checks, in order, for each record: gapless ``seq`` from 1, ``prev_hash`` links to the previous
record, ``entry_hash`` recomputes, and the entry is signed by an active key of its actor. Party
and key entries are replayed so key rotation and revocation are followed exactly; with
``replay=True`` every entry's rules are re-run as well, publicly: without the private terms
kept beside the log, so the price-floor check (made at admission) is not repeated. Memory stays
flat in the log's length unless ``replay`` is asked for (state then grows with lots).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.admission import authenticate, replay_record
from ledger.canonical import canonical_bytes
from ledger.entry import check_envelope
from ledger.errors import LedgerError
from ledger.record import GENESIS_PREV, Record, record_hash_of_text
from ledger.state import MemoryStore, Store

IDENTITY_TYPES = frozenset({"ledger.genesis", "party.registered", "key.added", "key.revoked"})
SIGNATURE_CODES = frozenset(
    {
        "bad-signature",
        "wrong-key",
        "unknown-key",
        "revoked-key",
        "unknown-actor",
        "key-not-yet-valid",
    }
)


@dataclass(frozen=True)
class Failure:
    """The first problem found: where, what kind (``reason``), and a detail."""

    seq: int
    reason: str
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.reason}: {self.detail}"


@dataclass(frozen=True)
class AuditReport:
    """Outcome of an audit: how many records verified, the head hash, and the first failure."""

    size: int
    head: str
    failure: Failure | None

    @property
    def ok(self) -> bool:
        return self.failure is None


class _Reading:
    """A ``MemoryStore`` read without copies, for ``authenticate`` (which only reads)."""

    def __init__(self, store: MemoryStore) -> None:
        self.get = store.peek


def _reason(error: LedgerError) -> str:
    if error.code in SIGNATURE_CODES:
        return "bad-signature"
    if error.code == "invalid-entry":
        return "malformed"
    return "rule-violation"


def audit(
    records: Iterable[Record], *, replay: bool = False, store: Store | None = None
) -> AuditReport:
    """Verify ``records`` (in ``seq`` order, starting at 1); stop at the first failure."""
    store = store if store is not None else MemoryStore()
    expected, prev = 1, GENESIS_PREV
    for record in records:
        failure = _check(record, expected, prev, store, replay)
        if failure is not None:
            return AuditReport(expected - 1, prev, failure)
        expected, prev = expected + 1, record.entry_hash
    return AuditReport(expected - 1, prev, None)


def _check(record: Record, expected: int, prev: str, store: Store, replay: bool) -> Failure | None:
    if record.seq != expected:
        detail = f"expected seq {expected}, found {record.seq}"
        return Failure(expected, "gap" if record.seq > expected else "out-of-order", detail)
    if record.prev_hash != prev:
        return Failure(record.seq, "broken-link", "prev_hash does not match the previous record")
    try:
        text = canonical_bytes(record.entry)  # once: for the hash and the signed bytes
        computed = record_hash_of_text(
            record.seq, record.prev_hash, record.received_at, record.entry, text
        )
    except LedgerError as exc:
        return Failure(record.seq, "malformed", exc.detail)
    if computed != record.entry_hash:
        return Failure(record.seq, "bad-hash", "entry_hash does not match the record's content")
    try:
        entry_type = record.entry.get("type") if isinstance(record.entry, dict) else None
        entry_type = entry_type if isinstance(entry_type, str) else None  # unhashable otherwise
        if replay or entry_type in IDENTITY_TYPES:
            replay_record(store, record, public=True)
        else:
            # The envelope's shape first, so a malformed entry is reported, not a crash.
            reader = _Reading(store) if isinstance(store, MemoryStore) else store
            authenticate(reader, check_envelope(record.entry), text=text)
    except LedgerError as exc:
        return Failure(record.seq, _reason(exc), f"{exc.code}: {exc.detail}")
    return None
