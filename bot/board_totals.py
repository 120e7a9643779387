"""Each member's all-time points and reviews given, kept by the database itself.

Triggers on `point_events` and `feedback` add and take back in the same statement (so the
same transaction) as every write, whichever code path makes it (answers, reviews, deleted
answers, `forgetme`, cascades), on SQLite and PostgreSQL alike. The all-time workspace boards
then read the top of one index instead of summing every event. Migration 0007 installs the
same triggers; `install` attaches them to `create_all` (tests, fresh schemas).
"""

from __future__ import annotations

from sqlalchemy import DDL, MetaData, event

_SQLITE = [
    """
CREATE TRIGGER IF NOT EXISTS tr_point_events_totals_insert AFTER INSERT ON point_events
BEGIN
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.member_id, NEW.points, 0)
    ON CONFLICT (workspace_id, member_id) DO UPDATE SET points = points + excluded.points;
END""",
    """
CREATE TRIGGER IF NOT EXISTS tr_point_events_totals_delete AFTER DELETE ON point_events
BEGIN
    UPDATE board_totals SET points = points - OLD.points
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.member_id;
END""",
    """
CREATE TRIGGER IF NOT EXISTS tr_point_events_totals_update
AFTER UPDATE OF workspace_id, member_id, points ON point_events
BEGIN
    UPDATE board_totals SET points = points - OLD.points
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.member_id;
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.member_id, NEW.points, 0)
    ON CONFLICT (workspace_id, member_id) DO UPDATE SET points = points + excluded.points;
END""",
    """
CREATE TRIGGER IF NOT EXISTS tr_feedback_totals_insert AFTER INSERT ON feedback
BEGIN
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.reviewer_id, 0, 1)
    ON CONFLICT (workspace_id, member_id) DO UPDATE SET reviews = reviews + 1;
END""",
    """
CREATE TRIGGER IF NOT EXISTS tr_feedback_totals_delete AFTER DELETE ON feedback
BEGIN
    UPDATE board_totals SET reviews = reviews - 1
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.reviewer_id;
END""",
    """
CREATE TRIGGER IF NOT EXISTS tr_feedback_totals_update
AFTER UPDATE OF workspace_id, reviewer_id ON feedback
BEGIN
    UPDATE board_totals SET reviews = reviews - 1
    WHERE workspace_id = OLD.workspace_id AND member_id = OLD.reviewer_id;
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES (NEW.workspace_id, NEW.reviewer_id, 0, 1)
    ON CONFLICT (workspace_id, member_id) DO UPDATE SET reviews = reviews + 1;
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
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO board_totals AS t (workspace_id, member_id, points, reviews)
        VALUES (NEW.workspace_id, new_member, new_points, new_reviews)
        ON CONFLICT (workspace_id, member_id) DO UPDATE
        SET points = t.points + EXCLUDED.points, reviews = t.reviews + EXCLUDED.reviews;
    END IF;
    RETURN NULL;
END
$$""",
    "DROP TRIGGER IF EXISTS tr_point_events_totals ON point_events",
    """
CREATE TRIGGER tr_point_events_totals
AFTER INSERT OR DELETE OR UPDATE OF workspace_id, member_id, points ON point_events
FOR EACH ROW EXECUTE FUNCTION kata_board_totals()""",
    "DROP TRIGGER IF EXISTS tr_feedback_totals ON feedback",
    """
CREATE TRIGGER tr_feedback_totals
AFTER INSERT OR DELETE OR UPDATE OF workspace_id, reviewer_id ON feedback
FOR EACH ROW EXECUTE FUNCTION kata_board_totals()""",
]


def install(metadata: MetaData) -> None:
    """Create the triggers whenever `metadata.create_all` runs (after every table)."""
    for statement in _SQLITE:
        event.listen(metadata, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in _POSTGRES:
        event.listen(metadata, "after_create", DDL(statement).execute_if(dialect="postgresql"))
