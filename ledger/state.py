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
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, Protocol, overload

from ledger.projections import Certificate, JSONObject, Key, Lot, Obligation, Party

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


class Reader(Protocol):
    """What reading the state needs (``authenticate`` only reads).

    For the type checker, reads of the main kinds give their projection
    (``ledger.projections``); other kinds give untyped JSON (``Any``). The stores themselves
    declare loose reads (``Any``), and rules read through ``Store`` (``Context.store``).
    """

    @overload
    def get(self, kind: Literal["lot"], key: str) -> Lot | None: ...
    @overload
    def get(self, kind: Literal["obligation"], key: str) -> Obligation | None: ...
    @overload
    def get(self, kind: Literal["party"], key: str) -> Party | None: ...
    @overload
    def get(self, kind: Literal["key"], key: str) -> Key | None: ...
    @overload
    def get(self, kind: Literal["certificate"], key: str) -> Certificate | None: ...
    @overload
    def get(self, kind: str, key: str) -> Any: ...
    def get(self, kind: str, key: str) -> Any:
        """The object, or None."""


class Store(Reader, Protocol):
    """What the rules need from storage (reads typed as in ``Reader``)."""

    def put(self, kind: str, value: Mapping[str, Any]) -> None:
        """Create or replace an object; its key is ``value["id"]``."""

    @overload
    def find(self, kind: Literal["lot"], attr: str, value: str) -> list[Lot]: ...
    @overload
    def find(self, kind: Literal["obligation"], attr: str, value: str) -> list[Obligation]: ...
    @overload
    def find(self, kind: Literal["party"], attr: str, value: str) -> list[Party]: ...
    @overload
    def find(self, kind: Literal["key"], attr: str, value: str) -> list[Key]: ...
    @overload
    def find(self, kind: Literal["certificate"], attr: str, value: str) -> list[Certificate]: ...
    @overload
    def find(self, kind: str, attr: str, value: str) -> list[Any]: ...
    def find(self, kind: str, attr: str, value: str) -> list[Any]:
        """Objects of ``kind`` whose indexed ``attr`` equals (or, for a list, contains) value."""


def clone(value: Any) -> Any:
    """A deep copy of a JSON-like value (dicts, lists and immutable scalars), quickly."""
    if isinstance(value, dict):
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item) for item in value]
    return value


def index_values(kind: str, value: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The ``(attr, value)`` index rows of an object."""
    for attr in INDEXES.get(kind, ()):
        found = value.get(attr)
        if found is None:
            continue
        for item in found if isinstance(found, list) else [found]:
            yield attr, str(item)


class MemoryStore:
    """A store held in dictionaries (a ``Store``: its reads are typed by that protocol)."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = defaultdict(dict)  # kind -> key -> object
        self._index: dict[tuple[str, str, str], set[str]] = defaultdict(set)

    def get(self, kind: str, key: str) -> Any:
        found = self.objects[kind].get(key)
        return clone(found) if found is not None else None

    def peek(self, kind: str, key: str) -> Any:
        """The stored object itself, not a copy: for readers that never change it."""
        return self.objects[kind].get(key)

    def put(self, kind: str, value: Mapping[str, Any]) -> None:
        key = value["id"]
        old = self.objects[kind].get(key)
        if old is not None:
            for attr, item in index_values(kind, old):
                self._index[(kind, attr, item)].discard(key)
        self.objects[kind][key] = clone(value)
        for attr, item in index_values(kind, value):
            self._index[(kind, attr, item)].add(key)

    def find(self, kind: str, attr: str, value: str) -> list[Any]:
        keys = sorted(self._index.get((kind, attr, value), ()))
        return [clone(self.objects[kind][k]) for k in keys]

    def dump(self) -> dict[str, dict[str, JSONObject]]:
        """Every object, by kind and key (used to compare projections)."""
        return {kind: dict(objs) for kind, objs in self.objects.items() if objs}


class Overlay:
    """Buffers writes over a store; ``writes`` is what to persist once the entry is accepted.
    (A ``Store``: its reads are typed by that protocol.)"""

    def __init__(self, base: Store) -> None:
        self.base = base
        self.writes: dict[tuple[str, str], JSONObject] = {}

    def get(self, kind: str, key: str) -> Any:
        if (kind, key) in self.writes:
            return clone(self.writes[(kind, key)])
        return self.base.get(kind, key)

    def put(self, kind: str, value: Mapping[str, Any]) -> None:
        self.writes[(kind, value["id"])] = clone(value)

    def find(self, kind: str, attr: str, value: str) -> list[Any]:
        found: dict[str, JSONObject] = {}
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

    def items(self) -> Iterable[tuple[str, str, JSONObject]]:
        for (kind, key), value in self.writes.items():
            yield kind, key, value
