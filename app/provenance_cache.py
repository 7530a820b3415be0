"""Provenance bundles and the verified content of their pages, kept per lot and checkpoint.

A bundle (and the page verified from it) depends only on the log up to the checkpoint it is
built against, so it is built and verified once per lot and checkpoint, not on every view. The
key includes a digest of the checkpoint's note, so a new witness cosignature gives a new
bundle. Nothing of a visitor is kept (pages are rendered per request from the cached content).
Each process keeps the most recently used ``MAX_ENTRIES``.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

MAX_ENTRIES = 512


class ProvenanceCache:
    """A small thread-safe LRU map from ``(kind, lot, size, note digest)`` to text."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(kind: str, lot_id: str, size: int, note: str) -> tuple:
        return kind, lot_id, size, hashlib.sha256(note.encode()).hexdigest()

    def get_or_make(self, key: tuple, make: Callable[[], object]) -> object:
        """The cached value of ``key``, made (outside the lock) and kept on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
