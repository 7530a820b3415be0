"""Engine creation. SQLite gets WAL, a busy timeout and explicit ``BEGIN IMMEDIATE`` writes;
PostgreSQL connections are pinged when they come out of the pool after sitting idle."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

WRITER_OPTION = "ledger_writer"
IDLE_PING_SECONDS = 5.0


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
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

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


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
