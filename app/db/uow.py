"""Transaction boundaries: one unit of work per append, one read snapshot per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from app.db.engine import WRITER_OPTION, writer_turn


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed if the block returns, rolled back if it raises."""
    with writer_turn(engine), engine.connect() as connection:
        connection = connection.execution_options(**{WRITER_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction (a consistent snapshot where the database offers one)."""
    with engine.connect() as connection, connection.begin() as transaction:
        yield connection
        transaction.rollback()
