"""Reading and writing the log: records, the head row, and the stored Merkle nodes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select, tuple_

from app.db import driver_sql
from app.db.tables import merkle_nodes, private_data, records
from ledger.canonical import canonical_bytes
from ledger.merkle import Key, MemoryNodes, frontier_keys, nodes_completed_by
from ledger.record import Record

# Statements of the append path, built once (building and keying a statement costs more CPU
# than running it on SQLite).
_NODES = select(merkle_nodes.c.level, merkle_nodes.c.idx, merkle_nodes.c.hash).where(
    tuple_(merkle_nodes.c.level, merkle_nodes.c.idx).in_(bindparam("keys", expanding=True))
)


class Head(NamedTuple):
    """The head row: log size, hash of the last record, and the projections' generation."""

    size: int
    head_hash: str
    generation: int


def entry_text(entry: dict) -> str:
    """The stored form of an entry: its canonical JSON."""
    return canonical_bytes(entry).decode("utf-8")


def to_record(row) -> Record:
    return Record(row.seq, row.prev_hash, row.received_at, json.loads(row.entry), row.entry_hash)


def head(connection: Connection) -> tuple[int, str]:
    """``(size, head_hash)``."""
    return read_head(connection)[:2]


def read_head(connection: Connection) -> Head:
    """The head row, unlocked (seeded by the first migration)."""
    (row,) = driver_sql.rows(connection, "head")
    return Head(*row)


def lock_head(connection: Connection) -> Head:
    """The head row, locked until the transaction ends (the single point appends serialise on:
    ``FOR UPDATE`` on PostgreSQL; SQLite's writers already hold the database's write lock)."""
    (row,) = driver_sql.rows(connection, "lock_head")
    return Head(*row)


def set_head(connection: Connection, head: Head) -> None:
    driver_sql.run(connection, "set_head", (head.size, head.head_hash, head.generation))


def find_by_nonces(
    connection: Connection, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Record]:
    """The stored records of these ``(actor, nonce)`` pairs, in one query."""
    found = {}
    for seq, prev_hash, received_at, text, entry_hash in driver_sql.by_nonces(
        connection, list(set(pairs))
    ):
        record = Record(seq, prev_hash, received_at, json.loads(text), entry_hash)
        found[(record.entry["actor"], record.entry["nonce"])] = record
    return found


def by_seq(connection: Connection, seq: int) -> Record | None:
    row = connection.execute(select(records).where(records.c.seq == seq)).first()
    return to_record(row) if row else None


def by_seqs(connection: Connection, seqs: Iterable[int]) -> list[Record]:
    """The records of these seqs, in seq order, in one query (missing ones are left out)."""
    wanted = sorted(set(seqs))
    if not wanted:
        return []
    rows = connection.execute(
        select(records).where(records.c.seq.in_(wanted)).order_by(records.c.seq)
    )
    return [to_record(row) for row in rows]


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
        """The hashes of these subtrees, in one query; a missing one raises ``LookupError``."""
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self.connection.execute(_NODES, {"keys": sorted(wanted)})
        found = {(row.level, row.idx): bytes(row.hash) for row in rows}
        missing = wanted - set(found)
        if missing:
            raise LookupError(f"Merkle nodes missing: {sorted(missing)[:3]}")
        return found


def private_of(connection: Connection, seq: int) -> dict | None:
    """The private data submitted beside record ``seq``, if any."""
    row = connection.execute(select(private_data.c.data).where(private_data.c.seq == seq)).first()
    return json.loads(row.data) if row else None


def frontier(connection: Connection, size: int) -> dict[Key, bytes]:
    """The tree's frontier nodes at ``size`` (``merkle.frontier_keys``), in one query."""
    return SqlNodes(connection).nodes(frontier_keys(size))


def write_batch(
    connection: Connection,
    appended: list[tuple[Record, dict | None, str]],
    size: int,
    frontier_nodes: dict[Key, bytes],
) -> dict[Key, bytes]:
    """Insert the records appended after ``size`` and the Merkle nodes they complete, each
    kind in one statement, reading nothing (it may run pipelined); the caller moves the head.

    Each item is a record, its private data (or None) and its entry's canonical text
    (``entry_text``, which the caller has already made).

    ``frontier_nodes`` are the tree's frontier at ``size`` (``frontier``): every left sibling
    the new leaves need is there or made by the batch. Returns the frontier at the new size.
    """
    driver_sql.write(
        connection,
        "private",
        [(rec.seq, entry_text(private)) for rec, private, _ in appended if private is not None],
    )
    driver_sql.write(
        connection,
        "records",
        [
            (
                record.seq,
                record.entry_hash,
                record.prev_hash,
                record.received_at,
                record.entry["type"],
                record.entry["actor"],
                record.entry["nonce"],
                text,
            )
            for record, _, text in appended
        ],
    )
    tree = MemoryNodes(frontier_nodes)
    rows = []
    for record, _, _ in appended:
        for level, index, value in nodes_completed_by(
            record.seq - 1, bytes.fromhex(record.entry_hash), tree
        ):
            tree.put(level, index, value)
            rows.append((level, index, value))
    driver_sql.write(connection, "nodes", rows)
    return tree.nodes(frontier_keys(size + len(appended)))
