"""The database schema (SQLAlchemy Core). Created only by the Alembic migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

records = Table(
    "records",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_hash", String(64), nullable=False, unique=True),
    Column("prev_hash", String(64), nullable=False),
    Column("received_at", String(27), nullable=False),
    Column("type", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("entry", Text, nullable=False),  # canonical JSON of the signed entry
    UniqueConstraint("actor", "nonce", name="uq_records_actor_nonce"),
)

log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("generation", BigInteger, nullable=False, server_default="0"),  # see ``state``
)

state = Table(
    "state",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("id", String(160), primary_key=True),
    Column("value", Text, nullable=False),
    # The ``log_head.generation`` of the transaction that last wrote the row, so a process's
    # cached copy of the projections can be brought up to date exactly (``StateCache``).
    Column("changed_gen", BigInteger, nullable=False, server_default="0"),
    Index("ix_state_changed_gen", "changed_gen"),
)

state_index = Table(
    "state_index",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("attr", String(32), primary_key=True),
    Column("value", String(160), primary_key=True),
    Column("id", String(160), primary_key=True),
    Index("ix_state_index_object", "kind", "id"),
)

merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

private_data = Table(
    "private_data",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("data", Text, nullable=False),  # canonical JSON, e.g. a sale's price terms
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(27), nullable=False),
)

# Web sign-in sessions kept server-side: the browser's cookie holds only a random id, stored
# here as its SHA-256. ``data`` is the session's JSON (signed-in party and token, CSRF token).
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("party", String(64), nullable=True),
    Column("created_at", String(27), nullable=False),
    Column("expires_at", String(27), nullable=False),
    Column("revoked_at", String(27), nullable=True),
    Index("ix_web_sessions_expires_at", "expires_at"),
)
