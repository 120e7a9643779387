"""forgotten_messages: answers erased by forgetme are not read back from their thread

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29 23:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forgotten_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_forgotten_messages_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forgotten_messages")),
        sa.UniqueConstraint(
            "channel_id", "message_id", name=op.f("uq_forgotten_messages_channel_id_message_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("forgotten_messages")
