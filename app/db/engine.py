"""Engine creation. SQLite gets WAL, a busy timeout, explicit ``BEGIN IMMEDIATE`` writes and a
queue for its writers; PostgreSQL connections are pinged when they come out of the pool after
sitting idle. A process forked from one that used an engine gets a pool of its own."""

from __future__ import annotations

import fcntl
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

WRITER_OPTION = "ledger_writer"
WRITER_QUEUE_OPTION = "ledger_writer_queue"
IDLE_PING_SECONDS = 5.0


class SqliteWriterQueue:
    """SQLite writers queue here, promptly woken, instead of polling the database's write lock
    in SQLite's busy handler (which sleeps up to 100 ms between tries): threads of a process on
    a lock, processes (gunicorn workers) on ``flock`` of a file beside the database."""

    def __init__(self, database: str | None):
        self._threads = threading.Lock()
        self._path = f"{database}.writer-lock" if database and database != ":memory:" else None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the write turn for the block."""
        with self._threads:
            if self._path is None:
                yield
                return
            with open(self._path, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
                yield


def writer_turn(engine: Engine) -> AbstractContextManager:
    """The block a writer of ``engine`` holds its transaction in: its turn in the engine's
    writer queue on SQLite, and no wait elsewhere (PostgreSQL queues on the head row)."""
    queue = engine.get_execution_options().get(WRITER_QUEUE_OPTION)
    return queue.turn() if queue is not None else nullcontext()


def _fresh_pool_after_fork(engine: Engine) -> None:
    """In a forked child, drop the parent's pooled connections without closing them (they are
    the parent's): a worker forked from a preloaded app connects on its own."""
    reference = weakref.ref(engine)

    def _in_child() -> None:
        forked = reference()
        if forked is not None:
            forked.dispose(close=False)

    os.register_at_fork(after_in_child=_in_child)


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only if it sat idle for a while.

    A connection used moments ago is very likely alive, and a ping on every checkout is one
    more round trip per append batch. If the server went away meanwhile (a restart under
    load), the first statement fails, SQLAlchemy invalidates the whole pool, and the client
    gets ``503 unavailable`` and retries with the same nonce.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:  # the pool discards it and connects afresh
            raise exc.DisconnectionError() from error


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite parent folders are created."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=10, max_overflow=20)
        _ping_when_idle(engine)
        _fresh_pool_after_fork(engine)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    engine.update_execution_options(**{WRITER_QUEUE_OPTION: SqliteWriterQueue(parsed.database)})
    _fresh_pool_after_fork(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Writers take the write lock up front, so appends queue instead of failing on a lock
        # upgrade; readers begin a deferred transaction and read a WAL snapshot.
        writer = connection.get_execution_options().get(WRITER_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def pipelined(connection: Connection):
    """A block whose statements PostgreSQL receives back to back, without a round trip each
    (psycopg's pipeline mode); elsewhere a plain block. Results are read at its end."""
    if connection.dialect.name == "postgresql":
        return connection.connection.driver_connection.pipeline()
    return nullcontext()
