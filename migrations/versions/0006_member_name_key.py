"""members.name_key: display names found through an index, case-folded by Python

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

members = sa.table(
    "members",
    sa.column("id", sa.Integer()),
    sa.column("display_name", sa.String()),
    sa.column("name_key", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=120), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(members.c.id, members.c.display_name)).all()
    for member_id, display_name in rows:
        bind.execute(
            members.update()
            .where(members.c.id == member_id)
            .values(name_key=display_name.casefold()[:120])
        )
    with op.batch_alter_table("members") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=120), nullable=False)
        batch.create_index("ix_members_workspace_id_name_key", ["workspace_id", "name_key"])


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_index("ix_members_workspace_id_name_key")
        batch.drop_column("name_key")
