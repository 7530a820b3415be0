"""``audit`` on every core: the same report, and the same first failure, in less time.

Most of ``ledger.audit.audit``'s time goes on work that depends on one record alone:
recomputing its hash (RFC 8785 canonical JSON + SHA-256) and verifying its Ed25519 signature.
Only a thin part is sequential: gapless ``seq``, ``prev_hash`` links, and the key state (which
party holds which key, revoked when), which changes only at identity entries.

So the calling process reads the records in order, checks ``seq`` and the links, replays the
identity entries itself with ``audit``'s own check (they are few), and for every other record
looks up the actor's party and key *as they stand at that point of the log*. It sends the
record with that snapshot, in chunks, to a process pool, where each record gets exactly
``audit``'s check (its hash, then authentication against the snapshot). The failure reported is
the one at the lowest ``seq``, whichever side found it; ``AuditReport`` is the same as
``audit``'s. Memory stays flat: at most ``max_pending`` chunks are in flight.

Only the default audit (``replay=False``) is parallel; a replay re-runs every rule in order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from ledger.audit import IDENTITY_TYPES, AuditReport, Failure, _check
from ledger.projections import JSONObject
from ledger.record import GENESIS_PREV, Record
from ledger.state import MemoryStore

Snapshot = tuple[JSONObject | None, JSONObject | None]
"""The actor's party and the entry's key, as the log stood just before the record."""
Failed = tuple[Failure, str]
"""A worker's first failure, with the head hash just before it (the failing record's link)."""


class _SnapshotStore:
    """The two objects ``authenticate`` reads for one record (it never writes)."""

    def __init__(self, party: JSONObject | None, key: JSONObject | None):
        self.party, self.key = party, key

    def get(self, kind: str, key: str) -> Any:
        found = self.party if kind == "party" else self.key if kind == "key" else None
        return found if found is not None and found.get("id") == key else None

    def find(self, kind: str, attr: str, value: str) -> list[Any]:
        raise NotImplementedError("authentication needs no search")

    def put(self, kind: str, value: Mapping[str, Any]) -> None:
        raise NotImplementedError("authentication writes nothing")


RecordFields = tuple[int, str, str, JSONObject, str]
"""A record as a plain tuple: pickled and rebuilt in a quarter of a dataclass's time."""


def _verify_chunk(
    chunk: list[tuple[RecordFields, JSONObject | None, JSONObject | None]],
) -> Failed | None:
    """Worker: ``audit``'s check of each (non-identity) record; the first failure, if any."""
    for fields, party, key in chunk:
        record = Record(*fields)
        # seq and the link were checked in order by the caller; these arguments make them pass.
        failure = _check(record, record.seq, record.prev_hash, _SnapshotStore(party, key), False)
        if failure is not None:
            return failure, record.prev_hash
    return None


def _fields(entry: object) -> tuple[str | None, str | None, str | None]:
    """``(type, actor, key_id)`` of an entry, each None unless a string."""
    if not isinstance(entry, dict):
        return None, None, None
    values = (entry.get("type"), entry.get("actor"), entry.get("key_id"))
    return tuple(v if isinstance(v, str) else None for v in values)  # type: ignore[return-value]


def _snapshot(store: MemoryStore, actor: str | None, key_id: str | None) -> Snapshot:
    party = store.get("party", actor) if actor is not None else None
    key = store.get("key", key_id) if key_id is not None else None
    return party, key


def parallel_audit(
    records: Iterable[Record],
    *,
    workers: int | None = None,
    chunk_size: int = 1000,
    max_pending: int | None = None,
    executor: Executor | None = None,
) -> AuditReport:
    """Verify ``records`` (in ``seq`` order, from 1) like ``audit(records)``, on ``workers``
    processes (default: every core). ``executor`` may be given to reuse a pool."""
    workers = workers or os.cpu_count() or 1
    max_pending = max_pending or 2 * workers + 1
    own = executor is None
    pool = ProcessPoolExecutor(max_workers=workers) if executor is None else executor
    pending: deque[Future[Failed | None]] = deque()
    chunk: list[tuple[RecordFields, JSONObject | None, JSONObject | None]] = []
    store = MemoryStore()
    snapshots: dict[tuple[str | None, ...], Snapshot] = {}
    expected, prev = 1, GENESIS_PREV
    found: Failure | None = None  # a failure found in this process, at seq ``expected``
    worker_failure: Failed | None = None

    def submit() -> None:
        if chunk:
            pending.append(pool.submit(_verify_chunk, list(chunk)))
            chunk.clear()

    def settle(limit: int) -> Failed | None:
        """Collect the oldest results until at most ``limit`` are in flight."""
        while len(pending) > limit:
            failure = pending.popleft().result()
            if failure is not None:
                return failure
        return None

    try:
        for record in records:
            if record.seq != expected or record.prev_hash != prev:
                found = _check(record, expected, prev, store, False)  # gap, order or link
                break
            fields = _fields(record.entry)
            if fields[0] in IDENTITY_TYPES:
                found = _check(record, expected, prev, store, False)  # hash, then replay
                snapshots.clear()  # key state may have changed
                if found is not None:
                    break
            else:
                snapshot = snapshots.get(fields[1:])
                if snapshot is None:
                    snapshot = snapshots[fields[1:]] = _snapshot(store, *fields[1:])
                row = (
                    record.seq,
                    record.prev_hash,
                    record.received_at,
                    record.entry,
                    record.entry_hash,
                )
                chunk.append((row, *snapshot))
                if len(chunk) >= chunk_size:
                    submit()
                    worker_failure = settle(max_pending)
                    if worker_failure is not None:
                        break
            expected, prev = expected + 1, record.entry_hash
        if worker_failure is None:
            submit()
            worker_failure = settle(0)
    finally:
        for future in pending:
            future.cancel()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)

    if worker_failure is not None:  # always at a lower seq than one found here
        failure, head = worker_failure
        return AuditReport(failure.seq - 1, head, failure)
    return AuditReport(expected - 1, prev, found)
