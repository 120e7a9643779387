"""Each member's points and reviews given, all-time and per UTC day, kept by the database.

Triggers on `point_events` and `feedback` add and take back in the same statement (so the
same transaction) as every write, whichever code path makes it (answers, reviews, deleted
answers, `forgetme`, cascades), on SQLite and PostgreSQL alike. The all-time workspace boards
then read the top of one index instead of summing every event, and a week or month reads one
row per member and day (plus the raw rows of the part-days at its edges: periods follow the
channel's zone). Migration 0011 installs the same triggers; `install` attaches them to
`create_all` (tests, fresh schemas).

A third rollup, `board_period_totals`, holds each member's points and reviews in every week
and month a workspace board has asked for (`bot.board_periods` registers them with their UTC
bounds), so a workspace's week or month reads the top of an index too. Its triggers
(migration 0014) match a row's `created_at` against the registered bounds: no time-zone
arithmetic in SQL. A revision that rebuilds `point_events` or `feedback` on SQLite drops
every trigger here and must create them again (`sqlite_statements`, `sqlite_period_statements`).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import DDL, MetaData, event

# (table, member column, points expression, reviews expression, columns an update watches)
_SOURCES = (
    (
        "point_events",
        "member_id",
        "{row}.points",
        "0",
        "workspace_id, member_id, points, created_at",
    ),
    ("feedback", "reviewer_id", "0", "1", "workspace_id, reviewer_id, created_at"),
)


def _sqlite_change(member: str, points: str, reviews: str, row: str, sign: str) -> str:
    """Add (sign '+') or take back (sign '-') one row's share of both rollups."""
    member, points, reviews = f"{row}.{member}", points.format(row=row), reviews.format(row=row)
    day = f"substr({row}.created_at, 1, 10)"
    if sign == "-":
        return f"""
    UPDATE board_totals SET points = points - {points}, reviews = reviews - {reviews}
    WHERE workspace_id = {row}.workspace_id AND member_id = {member};
    UPDATE board_days SET points = points - {points}, reviews = reviews - {reviews}
    WHERE workspace_id = {row}.workspace_id AND day = {day} AND member_id = {member};"""
    return f"""
    INSERT INTO board_totals (workspace_id, member_id, points, reviews)
    VALUES ({row}.workspace_id, {member}, {points}, {reviews})
    ON CONFLICT (workspace_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;
    INSERT INTO board_days (workspace_id, day, member_id, points, reviews)
    VALUES ({row}.workspace_id, {day}, {member}, {points}, {reviews})
    ON CONFLICT (workspace_id, day, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;"""


def _sqlite_triggers(change: Callable[[str, str, str, str, str], str], tag: str) -> list[str]:
    """Insert, delete and update triggers on each source table; `change(member, points,
    reviews, row, sign)` is the body that adds (`+`) or takes back (`-`) one row."""
    statements = []
    for table, member, points, reviews, watched in _SOURCES:
        add = change(member, points, reviews, "NEW", "+")
        take = change(member, points, reviews, "OLD", "-")
        for name, when, body in (
            ("insert", "INSERT", add),
            ("delete", "DELETE", take),
            ("update", f"UPDATE OF {watched}", take + add),
        ):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS tr_{table}_{tag}_{name} "
                f"AFTER {when} ON {table}\nBEGIN{body}\nEND"
            )
    return statements


def sqlite_statements() -> list[str]:
    return _sqlite_triggers(_sqlite_change, "totals")


_POSTGRES_SHARES = """DECLARE
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
"""
"""The start of both PostgreSQL trigger functions: which member a row moves, and by how much."""

_POSTGRES_FUNCTION = (
    """
CREATE OR REPLACE FUNCTION kata_board_totals() RETURNS trigger LANGUAGE plpgsql AS $$
"""
    + _POSTGRES_SHARES
    + """    IF TG_OP <> 'INSERT' THEN
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
$$"""
)


def postgres_statements() -> list[str]:
    statements = [_POSTGRES_FUNCTION]
    for table, _member, _points, _reviews, watched in _SOURCES:
        statements += [
            f"DROP TRIGGER IF EXISTS tr_{table}_totals ON {table}",
            f"CREATE TRIGGER tr_{table}_totals AFTER INSERT OR DELETE OR UPDATE OF {watched} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION kata_board_totals()",
        ]
    return statements


def _sqlite_period_change(member: str, points: str, reviews: str, row: str, sign: str) -> str:
    """Add or take back one row's share of every registered period containing it."""
    member, points, reviews = f"{row}.{member}", points.format(row=row), reviews.format(row=row)
    periods = (
        f"board_periods WHERE workspace_id = {row}.workspace_id "
        f"AND starts_at <= {row}.created_at AND ends_at > {row}.created_at"
    )
    if sign == "-":
        return f"""
    UPDATE board_period_totals SET points = points - {points}, reviews = reviews - {reviews}
    WHERE member_id = {member} AND period_id IN (SELECT id FROM {periods});"""
    return f"""
    INSERT INTO board_period_totals (period_id, workspace_id, member_id, points, reviews)
    SELECT id, workspace_id, {member}, {points}, {reviews} FROM {periods}
    ON CONFLICT (period_id, member_id) DO UPDATE
    SET points = points + excluded.points, reviews = reviews + excluded.reviews;"""


def sqlite_period_statements() -> list[str]:
    return _sqlite_triggers(_sqlite_period_change, "periods")


_POSTGRES_PERIOD_FUNCTION = (
    """
CREATE OR REPLACE FUNCTION kata_period_totals() RETURNS trigger LANGUAGE plpgsql AS $$
"""
    + _POSTGRES_SHARES
    + """    IF TG_OP <> 'INSERT' THEN
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
$$"""
)


def postgres_period_statements() -> list[str]:
    statements = [_POSTGRES_PERIOD_FUNCTION]
    for table, _member, _points, _reviews, watched in _SOURCES:
        statements += [
            f"DROP TRIGGER IF EXISTS tr_{table}_periods ON {table}",
            f"CREATE TRIGGER tr_{table}_periods AFTER INSERT OR DELETE OR UPDATE OF {watched} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION kata_period_totals()",
        ]
    return statements


_FILL = """
INSERT INTO {table} (workspace_id, {key}member_id, points, reviews)
SELECT workspace_id, {key}member_id, SUM(points), SUM(reviews) FROM (
    SELECT workspace_id, {day} AS day, member_id, points, 0 AS reviews FROM point_events
    UNION ALL
    SELECT workspace_id, {day}, reviewer_id, 0, 1 FROM feedback
) AS paid
GROUP BY workspace_id, {key}member_id
"""
_UTC_DAY = {
    "sqlite": "substr(created_at, 1, 10)",
    "postgresql": "(created_at AT TIME ZONE 'UTC')::date",
}


def fill_statements(dialect: str) -> list[str]:
    """Both rollups computed from the rows at once: for rows written with the triggers off
    (a bulk load); migration 0011 runs the same."""
    day = _UTC_DAY[dialect]
    return [
        _FILL.format(table="board_totals", key="", day=day),
        _FILL.format(table="board_days", key="day, ", day=day),
    ]


def install(metadata: MetaData) -> None:
    """Create the triggers whenever `metadata.create_all` runs (after every table)."""
    for statement in sqlite_statements() + sqlite_period_statements():
        event.listen(metadata, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in postgres_statements() + postgres_period_statements():
        event.listen(metadata, "after_create", DDL(statement).execute_if(dialect="postgresql"))
