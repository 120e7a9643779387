"""assigned reviews: who reviews whom in a round, the channel's deadline, two work kinds and
the on-time bonus as a point kind

The kind vocabularies grow by what this revision adds to whatever the database already
allows (read from its CHECK constraint), so it runs after any other revision that grew them.
Rebuilding a table on SQLite drops its triggers (the boards' on `point_events`), so the ones
there before are read from `sqlite_master` and made again after, whichever revisions made them.

Revision ID: 0013
Revises: 0014
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_KINDS = ("assign", "reviewdue")
POINT_KINDS = ("assigned_review",)

def _allowed(table: str, name: str) -> list[str]:
    """The words the table's kind CHECK allows now, in their order."""
    for check in sa.inspect(op.get_bind()).get_check_constraints(table):
        if check.get("name") == name:
            quoted = str(check["sqltext"]).split("'")[1::2]  # the words between quotes
            return list(dict.fromkeys(quoted))
    raise LookupError(f"no CHECK {name} on {table}")


def _triggers(table: str) -> list[str]:
    """SQLite: the CREATE TRIGGER statements on `table` now, whichever revisions made them."""
    if op.get_bind().dialect.name != "sqlite":
        return []
    rows = op.get_bind().execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table},
    )
    return [row[0] for row in rows if row[0]]


def _set_kinds(table: str, words: Sequence[str]) -> None:
    name = f"ck_{table}_kind"
    kept = _triggers(table)  # SQLite's table rebuild drops them: made again after it
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(name), type_="check")
        batch.create_check_constraint(op.f(name), f"kind IN ({', '.join(repr(w) for w in words)})")
    for statement in kept:
        if "IF NOT EXISTS" not in statement[:40].upper():
            statement = statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1)
        op.execute(statement)


def _grow(table: str, added: Sequence[str]) -> None:
    now = _allowed(table, f"ck_{table}_kind")
    _set_kinds(table, [*now, *(w for w in added if w not in now)])


def _shrink(table: str, removed: Sequence[str]) -> None:
    now = _allowed(table, f"ck_{table}_kind")
    words = ", ".join(repr(w) for w in removed)
    op.execute(sa.text(f"DELETE FROM {table} WHERE kind IN ({words})"))
    _set_kinds(table, [w for w in now if w not in removed])


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("reviewee_id", sa.Integer(), nullable=False),
        sa.Column("due_at", when, nullable=False),
        sa.Column("told_at", when, nullable=True),
        sa.Column("reminded_at", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewee_id", "workspace_id"],
            ["members.id", "members.workspace_id"],
            name=op.f("fk_review_assignments_reviewee_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id", "workspace_id"],
            ["members.id", "members.workspace_id"],
            name=op.f("fk_review_assignments_reviewer_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id", "workspace_id"],
            ["rounds.id", "rounds.workspace_id"],
            name=op.f("fk_review_assignments_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_review_assignments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_assignments")),
        sa.UniqueConstraint(
            "round_id", "reviewer_id", name=op.f("uq_review_assignments_round_id_reviewer_id")
        ),
    )
    op.create_index("ix_review_assignments_reviewer_id", "review_assignments", ["reviewer_id"])
    op.create_index("ix_review_assignments_reviewee_id", "review_assignments", ["reviewee_id"])
    with op.batch_alter_table("channels") as batch:
        batch.add_column(
            sa.Column("assign_reviews", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("review_hours", sa.Integer(), nullable=False, server_default="24")
        )
    _grow("work_items", WORK_KINDS)
    _grow("point_events", POINT_KINDS)


def downgrade() -> None:
    _shrink("point_events", POINT_KINDS)
    _shrink("work_items", WORK_KINDS)
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("review_hours")
        batch.drop_column("assign_reviews")
    op.drop_index("ix_review_assignments_reviewee_id", table_name="review_assignments")
    op.drop_index("ix_review_assignments_reviewer_id", table_name="review_assignments")
    op.drop_table("review_assignments")
