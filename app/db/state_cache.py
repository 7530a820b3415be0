"""A process's copy of the projection rows its appends read, exact as of one state generation.

Every transaction that writes projections holds the head lock and bumps
``log_head.generation``, stamping each row it writes with the new generation. The appender
reads the generation under the head lock and calls ``sync``: if another process (another
gunicorn worker, ``flask ledger rebuild``) wrote since, exactly the rows it changed are
dropped. Reads then come from memory, and misses from the database inside the same locked
transaction, so the rules always see the committed state. Values are kept as JSON text, so
every read hands the rules a fresh object to change.

Most entries create objects under new ids (a lot, a key, an obligation), and the rules look
each one up first. So that such a lookup needs no query, the cache also holds a Bloom filter
of every ``(kind, id)`` stored, kept up to date like the objects: an id the filter has never
seen is known absent; a filter hit (rarely false) falls through to the database. The filter
comes from one scan of the stored ids: inline at the first sync when there are few, otherwise
in a background thread, outside the head lock, as of the generation it read first; the next
sync then adds what changed since that generation and starts using it. Until then every
lookup goes to the database, as without a filter.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from rbloom import Bloom
from sqlalchemy import Connection, Engine

from app.db import driver_sql, log

MAX_OBJECTS = 50_000  # least recently used objects are dropped beyond this
MAX_CHANGES = 10_000  # more foreign changes than this: start afresh instead of evicting
MIN_FILTER = 100_000  # ids the Bloom filter is sized for at least (twice those stored)
FALSE_HITS = 0.01  # the filter's false-positive rate at its size
INLINE_SCAN = 20_000  # logs of at most this many records are scanned inline, under the lock


class StateCache:
    """Object texts by ``(kind, id)`` and ``find`` results by ``(kind, attr, value)``."""

    def __init__(self, max_objects: int = MAX_OBJECTS, max_changes: int = MAX_CHANGES):
        self.max_objects = max_objects
        self.max_changes = max_changes
        self.generation: int | None = None
        self._lock = threading.Lock()
        self._objects: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self._finds: dict[tuple[str, str, str], list[str]] = {}
        self._stored: Bloom | None = None  # every stored (kind, id), and a few false hits
        self._room = 0  # ids the filter may still take before it is rebuilt larger
        self._scanned: tuple[Bloom, int, int] | None = None  # (filter, generation, room)
        self._scanning: threading.Thread | None = None

    def clear(self) -> None:
        """Forget everything (e.g. after a failed commit)."""
        with self._lock:
            self._objects.clear()
            self._finds.clear()
            self._stored = None
            self.generation = None

    def sync(self, connection: Connection, generation: int, log_size: int) -> None:
        """Under the head lock: drop what changed between the cached and the stored generation
        (``log_size``, the head's, tells whether a filter of stored ids may be scanned inline)."""
        if self.generation == generation:
            return
        changed = None
        if self.generation is not None and generation > self.generation:
            changed = driver_sql.rows(
                connection, "changed_since", (self.generation, self.max_changes + 1)
            )
        with self._lock:
            if changed is None or len(changed) > self.max_changes:
                self._objects.clear()
                self._finds.clear()
                self._stored = None
            else:
                for kind, key in changed:
                    self._objects.pop((kind, key), None)
                self._drop_finds({kind for kind, _ in changed})
                self._note_stored(changed)
            self.generation = generation
        if self._stored is None:
            self._provide_filter(connection, generation, log_size)

    def get(self, kind: str, key: str) -> tuple[bool, str | None]:
        """``(hit, text)``; a hit with ``None`` means the object is known not to exist."""
        with self._lock:
            try:
                text = self._objects[(kind, key)]
            except KeyError:
                stored = self._stored
                return (stored is not None and (kind, key) not in stored), None
            self._objects.move_to_end((kind, key))
            return True, text

    def peek(self, kind: str, key: str) -> str | None:
        """The cached text, without touching recency; outside the head lock it may be stale."""
        with self._lock:
            return self._objects.get((kind, key))

    def known(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        """The cached texts (None: known absent) of those of ``keys`` the cache holds or the
        filter of stored ids knows to be absent."""
        with self._lock:
            stored, found = self._stored, {}
            for key in keys:
                if key in self._objects:
                    found[key] = self._objects[key]
                elif stored is not None and key not in stored:
                    found[key] = None
            return found

    def remember(self, kind: str, key: str, text: str | None) -> None:
        """Keep an object read from the database in this generation."""
        with self._lock:
            self._objects[(kind, key)] = text
            self._objects.move_to_end((kind, key))
            while len(self._objects) > self.max_objects:
                self._objects.popitem(last=False)

    def find(self, kind: str, attr: str, value: str) -> list[str] | None:
        """Cached texts of a ``find``, or None."""
        with self._lock:
            found = self._finds.get((kind, attr, value))
            return list(found) if found is not None else None

    def remember_find(self, kind: str, attr: str, value: str, texts: list[str]) -> None:
        with self._lock:
            if len(self._finds) >= self.max_objects:
                self._finds.clear()
            self._finds[(kind, attr, value)] = list(texts)

    def committed(self, writes: list[tuple[str, str, str]], generation: int) -> None:
        """After a commit of ``writes`` ``(kind, id, text)``: the cache is at ``generation``."""
        for kind, key, text in writes:
            self.remember(kind, key, text)
        with self._lock:
            self._drop_finds({kind for kind, _, _ in writes})
            self._note_stored([(kind, key) for kind, key, _ in writes])
            self.generation = generation

    def _provide_filter(self, connection: Connection, generation: int, log_size: int) -> None:
        """Under the head lock: install a scanned filter, caught up to ``generation``, or
        scan (inline if the ids are few, else in the background for a later sync)."""
        with self._lock:
            scanned, self._scanned = self._scanned, None
        if scanned is not None and scanned[1] <= generation:
            stored, since, room = scanned
            changed = driver_sql.rows(connection, "changed_since", (since, self.max_changes + 1))
            if len(changed) <= self.max_changes:
                with self._lock:
                    self._stored, self._room = stored, room
                    self._note_stored(changed)  # too many for its room: scanned again below
            if self._stored is not None:
                return
        if log_size <= INLINE_SCAN:  # stored ids grow with the log: a short log scans fast
            stored, room = self._scan(connection)
            with self._lock:
                self._stored, self._room = stored, room
        elif self._scanning is None or not self._scanning.is_alive():
            self._scanning = threading.Thread(
                target=self._scan_in_background, args=(connection.engine,), daemon=True
            )
            self._scanning.start()

    @staticmethod
    def _scan(connection: Connection) -> tuple[Bloom, int]:
        """A filter of the stored ids, and the ids it may still take."""
        (count,) = driver_sql.rows(connection, "state_count")[0]
        capacity = max(MIN_FILTER, 2 * count)
        stored = Bloom(capacity, FALSE_HITS)
        stored.update((kind, key) for kind, key in driver_sql.stream(connection, "state_keys"))
        return stored, capacity - count

    def _scan_in_background(self, engine: Engine) -> None:
        """Scan the stored ids as of the generation read first (every id stored up to it is
        then visible); ids stored later are added when the filter is installed."""
        try:
            with engine.connect() as connection, connection.begin():
                generation = log.read_head(connection).generation
                stored, room = self._scan(connection)
        except Exception:  # the next sync scans again; lookups stay exact meanwhile
            return
        with self._lock:
            self._scanned = (stored, generation, room)

    def _note_stored(self, keys: list[tuple[str, str]]) -> None:
        if self._stored is None:
            return
        self._stored.update(keys)
        self._room -= len(keys)
        if self._room < 0:  # full: rebuilt larger at the next sync
            self._stored = None

    def _drop_finds(self, kinds: set[str]) -> None:
        if kinds:
            for found in [k for k in self._finds if k[0] in kinds]:
                del self._finds[found]
