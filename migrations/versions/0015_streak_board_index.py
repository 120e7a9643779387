"""streak indexes: the workspace streak board reads the longest streaks first

`streaks (workspace_id, current)`: the workspace's streak board walks the rows from the
longest current streak down and stops once it has its leaders, instead of reading every
channel's recent rows. `streaks (member_id)`: the App Home finds a member's channels by
their streak rows, which otherwise means reading the whole `(channel_id, member_id)` index.

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-30 05:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_streaks_workspace_id_current", "streaks", ["workspace_id", "current"])
    op.create_index("ix_streaks_member_id", "streaks", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_streaks_member_id", table_name="streaks")
    op.drop_index("ix_streaks_workspace_id_current", table_name="streaks")
