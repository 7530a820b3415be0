"""Verifying the stored log, and rebuilding the projections from it."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, delete

from app.db import log
from app.db.store import SqlStore
from app.db.tables import state, state_index
from app.db.uow import reading, writing
from ledger.audit import AuditReport, Failure, audit
from ledger.machine import apply_entry
from ledger.state import MemoryStore


def verify_log(engine: Engine, *, replay: bool = False) -> AuditReport:
    """Audit every stored record, then check the records reach the recorded head."""
    with reading(engine) as connection:
        report = audit(log.stream(connection), replay=replay)
        size, head_hash = log.head(connection)
    if not report.ok:
        return report
    if report.size < size:
        missing = Failure(report.size + 1, "missing", f"the head says {size} records")
        return AuditReport(report.size, report.head, missing)
    if report.head != head_hash:
        return AuditReport(
            report.size,
            report.head,
            Failure(size, "bad-head", "the head hash does not match the records"),
        )
    return report


def replay(connection: Connection) -> MemoryStore:
    """Projections rebuilt in memory from the log alone."""
    store = MemoryStore()
    for record in log.stream(connection):
        applied = apply_entry(
            store,
            record.entry,
            seq=record.seq,
            prev_hash=record.prev_hash,
            received_at=record.received_at,
            private=log.private_of(connection, record.seq),
        )
        for kind, value in applied.writes:
            store.put(kind, value)
    return store


def rebuild(engine: Engine) -> tuple[int, bool]:
    """Replace the projections with a replay of the log; returns (objects, were they equal).

    Runs under the head lock, so no append interleaves.
    """
    with writing(engine) as connection:
        log.head(connection, lock=True)
        fresh = replay(connection).dump()
        live = SqlStore(connection).dump()
        connection.execute(delete(state_index))
        connection.execute(delete(state))
        SqlStore(connection).put_many(
            (kind, value) for kind, objects in fresh.items() for value in objects.values()
        )
    return sum(len(objects) for objects in fresh.values()), live == fresh
