"""Transaction boundaries: one unit of work per append, one read snapshot per request."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection, Engine

from app.db.engine import WRITER_OPTION, is_sqlite

# SQLite: one lock per engine, so the threads of a process queue for the write lock here,
# promptly woken, instead of polling it in SQLite's busy handler (which sleeps up to 100 ms
# between tries and let single appends wait seconds under 16 concurrent writers).
_sqlite_writers: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def _writer_lock(engine: Engine):
    if not is_sqlite(engine):
        return nullcontext()
    with _guard:
        return _sqlite_writers.setdefault(engine, threading.RLock())


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed if the block returns, rolled back if it raises."""
    with _writer_lock(engine), engine.connect() as connection:
        connection = connection.execution_options(**{WRITER_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction (a consistent snapshot where the database offers one)."""
    with engine.connect() as connection, connection.begin() as transaction:
        yield connection
        transaction.rollback()
