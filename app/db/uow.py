"""Transaction boundaries: one unit of work per append, one read snapshot per request."""

from __future__ import annotations

import fcntl
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection, Engine

from app.db.engine import WRITER_OPTION, is_sqlite


class _SqliteWriters:
    """SQLite writers queue here, promptly woken, instead of polling the database's write lock
    in SQLite's busy handler (which sleeps up to 100 ms between tries): threads of a process on
    a lock, processes (gunicorn workers) on ``flock`` of a file beside the database."""

    def __init__(self, database: str | None):
        self._threads = threading.Lock()
        self._path = f"{database}.writer-lock" if database and database != ":memory:" else None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._threads:
            if self._path is None:
                yield
                return
            with open(self._path, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
                yield


_sqlite_writers: weakref.WeakKeyDictionary[Engine, _SqliteWriters] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def _writer_lock(engine: Engine):
    if not is_sqlite(engine):
        return nullcontext()
    with _guard:
        writers = _sqlite_writers.get(engine)
        if writers is None:
            writers = _sqlite_writers[engine] = _SqliteWriters(engine.url.database)
    return writers.held()


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
