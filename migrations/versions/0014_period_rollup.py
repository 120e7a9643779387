"""board periods: workspace week and month boards read the top of an index

`board_periods` holds the weeks and months (of a time zone) whose workspace boards have been
asked for, with their UTC bounds; `board_period_totals` each member's points and reviews given
in them, kept current by triggers on `point_events` and `feedback` in the same transaction as
every write. Nothing is registered here: `bot.board_periods` registers a period (and fills it
from the rows) the first time a board asks for it. The trigger SQL is the one in
`bot/board_totals.py`, repeated because revisions import nothing from the application.

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS tr_point_events_periods_insert AFTER INSERT ON point_events
BEGIN
    INSERT INTO board_period_totals (period_id, workspace_id, member_id, points, reviews)
    SELECT id, workspace_id, NEW.member_id, NEW.points, 0 FROM board_periods WHERE workspace_id = NEW.workspace_id AND starts_at <= NEW.created_at AND ends_at > NEW.created_at
    ON CONFLICT (period_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_point_events_periods_delete AFTER DELETE ON point_events
BEGIN
    UPDATE board_period_totals SET points = points - OLD.points, reviews = reviews - 0
    WHERE member_id = OLD.member_id AND period_id IN (SELECT id FROM board_periods WHERE workspace_id = OLD.workspace_id AND starts_at <= OLD.created_at AND ends_at > OLD.created_at);
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_point_events_periods_update AFTER UPDATE OF workspace_id, member_id, points, created_at ON point_events
BEGIN
    UPDATE board_period_totals SET points = points - OLD.points, reviews = reviews - 0
    WHERE member_id = OLD.member_id AND period_id IN (SELECT id FROM board_periods WHERE workspace_id = OLD.workspace_id AND starts_at <= OLD.created_at AND ends_at > OLD.created_at);
    INSERT INTO board_period_totals (period_id, workspace_id, member_id, points, reviews)
    SELECT id, workspace_id, NEW.member_id, NEW.points, 0 FROM board_periods WHERE workspace_id = NEW.workspace_id AND starts_at <= NEW.created_at AND ends_at > NEW.created_at
    ON CONFLICT (period_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_feedback_periods_insert AFTER INSERT ON feedback
BEGIN
    INSERT INTO board_period_totals (period_id, workspace_id, member_id, points, reviews)
    SELECT id, workspace_id, NEW.reviewer_id, 0, 1 FROM board_periods WHERE workspace_id = NEW.workspace_id AND starts_at <= NEW.created_at AND ends_at > NEW.created_at
    ON CONFLICT (period_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_feedback_periods_delete AFTER DELETE ON feedback
BEGIN
    UPDATE board_period_totals SET points = points - 0, reviews = reviews - 1
    WHERE member_id = OLD.reviewer_id AND period_id IN (SELECT id FROM board_periods WHERE workspace_id = OLD.workspace_id AND starts_at <= OLD.created_at AND ends_at > OLD.created_at);
END""",
    """CREATE TRIGGER IF NOT EXISTS tr_feedback_periods_update AFTER UPDATE OF workspace_id, reviewer_id, created_at ON feedback
BEGIN
    UPDATE board_period_totals SET points = points - 0, reviews = reviews - 1
    WHERE member_id = OLD.reviewer_id AND period_id IN (SELECT id FROM board_periods WHERE workspace_id = OLD.workspace_id AND starts_at <= OLD.created_at AND ends_at > OLD.created_at);
    INSERT INTO board_period_totals (period_id, workspace_id, member_id, points, reviews)
    SELECT id, workspace_id, NEW.reviewer_id, 0, 1 FROM board_periods WHERE workspace_id = NEW.workspace_id AND starts_at <= NEW.created_at AND ends_at > NEW.created_at
    ON CONFLICT (period_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
END""",
]

_POSTGRES = [
    """CREATE OR REPLACE FUNCTION kata_period_totals() RETURNS trigger LANGUAGE plpgsql AS $$
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
        UPDATE board_period_totals AS t
        SET points = t.points - old_points, reviews = t.reviews - old_reviews
        FROM board_periods AS p
        WHERE p.workspace_id = OLD.workspace_id
          AND p.starts_at <= OLD.created_at AND p.ends_at > OLD.created_at
          AND t.period_id = p.id AND t.member_id = old_member;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO board_period_totals AS t (period_id, workspace_id, member_id, points, reviews)
        SELECT p.id, p.workspace_id, new_member, new_points, new_reviews
        FROM board_periods AS p
        WHERE p.workspace_id = NEW.workspace_id
          AND p.starts_at <= NEW.created_at AND p.ends_at > NEW.created_at
        ON CONFLICT (period_id, member_id) DO UPDATE
        SET points = t.points + EXCLUDED.points, reviews = t.reviews + EXCLUDED.reviews;
    END IF;
    RETURN NULL;
END
$$""",
    """DROP TRIGGER IF EXISTS tr_point_events_periods ON point_events""",
    """CREATE TRIGGER tr_point_events_periods AFTER INSERT OR DELETE OR UPDATE OF workspace_id, member_id, points, created_at ON point_events FOR EACH ROW EXECUTE FUNCTION kata_period_totals()""",
    """DROP TRIGGER IF EXISTS tr_feedback_periods ON feedback""",
    """CREATE TRIGGER tr_feedback_periods AFTER INSERT OR DELETE OR UPDATE OF workspace_id, reviewer_id, created_at ON feedback FOR EACH ROW EXECUTE FUNCTION kata_period_totals()""",
]

SQLITE_TRIGGERS = tuple(
    f"tr_{table}_periods_{when}"
    for table in ("point_events", "feedback")
    for when in ("insert", "delete", "update")
)


def upgrade() -> None:
    op.create_table(
        "board_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_board_periods_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_board_periods"),
        sa.UniqueConstraint(
            "workspace_id",
            "zone",
            "kind",
            "starts_on",
            name="uq_board_periods_workspace_id_zone_kind_starts_on",
        ),
    )
    op.create_index(
        "ix_board_periods_workspace_id_ends_at",
        "board_periods",
        ["workspace_id", "ends_at", "starts_at"],
    )
    op.create_table(
        "board_period_totals",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id", "workspace_id"],
            ["members.id", "members.workspace_id"],
            name="fk_board_period_totals_member_id_members",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["board_periods.id"],
            name="fk_board_period_totals_period_id_board_periods",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_board_period_totals_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("period_id", "member_id", name="pk_board_period_totals"),
    )
    op.create_index(
        "ix_board_period_totals_period_id_points", "board_period_totals", ["period_id", "points"]
    )
    op.create_index(
        "ix_board_period_totals_period_id_reviews", "board_period_totals", ["period_id", "reviews"]
    )
    for statement in _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_point_events_periods ON point_events")
        op.execute("DROP TRIGGER IF EXISTS tr_feedback_periods ON feedback")
        op.execute("DROP FUNCTION IF EXISTS kata_period_totals()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("board_period_totals")
    op.drop_table("board_periods")
