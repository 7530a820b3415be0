"""Reading and writing the log: records, the head row, and the stored Merkle nodes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from sqlalchemy import Connection, insert, select, update

from app.db.tables import log_head, merkle_nodes, private_data, records
from ledger.canonical import canonical_bytes
from ledger.merkle import nodes_completed_by
from ledger.record import Record

HEAD_ID = 1


def entry_text(entry: dict) -> str:
    """The stored form of an entry: its canonical JSON."""
    return canonical_bytes(entry).decode("utf-8")


def to_record(row) -> Record:
    return Record(row.seq, row.prev_hash, row.received_at, json.loads(row.entry), row.entry_hash)


def head(connection: Connection, *, lock: bool = False) -> tuple[int, str]:
    """``(size, head_hash)``; with ``lock`` the row is locked until the transaction ends."""
    query = select(log_head.c.size, log_head.c.head_hash).where(log_head.c.id == HEAD_ID)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).one()  # seeded by the first migration
    return row.size, row.head_hash


def find_by_nonce(connection: Connection, actor: str, nonce: str) -> Record | None:
    row = connection.execute(
        select(records).where(records.c.actor == actor, records.c.nonce == nonce)
    ).first()
    return to_record(row) if row else None


def by_seq(connection: Connection, seq: int) -> Record | None:
    row = connection.execute(select(records).where(records.c.seq == seq)).first()
    return to_record(row) if row else None


def by_hash(connection: Connection, entry_hash: str) -> Record | None:
    row = connection.execute(select(records).where(records.c.entry_hash == entry_hash)).first()
    return to_record(row) if row else None


def page(connection: Connection, start: int, limit: int) -> list[Record]:
    rows = connection.execute(
        select(records).where(records.c.seq >= start).order_by(records.c.seq).limit(limit)
    )
    return [to_record(row) for row in rows]


def stream(connection: Connection, batch: int = 5000) -> Iterator[Record]:
    """Every record in ``seq`` order, read in batches (flat memory)."""
    start = 1
    while True:
        chunk = page(connection, start, batch)
        if not chunk:
            return
        yield from chunk
        start = chunk[-1].seq + 1


class SqlNodes:
    """The core's Merkle ``NodeReader`` over the ``merkle_nodes`` table."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def node(self, level: int, index: int) -> bytes:
        return self.nodes([(level, index)])[(level, index)]

    def nodes(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        wanted = set(keys)
        found: dict[tuple[int, int], bytes] = {}
        for level in {level for level, _ in wanted}:
            indexes = [index for lvl, index in wanted if lvl == level]
            rows = self.connection.execute(
                select(merkle_nodes.c.idx, merkle_nodes.c.hash).where(
                    merkle_nodes.c.level == level, merkle_nodes.c.idx.in_(indexes)
                )
            )
            found.update({(level, row.idx): bytes(row.hash) for row in rows})
        missing = wanted - set(found)
        if missing:
            raise LookupError(f"Merkle nodes missing: {sorted(missing)[:3]}")
        return found


def private_of(connection: Connection, seq: int) -> dict | None:
    """The private data submitted beside record ``seq``, if any."""
    row = connection.execute(select(private_data.c.data).where(private_data.c.seq == seq)).first()
    return json.loads(row.data) if row else None


def write(connection: Connection, record: Record, private: dict | None = None) -> None:
    """Insert ``record`` (and its private data), its completed Merkle nodes; move the head."""
    entry = record.entry
    if private is not None:
        connection.execute(insert(private_data).values(seq=record.seq, data=entry_text(private)))
    connection.execute(
        insert(records).values(
            seq=record.seq,
            entry_hash=record.entry_hash,
            prev_hash=record.prev_hash,
            received_at=record.received_at,
            type=entry["type"],
            actor=entry["actor"],
            nonce=entry["nonce"],
            entry=entry_text(entry),
        )
    )
    nodes = nodes_completed_by(
        record.seq - 1, bytes.fromhex(record.entry_hash), SqlNodes(connection)
    )
    connection.execute(
        insert(merkle_nodes), [{"level": lvl, "idx": idx, "hash": h} for lvl, idx, h in nodes]
    )
    connection.execute(
        update(log_head)
        .where(log_head.c.id == HEAD_ID)
        .values(size=record.seq, head_hash=record.entry_hash)
    )
