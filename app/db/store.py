"""The core's ``Store`` protocol over the ``state`` and ``state_index`` tables."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, select

from app.db import driver_sql
from app.db.state_cache import StateCache
from app.db.tables import state
from ledger.state import index_values


def dumps(value: dict) -> str:
    """Stable JSON text of a state object."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class SqlStore:
    """State objects in the database, read and written on one connection (one transaction)."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def get_text(self, kind: str, key: str) -> str | None:
        found = driver_sql.rows(self.connection, "get", (kind, key))
        return found[0][0] if found else None

    def find_texts(self, kind: str, attr: str, value: str) -> list[str]:
        return [row[0] for row in driver_sql.rows(self.connection, "find", (kind, attr, value))]

    def get(self, kind: str, key: str) -> dict | None:
        text = self.get_text(kind, key)
        return json.loads(text) if text is not None else None

    def find(self, kind: str, attr: str, value: str) -> list[dict]:
        return [json.loads(text) for text in self.find_texts(kind, attr, value)]

    def all(self, kind: str) -> list[dict]:
        """Every object of ``kind``, by id."""
        rows = self.connection.execute(
            select(state.c.value).where(state.c.kind == kind).order_by(state.c.id)
        )
        return [json.loads(row.value) for row in rows]

    def put(self, kind: str, value: dict) -> None:
        self.put_many([(kind, value)])

    def put_many(
        self,
        writes: Iterable[tuple[str, dict]],
        generation: int = 0,
        previous: dict[tuple[str, str], str | None] | None = None,
    ) -> list[tuple[str, str, str]]:
        """Create or replace objects and their index rows, stamped with ``generation``.

        ``previous`` holds the stored text (None: absent) of objects known before the write,
        so only their index rows that change are touched; other objects' index rows are
        replaced. The last write of an object wins; returns ``(kind, id, text)`` as stored.
        """
        latest = {(kind, value["id"]): value for kind, value in writes}
        if not latest:
            return []
        previous = previous or {}
        stored = [(kind, key, dumps(value)) for (kind, key), value in latest.items()]
        driver_sql.write(self.connection, "state", [(k, i, t, generation) for k, i, t in stored])
        unknown, removed, added = [], [], []
        for (kind, key), value in latest.items():
            rows = {(kind, attr, item, key) for attr, item in index_values(kind, value)}
            if (kind, key) in previous:
                text = previous[(kind, key)]
                old = json.loads(text) if text is not None else {}
                before = {(kind, attr, item, key) for attr, item in index_values(kind, old)}
                removed += before - rows
                added += rows - before
            else:
                unknown.append((kind, key))
                added += rows
        driver_sql.write(self.connection, "unindex_objects", unknown)
        driver_sql.write(self.connection, "unindex_rows", list(removed))
        driver_sql.write(self.connection, "index", list(added))
        return stored

    def dump(self) -> dict[str, dict[str, dict]]:
        """Every object, by kind and id (used to compare projections with a rebuild)."""
        out: dict[str, dict[str, dict]] = {}
        for row in self.connection.execute(select(state.c.kind, state.c.id, state.c.value)):
            out.setdefault(row.kind, {})[row.id] = json.loads(row.value)
        return out


class CachedStore:
    """Reads through a ``StateCache`` synced to this (head-locked) transaction; no writes."""

    def __init__(self, connection: Connection, cache: StateCache):
        self.sql = SqlStore(connection)
        self.cache = cache

    def get(self, kind: str, key: str) -> dict | None:
        hit, text = self.cache.get(kind, key)
        if not hit:
            text = self.sql.get_text(kind, key)
            self.cache.remember(kind, key, text)
        return json.loads(text) if text is not None else None

    def find(self, kind: str, attr: str, value: str) -> list[dict]:
        texts = self.cache.find(kind, attr, value)
        if texts is None:
            texts = self.sql.find_texts(kind, attr, value)
            self.cache.remember_find(kind, attr, value, texts)
        return [json.loads(text) for text in texts]

    def put(self, kind: str, value: dict) -> None:
        raise TypeError("write through the append batch, not the cache")
