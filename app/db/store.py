"""The core's ``Store`` protocol over the ``state`` and ``state_index`` tables."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, and_, delete, insert, select

from app.db.tables import state, state_index
from ledger.state import index_values


def dumps(value: dict) -> str:
    """Stable JSON text of a state object."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class SqlStore:
    """State objects in the database, read and written on one connection (one transaction)."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def get(self, kind: str, key: str) -> dict | None:
        row = self.connection.execute(
            select(state.c.value).where(state.c.kind == kind, state.c.id == key)
        ).first()
        return json.loads(row.value) if row else None

    def find(self, kind: str, attr: str, value: str) -> list[dict]:
        rows = self.connection.execute(
            select(state.c.value)
            .join(
                state_index,
                and_(state_index.c.kind == state.c.kind, state_index.c.id == state.c.id),
            )
            .where(
                state_index.c.kind == kind, state_index.c.attr == attr, state_index.c.value == value
            )
            .order_by(state.c.id)
        )
        return [json.loads(row.value) for row in rows]

    def all(self, kind: str) -> list[dict]:
        """Every object of ``kind``, by id."""
        rows = self.connection.execute(
            select(state.c.value).where(state.c.kind == kind).order_by(state.c.id)
        )
        return [json.loads(row.value) for row in rows]

    def put(self, kind: str, value: dict) -> None:
        self.put_many([(kind, value)])

    def put_many(self, writes: Iterable[tuple[str, dict]]) -> None:
        """Replace objects and their index rows."""
        writes = list(writes)
        if not writes:
            return
        for kind, value in writes:
            key = value["id"]
            self.connection.execute(delete(state).where(state.c.kind == kind, state.c.id == key))
            self.connection.execute(
                delete(state_index).where(state_index.c.kind == kind, state_index.c.id == key)
            )
        self.connection.execute(
            insert(state), [{"kind": k, "id": v["id"], "value": dumps(v)} for k, v in writes]
        )
        index_rows = [
            {"kind": kind, "attr": attr, "value": item, "id": value["id"]}
            for kind, value in writes
            for attr, item in index_values(kind, value)
        ]
        if index_rows:
            self.connection.execute(insert(state_index), index_rows)

    def dump(self) -> dict[str, dict[str, dict]]:
        """Every object, by kind and id (used to compare projections with a rebuild)."""
        out: dict[str, dict[str, dict]] = {}
        for row in self.connection.execute(select(state.c.kind, state.c.id, state.c.value)):
            out.setdefault(row.kind, {})[row.id] = json.loads(row.value)
        return out
