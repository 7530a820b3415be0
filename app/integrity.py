"""Verifying the stored log, and rebuilding the projections from it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from sqlalchemy import Connection, Engine, delete

from app import checkpoints
from app.db import log
from app.db.log import SqlNodes
from app.db.store import SqlStore
from app.db.tables import state, state_index
from app.db.uow import reading, writing
from ledger.admission import replay_record
from ledger.audit import AuditReport, Failure, audit
from ledger.checkpoint import open_checkpoint
from ledger.errors import LedgerError
from ledger.merkle import Frontier, root_at
from ledger.state import MemoryStore


def _nothing(_count: int) -> None:
    """The default progress callback: report nowhere."""


def verify_log(
    engine: Engine, *, replay: bool = False, progress: Callable[[int], None] = _nothing
) -> AuditReport:
    """Audit every stored record, then check them against the head and the latest checkpoint.

    The checkpoint's operator signature must verify, and the Merkle root recomputed from the
    records (streaming, flat memory) and the root from the stored tree nodes must both equal
    the signed root: rows deleted or rewritten behind a checkpoint are caught. ``progress``
    is called with 1 for every record read.
    """
    frontier, roots = Frontier(), {}
    with reading(engine) as connection:
        latest = checkpoints.latest(connection)

        def records():
            for record in log.stream(connection):
                with contextlib.suppress(ValueError):  # a malformed hash is reported by audit
                    frontier.append(bytes.fromhex(record.entry_hash))
                if latest is not None and frontier.size == latest.size:
                    roots["records"] = frontier.root()
                progress(1)
                yield record

        report = audit(records(), replay=replay)
        size, head_hash = log.head(connection)
        failure = report.failure or _head_failure(report, size, head_hash)
        if failure is None and latest is not None:
            failure = _checkpoint_failure(connection, latest, roots.get("records"))
    return AuditReport(report.size, report.head, failure)


def _head_failure(report: AuditReport, size: int, head_hash: str) -> Failure | None:
    if report.size < size:
        return Failure(report.size + 1, "missing", f"the head says {size} records")
    if report.head != head_hash:
        return Failure(size, "bad-head", "the head hash does not match the records")
    return None


def _checkpoint_failure(connection: Connection, latest, recomputed: bytes | None):
    try:
        signed, _ = open_checkpoint(latest.note, checkpoints.operator_verifier(connection))
    except LedgerError as exc:
        return Failure(latest.size, "bad-checkpoint", exc.detail)
    if (signed.size, signed.root) != (latest.size, latest.root):
        return Failure(
            latest.size, "bad-checkpoint", "the stored size or root differs from the note"
        )
    if recomputed != latest.root:
        return Failure(
            latest.size,
            "checkpoint-mismatch",
            "the records do not hash to the signed checkpoint root",
        )
    try:
        stored = root_at(latest.size, SqlNodes(connection))
    except LookupError as exc:
        return Failure(latest.size, "bad-merkle-node", str(exc))
    if stored != latest.root:
        return Failure(latest.size, "bad-merkle-node", "stored tree nodes disagree with the root")
    return None


def replay(connection: Connection, progress: Callable[[int], None] = _nothing) -> MemoryStore:
    """Projections rebuilt in memory from the log alone (``progress`` as in ``verify_log``)."""
    store = MemoryStore()
    for record in log.stream(connection):
        replay_record(store, record, private=log.private_of(connection, record.seq))
        progress(1)
    return store


def rebuild(engine: Engine, progress: Callable[[int], None] = _nothing) -> tuple[int, bool]:
    """Replace the projections with a replay of the log; returns (objects, were they equal).

    Runs under the head lock, so no append interleaves, and as a new state generation, so
    every process's cached projections are refreshed.
    """
    with writing(engine) as connection:
        head = log.lock_head(connection)
        fresh = replay(connection, progress).dump()
        live = SqlStore(connection).dump()
        connection.execute(delete(state_index))
        connection.execute(delete(state))
        head = head._replace(generation=head.generation + 1)
        SqlStore(connection).put_many(
            [(kind, value) for kind, objects in fresh.items() for value in objects.values()],
            head.generation,
            {(kind, key): None for kind, objects in fresh.items() for key in objects},  # all gone
        )
        log.set_head(connection, head)
    return sum(len(objects) for objects in fresh.values()), live == fresh
