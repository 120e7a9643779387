"""best-answer votes, model answers, prompt suggestions; the best-answer bonus as a point kind

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = ("answer", "stage", "review")
KINDS_AFTER = (*KINDS_BEFORE, "best")
STATUSES = ("pending", "approved", "declined")


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


def _point_kinds(words: Sequence[str]) -> None:
    with op.batch_alter_table("point_events") as batch:
        batch.drop_constraint(op.f("ck_point_events_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_point_events_kind"), _one_of("kind", words))


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "best_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("nominee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        _same_workspace("best_votes", "nominee_id", "members"),
        _same_workspace("best_votes", "round_id", "rounds"),
        _same_workspace("best_votes", "voter_id", "members"),
        _workspace("best_votes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_best_votes")),
        sa.UniqueConstraint("round_id", "voter_id", name=op.f("uq_best_votes_round_id_voter_id")),
    )
    op.create_index("ix_best_votes_nominee_id", "best_votes", ["nominee_id"])
    op.create_index("ix_best_votes_voter_id", "best_votes", ["voter_id"])
    op.create_table(
        "model_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("prompt_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["members.id"],
            name=op.f("fk_model_answers_set_by_id_members"),
            ondelete="SET NULL",
        ),
        _workspace("model_answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_answers")),
        sa.UniqueConstraint(
            "workspace_id", "prompt_key", name=op.f("uq_model_answers_workspace_id_prompt_key")
        ),
    )
    op.create_table(
        "prompt_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prompt_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("decided_at", when, nullable=True),
        sa.CheckConstraint(
            _one_of("status", STATUSES), name=op.f("ck_prompt_suggestions_status")
        ),
        _same_workspace("prompt_suggestions", "author_id", "members"),
        _workspace("prompt_suggestions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_suggestions")),
    )
    op.create_index("ix_prompt_suggestions_author_id", "prompt_suggestions", ["author_id"])
    _point_kinds(KINDS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM point_events WHERE kind = 'best'")
    _point_kinds(KINDS_BEFORE)
    op.drop_index("ix_prompt_suggestions_author_id", table_name="prompt_suggestions")
    op.drop_table("prompt_suggestions")
    op.drop_table("model_answers")
    op.drop_index("ix_best_votes_voter_id", table_name="best_votes")
    op.drop_index("ix_best_votes_nominee_id", table_name="best_votes")
    op.drop_table("best_votes")
