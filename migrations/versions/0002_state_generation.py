"""State generations: which projection rows changed since a cached copy was taken.

``log_head.generation`` counts the transactions that wrote projections; every ``state`` row
carries the generation that last wrote it (``changed_gen``). A process that cached state at
generation g refreshes exactly the rows with ``changed_gen > g``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_head") as batch:
        batch.add_column(
            sa.Column("generation", sa.BigInteger, nullable=False, server_default="0")
        )
    with op.batch_alter_table("state") as batch:
        batch.add_column(
            sa.Column("changed_gen", sa.BigInteger, nullable=False, server_default="0")
        )
    op.create_index("ix_state_changed_gen", "state", ["changed_gen"])


def downgrade() -> None:
    op.drop_index("ix_state_changed_gen", table_name="state")
    with op.batch_alter_table("state") as batch:
        batch.drop_column("changed_gen")
    with op.batch_alter_table("log_head") as batch:
        batch.drop_column("generation")
