"""The projected state the rules read and write, behind a small storage protocol.

State is a set of JSON objects addressed by ``(kind, id)``; every object carries its ``id``.
Some attributes of some kinds are indexed (``INDEXES``) so that the rules and the read API can
find objects by them. The core ships
an in-memory store (offline verification, replay, tests); the service stores the same objects in
its database. Rules never write a store directly: they write an ``Overlay`` that is flushed only
when the whole entry has been accepted, so a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Protocol

# kind -> attributes that can be searched with ``find``. An attribute holding a list is indexed
# under each of its items.
INDEXES: dict[str, tuple[str, ...]] = {
    "party": ("roles",),
    "key": ("party",),
    "certificate": ("party", "certifier"),
    "authorisation": ("party",),
    "rate": ("metal",),
    "price": ("metal",),
    "fx": ("quote",),
    "lot": ("holder", "incoming_to", "origin_asmos", "status"),
    "sale": ("seller", "buyer", "ancestor_lots"),
    "obligation": ("asmo", "payer", "lot"),
    "finding": ("code", "lot"),
    "token": ("party",),
    "claim": ("licensee", "lot"),
    "credit_batch": ("asmo", "holders"),
    "retirement": ("party", "asmo", "lot"),
    "mb_account": ("party",),
}


class Store(Protocol):
    """What the rules need from storage."""

    def get(self, kind: str, key: str) -> dict | None:
        """The object, or None."""

    def put(self, kind: str, value: dict) -> None:
        """Create or replace an object; its key is ``value["id"]``."""

    def find(self, kind: str, attr: str, value: str) -> list[dict]:
        """Objects of ``kind`` whose indexed ``attr`` equals (or, for a list, contains) value."""


def clone(value):
    """A deep copy of a JSON-like value (dicts, lists and immutable scalars), quickly."""
    if isinstance(value, dict):
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item) for item in value]
    return value


def index_values(kind: str, value: dict) -> Iterator[tuple[str, str]]:
    """The ``(attr, value)`` index rows of an object."""
    for attr in INDEXES.get(kind, ()):
        found = value.get(attr)
        if found is None:
            continue
        for item in found if isinstance(found, list) else [found]:
            yield attr, str(item)


class MemoryStore:
    """A store held in dictionaries."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, dict]] = defaultdict(dict)
        self._index: dict[tuple[str, str, str], set[str]] = defaultdict(set)

    def get(self, kind: str, key: str) -> dict | None:
        found = self.objects[kind].get(key)
        return clone(found) if found is not None else None

    def peek(self, kind: str, key: str) -> dict | None:
        """The stored object itself, not a copy: for readers that never change it."""
        return self.objects[kind].get(key)

    def put(self, kind: str, value: dict) -> None:
        key = value["id"]
        old = self.objects[kind].get(key)
        if old is not None:
            for attr, item in index_values(kind, old):
                self._index[(kind, attr, item)].discard(key)
        self.objects[kind][key] = clone(value)
        for attr, item in index_values(kind, value):
            self._index[(kind, attr, item)].add(key)

    def find(self, kind: str, attr: str, value: str) -> list[dict]:
        keys = sorted(self._index.get((kind, attr, value), ()))
        return [clone(self.objects[kind][k]) for k in keys]

    def dump(self) -> dict[str, dict[str, dict]]:
        """Every object, by kind and key (used to compare projections)."""
        return {kind: dict(objs) for kind, objs in self.objects.items() if objs}


class Overlay:
    """Buffers writes over a store; ``writes`` is what to persist once the entry is accepted."""

    def __init__(self, base: Store) -> None:
        self.base = base
        self.writes: dict[tuple[str, str], dict] = {}

    def get(self, kind: str, key: str) -> dict | None:
        if (kind, key) in self.writes:
            return clone(self.writes[(kind, key)])
        return self.base.get(kind, key)

    def put(self, kind: str, value: dict) -> None:
        self.writes[(kind, value["id"])] = clone(value)

    def find(self, kind: str, attr: str, value: str) -> list[dict]:
        found = {}
        for obj in self.base.find(kind, attr, value):
            found[obj["id"]] = obj
        for (k, key), obj in self.writes.items():
            if k != kind:
                continue
            if (attr, value) in set(index_values(kind, obj)):
                found[key] = clone(obj)
            else:
                found.pop(key, None)
        return [found[k] for k in sorted(found)]

    def flush_to(self, store: Store) -> None:
        """Write the buffered objects into ``store``."""
        for (kind, _key), value in self.writes.items():
            store.put(kind, value)

    def items(self) -> Iterable[tuple[str, str, dict]]:
        for (kind, key), value in self.writes.items():
            yield kind, key, value
