"""The append path's statements, as constant SQL text per dialect (``exec_driver_sql``).

Building, compiling and keying a SQLAlchemy statement costs more CPU than running it, so the
statements the writer runs for every batch are plain text per dialect, run through
``exec_driver_sql`` (no compilation; SQLAlchemy still wraps driver errors and invalidates a
broken connection) inside the caller's transaction. Writes are multi-row, one statement per
table and batch (SQLAlchemy's ``executemany`` sends one bind and execute per row on psycopg,
in pipeline mode still one protocol message and one executor start each):

* PostgreSQL: ``INSERT ... SELECT ... FROM json_array_elements(<the rows as JSON>)``, so a
  whole batch is one statement with one text parameter, encoded by the standard library's C
  JSON encoder (bytes as hex) rather than element by element as driver arrays;
* SQLite: the ``sqlite3`` module's ``executemany``, whose loop over rows runs in C.

Rows are tuples in the order of each statement's columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection

Row = tuple[object, ...]

_SQL = {
    "postgresql": {
        "head": "SELECT size, head_hash, generation FROM log_head WHERE id = 1",
        "lock_head": "SELECT size, head_hash, generation FROM log_head WHERE id = 1 FOR UPDATE",
        "set_head": "UPDATE log_head SET size = %s, head_hash = %s, generation = %s WHERE id = 1",
        "get": "SELECT value FROM state WHERE kind = %s AND id = %s",
        "find": "SELECT s.value FROM state_index i JOIN state s ON s.kind = i.kind AND s.id = i.id "
        "WHERE i.kind = %s AND i.attr = %s AND i.value = %s ORDER BY s.id",
        "changed_since": "SELECT kind, id FROM state WHERE changed_gen > %s "
        "ORDER BY changed_gen LIMIT %s",
        "state_keys": "SELECT kind, id FROM state",
        "state_count": "SELECT count(*) FROM state",
        "by_nonces": "SELECT seq, prev_hash, received_at, entry, entry_hash FROM records "
        "WHERE (actor, nonce) IN (SELECT r->>0, r->>1 FROM json_array_elements(%s::json) r)",
        "records": "INSERT INTO records (seq, entry_hash, prev_hash, received_at, type, actor, "
        "nonce, entry) SELECT (r->>0)::bigint, r->>1, r->>2, r->>3, r->>4, r->>5, r->>6, r->>7 "
        "FROM json_array_elements(%s::json) r",
        "private": "INSERT INTO private_data (seq, data) "
        "SELECT (r->>0)::bigint, r->>1 FROM json_array_elements(%s::json) r",
        "nodes": "INSERT INTO merkle_nodes (level, idx, hash) "
        "SELECT (r->>0)::int, (r->>1)::bigint, decode(r->>2, 'hex') "
        "FROM json_array_elements(%s::json) r",
        "state": "INSERT INTO state (kind, id, value, changed_gen) "
        "SELECT r->>0, r->>1, r->>2, (r->>3)::bigint FROM json_array_elements(%s::json) r "
        "ON CONFLICT (kind, id) DO UPDATE "
        "SET value = excluded.value, changed_gen = excluded.changed_gen",
        "index": "INSERT INTO state_index (kind, attr, value, id) "
        "SELECT r->>0, r->>1, r->>2, r->>3 FROM json_array_elements(%s::json) r",
        "unindex_objects": "DELETE FROM state_index s USING json_array_elements(%s::json) r "
        "WHERE s.kind = r->>0 AND s.id = r->>1",
        "unindex_rows": "DELETE FROM state_index s USING json_array_elements(%s::json) r "
        "WHERE s.kind = r->>0 AND s.attr = r->>1 AND s.value = r->>2 AND s.id = r->>3",
    },
    "sqlite": {
        "head": "SELECT size, head_hash, generation FROM log_head WHERE id = 1",
        "lock_head": "SELECT size, head_hash, generation FROM log_head WHERE id = 1",
        "set_head": "UPDATE log_head SET size = ?, head_hash = ?, generation = ? WHERE id = 1",
        "get": "SELECT value FROM state WHERE kind = ? AND id = ?",
        "find": "SELECT s.value FROM state_index i JOIN state s ON s.kind = i.kind AND s.id = i.id "
        "WHERE i.kind = ? AND i.attr = ? AND i.value = ? ORDER BY s.id",
        "changed_since": "SELECT kind, id FROM state WHERE changed_gen > ? "
        "ORDER BY changed_gen LIMIT ?",
        "state_keys": "SELECT kind, id FROM state",
        "state_count": "SELECT count(*) FROM state",
        "by_nonce": "SELECT seq, prev_hash, received_at, entry, entry_hash FROM records "
        "WHERE actor = ? AND nonce = ?",
        "records": "INSERT INTO records (seq, entry_hash, prev_hash, received_at, type, actor, "
        "nonce, entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "private": "INSERT INTO private_data (seq, data) VALUES (?, ?)",
        "nodes": "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)",
        "state": "INSERT INTO state (kind, id, value, changed_gen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (kind, id) DO UPDATE "
        "SET value = excluded.value, changed_gen = excluded.changed_gen",
        "index": "INSERT INTO state_index (kind, attr, value, id) VALUES (?, ?, ?, ?)",
        "unindex_objects": "DELETE FROM state_index WHERE kind = ? AND id = ?",
        "unindex_rows": "DELETE FROM state_index "
        "WHERE kind = ? AND attr = ? AND value = ? AND id = ?",
    },
}


def rows(connection: Connection, what: str, params: Sequence[object] = ()) -> list[Row]:
    """The rows of the query named ``what``."""
    sql = _SQL[connection.dialect.name][what]
    return [tuple(row) for row in connection.exec_driver_sql(sql, tuple(params))]


def stream(connection: Connection, what: str, batch: int = 10_000) -> Iterator[Row]:
    """The rows of the query named ``what``, read ``batch`` at a time (a server-side cursor
    on PostgreSQL), so a large result never sits in memory whole."""
    sql = _SQL[connection.dialect.name][what]
    options = {"stream_results": True, "max_row_buffer": batch}
    for chunk in connection.exec_driver_sql(sql, execution_options=options).partitions(batch):
        yield from (tuple(row) for row in chunk)


def run(connection: Connection, what: str, params: Sequence[object]) -> None:
    """Run the statement named ``what`` once."""
    connection.exec_driver_sql(_SQL[connection.dialect.name][what], tuple(params))


def by_nonces(connection: Connection, pairs: Sequence[tuple[str, str]]) -> list[Row]:
    """``(seq, prev_hash, received_at, entry, entry_hash)`` of the records with these
    ``(actor, nonce)`` pairs."""
    if not pairs:
        return []
    if connection.dialect.name == "postgresql":
        return rows(connection, "by_nonces", (_json(pairs),))
    return [row for pair in pairs for row in rows(connection, "by_nonce", pair)]


def _json(values: Sequence[Row]) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=bytes.hex)


def write(connection: Connection, what: str, values: Sequence[Row]) -> None:
    """Write the rows ``values`` with the statement named ``what``, in one statement on
    PostgreSQL (one ``executemany`` on SQLite)."""
    if not values:
        return
    dialect = connection.dialect.name
    sql = _SQL[dialect][what]
    if dialect == "postgresql":
        connection.exec_driver_sql(sql, (_json(values),))
    else:
        connection.exec_driver_sql(sql, list(values))
