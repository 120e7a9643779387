"""away days, holidays, reminders and streak nudges: away periods, the nudge ledger, a
channel's reminder lead, a member's opt-out of nudges, holidays among skipped days, and the
reminder as a kind of work

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_BEFORE = ("round", "stage", "wrapup", "boards")
WORK_AFTER = (*WORK_BEFORE, "remind")
NUDGE_KINDS = ("reminder", "streak")


def _one_of(column: str, words: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(w) for w in words)})"


def _same_workspace(table: str, column: str, parent: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column, "workspace_id"],
        [f"{parent}.id", f"{parent}.workspace_id"],
        name=op.f(f"fk_{table}_{column}_{parent}"),
        ondelete="CASCADE",
    )


def _workspace(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"],
        ["workspaces.id"],
        name=op.f(f"fk_{table}_workspace_id_workspaces"),
        ondelete="CASCADE",
    )


def _work_kinds(kinds: Sequence[str]) -> None:
    with op.batch_alter_table("work_items") as batch:
        batch.drop_constraint(op.f("ck_work_items_kind"), type_="check")
        batch.create_check_constraint("kind", _one_of("kind", kinds))


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    # Plain ADD COLUMN on both databases: no table is rebuilt, so no trigger is dropped.
    op.add_column(
        "members",
        sa.Column("nudges_off", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("channels", sa.Column("remind_minutes", sa.Integer(), nullable=True))
    op.add_column(
        "channel_skips",
        sa.Column("holiday", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "away_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        _same_workspace("away_periods", "member_id", "members"),
        _workspace("away_periods"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_away_periods")),
    )
    op.create_index("ix_away_periods_member_id", "away_periods", ["member_id"])
    op.create_index(
        "ix_away_periods_workspace_id_ends_on", "away_periods", ["workspace_id", "ends_on"]
    )
    op.create_table(
        "nudges_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.CheckConstraint(_one_of("kind", NUDGE_KINDS), name=op.f("ck_nudges_sent_kind")),
        _same_workspace("nudges_sent", "member_id", "members"),
        _same_workspace("nudges_sent", "round_id", "rounds"),
        _workspace("nudges_sent"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges_sent")),
        sa.UniqueConstraint(
            "round_id", "member_id", name=op.f("uq_nudges_sent_round_id_member_id")
        ),
    )
    op.create_index("ix_nudges_sent_member_id", "nudges_sent", ["member_id"])
    _work_kinds(WORK_AFTER)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM work_items WHERE kind = 'remind'"))
    _work_kinds(WORK_BEFORE)
    op.drop_index("ix_nudges_sent_member_id", table_name="nudges_sent")
    op.drop_table("nudges_sent")
    op.drop_index("ix_away_periods_workspace_id_ends_on", table_name="away_periods")
    op.drop_index("ix_away_periods_member_id", table_name="away_periods")
    op.drop_table("away_periods")
    op.execute(sa.text("DELETE FROM channel_skips WHERE holiday"))
    with op.batch_alter_table("channel_skips") as batch:
        batch.drop_column("holiday")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("remind_minutes")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("nudges_off")
