"""work items: the database is the queue of scheduled work

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("round", "stage", "wrapup")


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", when, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", when, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_at", when, nullable=True),
        sa.Column("dead_at", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(k) for k in KINDS)})", name=op.f("ck_work_items_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
        sa.UniqueConstraint("key", name=op.f("uq_work_items_key")),
    )
    op.create_index("ix_work_items_due", "work_items", ["done_at", "dead_at", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_work_items_due", table_name="work_items")
    op.drop_table("work_items")
