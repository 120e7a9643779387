"""board indexes and totals: boards, stats and App Home read bounded ranges of indexes

Covering indexes for the period boards, the streak board's recent rows, `board_totals` (each
member's all-time points and reviews given) and `board_days` (the same per UTC day), filled
from the rows already there and kept current by triggers on `point_events` and `feedback`. The trigger SQL is the one in
`bot/board_totals.py`, repeated here because revisions import nothing from the application.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_point_events_workspace_id_created_at", "point_events",
     ["workspace_id", "created_at", "member_id", "points"]),
    ("ix_point_events_workspace_id_member_id", "point_events",
     ["workspace_id", "member_id", "points"]),
    ("ix_feedback_workspace_id_created_at", "feedback",
     ["workspace_id", "created_at", "reviewer_id"]),
    ("ix_feedback_workspace_id_reviewer_id", "feedback", ["workspace_id", "reviewer_id"]),
    ("ix_streaks_channel_id_last_seq", "streaks", ["channel_id", "last_seq"]),
)  # fmt: skip

BACKFILL = """
INSERT INTO board_totals (workspace_id, member_id, points, reviews)
SELECT workspace_id, member_id, SUM(points), SUM(reviews) FROM (
    SELECT workspace_id, member_id, points, 0 AS reviews FROM point_events
    UNION ALL
    SELECT workspace_id, reviewer_id, 0, 1 FROM feedback
) AS paid
GROUP BY workspace_id, member_id
"""

BACKFILL_DAYS = """
INSERT INTO board_days (workspace_id, day, member_id, points, reviews)
SELECT workspace_id, day, member_id, SUM(points), SUM(reviews) FROM (
    SELECT workspace_id, {day} AS day, member_id, points, 0 AS reviews FROM point_events
    UNION ALL
    SELECT workspace_id, {day}, reviewer_id, 0, 1 FROM feedback
) AS paid
GROUP BY workspace_id, day, member_id
"""
UTC_DAY = {"sqlite": "substr(created_at, 1, 10)", "postgresql": "(created_at AT TIME ZONE 'UTC')::date"}

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS tr_point_events_totals_insert AFTER INSERT ON point_events
BEGIN
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.member_id, NEW.points, 0)
    ON CONFLICT (workspace_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
    INSERT INTO board_days (workspace_id, day, member_id, points, reviews)
    VALUES (NEW.workspace_id, substr(NEW.created_at, 1, 10), NEW.member_id, NEW.points, 0)
    ON CONFLICT (workspace_id, day, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_point_events_totals_delete AFTER DELETE ON point_events
BEGIN
    UPDATE board_totals SET points = points - OLD.points, reviews = reviews - 0
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.member_id;
    UPDATE board_days SET points = points - OLD.points, reviews = reviews - 0
    WHERE workspace_id = OLD.workspace_id AND day = substr(OLD.created_at, 1, 10) AND member_id = OLD.member_id;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_point_events_totals_update AFTER UPDATE OF workspace_id, member_id, points, created_at ON point_events
BEGIN
    UPDATE board_totals SET points = points - OLD.points, reviews = reviews - 0
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.member_id;
    UPDATE board_days SET points = points - OLD.points, reviews = reviews - 0
    WHERE workspace_id = OLD.workspace_id AND day = substr(OLD.created_at, 1, 10) AND member_id = OLD.member_id;
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.member_id, NEW.points, 0)
    ON CONFLICT (workspace_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
    INSERT INTO board_days (workspace_id, day, member_id, points, reviews)
    VALUES (NEW.workspace_id, substr(NEW.created_at, 1, 10), NEW.member_id, NEW.points, 0)
    ON CONFLICT (workspace_id, day, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_feedback_totals_insert AFTER INSERT ON feedback
BEGIN
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.reviewer_id, 0, 1)
    ON CONFLICT (workspace_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
    INSERT INTO board_days (workspace_id, day, member_id, points, reviews)
    VALUES (NEW.workspace_id, substr(NEW.created_at, 1, 10), NEW.reviewer_id, 0, 1)
    ON CONFLICT (workspace_id, day, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_feedback_totals_delete AFTER DELETE ON feedback
BEGIN
    UPDATE board_totals SET points = points - 0, reviews = reviews - 1
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.reviewer_id;
    UPDATE board_days SET points = points - 0, reviews = reviews - 1
    WHERE workspace_id = OLD.workspace_id AND day = substr(OLD.created_at, 1, 10) AND member_id = OLD.reviewer_id;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_feedback_totals_update AFTER UPDATE OF workspace_id, reviewer_id, created_at ON feedback
BEGIN
    UPDATE board_totals SET points = points - 0, reviews = reviews - 1
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.reviewer_id;
    UPDATE board_days SET points = points - 0, reviews = reviews - 1
    WHERE workspace_id = OLD.workspace_id AND day = substr(OLD.created_at, 1, 10) AND member_id = OLD.reviewer_id;
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.reviewer_id, 0, 1)
    ON CONFLICT (workspace_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
    INSERT INTO board_days (workspace_id, day, member_id, points, reviews)
    VALUES (NEW.workspace_id, substr(NEW.created_at, 1, 10), NEW.reviewer_id, 0, 1)
    ON CONFLICT (workspace_id, day, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
]

_POSTGRES = [
    """
CREATE OR REPLACE FUNCTION kata_board_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_member integer;
    new_member integer;
    old_points integer := 0;
    new_points integer := 0;
    old_reviews integer := 0;
    new_reviews integer := 0;
BEGIN
    IF TG_TABLE_NAME = 'point_events' THEN
        IF TG_OP <> 'INSERT' THEN old_member := OLD.member_id; old_points := OLD.points; END IF;
        IF TG_OP <> 'DELETE' THEN new_member := NEW.member_id; new_points := NEW.points; END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN old_member := OLD.reviewer_id; old_reviews := 1; END IF;
        IF TG_OP <> 'DELETE' THEN new_member := NEW.reviewer_id; new_reviews := 1; END IF;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        UPDATE board_totals
        SET points = points - old_points, reviews = reviews - old_reviews
        WHERE workspace_id = OLD.workspace_id AND member_id = old_member;
        UPDATE board_days
        SET points = points - old_points, reviews = reviews - old_reviews
        WHERE workspace_id = OLD.workspace_id
          AND day = (OLD.created_at AT TIME ZONE 'UTC')::date
          AND member_id = old_member;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO board_totals AS t (workspace_id, member_id, points, reviews)
        VALUES (NEW.workspace_id, new_member, new_points, new_reviews)
        ON CONFLICT (workspace_id, member_id) DO UPDATE
        SET points = t.points + EXCLUDED.points, reviews = t.reviews + EXCLUDED.reviews;
        INSERT INTO board_days AS d (workspace_id, day, member_id, points, reviews)
        VALUES (
            NEW.workspace_id, (NEW.created_at AT TIME ZONE 'UTC')::date, new_member,
            new_points, new_reviews
        )
        ON CONFLICT (workspace_id, day, member_id) DO UPDATE
        SET points = d.points + EXCLUDED.points, reviews = d.reviews + EXCLUDED.reviews;
    END IF;
    RETURN NULL;
END
$$""",
    """DROP TRIGGER IF EXISTS tr_point_events_totals ON point_events""",
    """CREATE TRIGGER tr_point_events_totals AFTER INSERT OR DELETE OR UPDATE OF workspace_id, member_id, points, created_at ON point_events FOR EACH ROW EXECUTE FUNCTION kata_board_totals()""",
    """DROP TRIGGER IF EXISTS tr_feedback_totals ON feedback""",
    """CREATE TRIGGER tr_feedback_totals AFTER INSERT OR DELETE OR UPDATE OF workspace_id, reviewer_id, created_at ON feedback FOR EACH ROW EXECUTE FUNCTION kata_board_totals()""",
]

SQLITE_TRIGGERS = (
    "tr_point_events_totals_insert",
    "tr_point_events_totals_delete",
    "tr_point_events_totals_update",
    "tr_feedback_totals_insert",
    "tr_feedback_totals_delete",
    "tr_feedback_totals_update",
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_table(
        "board_totals",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id", "workspace_id"],
            ["members.id", "members.workspace_id"],
            name="fk_board_totals_member_id_members",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_board_totals_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "member_id", name="pk_board_totals"),
    )
    op.create_index("ix_board_totals_workspace_id_points", "board_totals", ["workspace_id", "points"])
    op.create_index(
        "ix_board_totals_workspace_id_reviews", "board_totals", ["workspace_id", "reviews"]
    )
    op.create_table(
        "board_days",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id", "workspace_id"],
            ["members.id", "members.workspace_id"],
            name="fk_board_days_member_id_members",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_board_days_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "day", "member_id", name="pk_board_days"),
    )
    op.execute(BACKFILL)
    op.execute(BACKFILL_DAYS.format(day=UTC_DAY[op.get_bind().dialect.name]))
    for statement in _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_point_events_totals ON point_events")
        op.execute("DROP TRIGGER IF EXISTS tr_feedback_totals ON feedback")
        op.execute("DROP FUNCTION IF EXISTS kata_board_totals()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("board_days")
    op.drop_table("board_totals")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
