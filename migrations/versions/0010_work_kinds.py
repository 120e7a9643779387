"""work items: final boards become work of their own (the kind vocabulary grows)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("round", "stage", "wrapup")
NEW = (*OLD, "boards")


def _check(kinds: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(k) for k in kinds)})"


def _replace(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.drop_constraint(op.f("ck_work_items_kind"), type_="check")
        batch.create_check_constraint("kind", _check(kinds))


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM work_items WHERE kind = 'boards'"))
    _replace(OLD)
