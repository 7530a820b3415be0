"""The log, its head, projections, private data, Merkle nodes and checkpoints.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entry_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String(27), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("entry", sa.Text, nullable=False),
        sa.UniqueConstraint("actor", "nonce", name="uq_records_actor_nonce"),
    )
    head = op.create_table(
        "log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "size": 0, "head_hash": "0" * 64}])
    op.create_table(
        "state",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "state_index",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("attr", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(160), primary_key=True),
        sa.Column("id", sa.String(160), primary_key=True),
    )
    op.create_index("ix_state_index_object", "state_index", ["kind", "id"])
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "private_data",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(27), nullable=False),
    )


def downgrade() -> None:
    for table in ("checkpoints", "private_data", "merkle_nodes", "state_index", "state", "log_head", "records"):
        op.drop_table(table)
