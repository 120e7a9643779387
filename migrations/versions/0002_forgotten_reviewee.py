"""a review outlives its reviewee's forgetme

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.alter_column("reviewee_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM feedback WHERE reviewee_id IS NULL")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.alter_column("reviewee_id", existing_type=sa.Integer(), nullable=False)
