"""Engine creation. SQLite gets WAL, a busy timeout and explicit ``BEGIN IMMEDIATE`` writes."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

WRITER_OPTION = "ledger_writer"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite parent folders are created."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
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
