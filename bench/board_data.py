"""The workspace `bench.boards` measures: issue 10's data set, generated fast and cached.

At scale 1: one workspace, 100k members, 1k channels of 100 daily rounds each (100k rounds),
about 1M answers, 1.7M point events and 200k reviews, with the streak rows those answers
leave. Each round draws about 4.5 members from its channel's regulars (a few from anywhere
in the workspace); each answers 1-4 stages. `--scale` shrinks members, channels and with
them everything else; rounds per channel stay 100, so periods hold the same share of rows.

The schema comes from the real migrations; rows go in with `executemany` (SQLite, one
transaction) or `COPY` (PostgreSQL, asyncpg's `copy_records_to_table`), with the rollup
triggers off and the rollups filled at once afterwards. A finished data set
is marked with its key (scale, generator version, schema head), so the next run reuses it.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import board_totals, streaks
from bot.points import ANSWER_POINTS, REVIEW_POINTS, STAGE_POINTS

GENERATOR_VERSION = 3
STAGES = (
    "scope",
    "functional",
    "nonfunctional",
    "framing",
    "metrics",
    "data",
    "model",
    "serving",
    "monitoring",
    "wrapup",
)
SIGNALS = ("problem", "data", "modelling", "deployment", "communication")
ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata", "Asia/Tokyo")
FIRST_DAY = date(2026, 7, 6)  # a Monday
ROUNDS_PER_CHANNEL = 100
REVIEWS_PER_ROUND = 2
CREATED = datetime(2026, 7, 1, tzinfo=UTC)

TABLES: dict[str, tuple[str, ...]] = {
    "workspaces": ("id", "platform", "external_id", "created_at"),
    "members": (
        "id",
        "workspace_id",
        "external_id",
        "display_name",
        "name_key",
        "opted_out",
        "created_at",
    ),
    "channels": (
        "id",
        "workspace_id",
        "external_id",
        "name",
        "configured",
        "post_time",
        "timezone",
        "weekdays",
        "pacing",
        "drip_minutes",
        "paused",
        "paused_reason",
        "tag_filter",
        "difficulty_filter",
        "setup_by_id",
        "created_at",
    ),
    "rounds": (
        "id",
        "workspace_id",
        "channel_id",
        "local_date",
        "seq",
        "prompt_key",
        "prompt_title",
        "thread_id",
        "pacing",
        "drip_minutes",
        "stages_posted",
        "created_at",
        "posted_at",
        "last_stage_at",
        "wrapped_up_at",
    ),
    "answers": (
        "id",
        "workspace_id",
        "channel_id",
        "round_id",
        "member_id",
        "stage_key",
        "source",
        "message_id",
        "text",
        "created_at",
        "edited_at",
    ),
    "feedback": (
        "id",
        "workspace_id",
        "round_id",
        "reviewer_id",
        "reviewee_id",
        "strength",
        "improvement",
        "created_at",
        "updated_at",
    ),
    "feedback_scores": ("id", "feedback_id", "signal", "level"),
    "streaks": (
        "id",
        "workspace_id",
        "channel_id",
        "member_id",
        "current",
        "longest",
        "freezes",
        "freezes_used",
        "last_seq",
    ),
    "point_events": (
        "id",
        "workspace_id",
        "channel_id",
        "member_id",
        "round_id",
        "kind",
        "subject",
        "points",
        "created_at",
    ),
}
"""Columns in insert order; parents before children."""


@dataclass(frozen=True)
class Shape:
    members: int
    channels: int

    @classmethod
    def at(cls, scale: float) -> Shape:
        return cls(members=max(20, round(100_000 * scale)), channels=max(2, round(1_000 * scale)))


@dataclass
class Counters:
    """Next id of every table: ids are given here, so children can name their parents."""

    next_id: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 1))

    def take(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value


def practice_days(count: int) -> list[date]:
    days, day = [], FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


DAYS = practice_days(ROUNDS_PER_CHANNEL)
NOW = datetime.combine(DAYS[-1], time(20, 0), tzinfo=UTC)
"""The moment the benchmark asks at: the evening of the last practice day (a Friday)."""


def workspace_rows(shape: Shape, rng: random.Random) -> dict[str, list[tuple[Any, ...]]]:
    members = [
        (i, 1, f"U{i:06d}", name, name.casefold(), rng.random() < 0.01, CREATED)
        for i in range(1, shape.members + 1)
        for name in [f"{rng.choice(('Ana', 'Bo', 'Cy', 'Dee', 'Eli', 'Fay'))} {i}"]
    ]
    channels = [
        (
            c,
            1,
            f"C{c:05d}",
            f"practice-{c}",
            True,
            time(9, 0),
            ZONES[c % len(ZONES)],
            0b0011111,
            "drip",
            60,
            False,
            None,
            "[]",
            "[]",
            1 + (c * 97) % shape.members,
            CREATED,
        )
        for c in range(1, shape.channels + 1)
    ]
    workspace = (1, "slack", "T0001", CREATED)
    return {"workspaces": [workspace], "members": members, "channels": channels}


def channel_rows(
    shape: Shape, channel_id: int, ids: Counters, rng: random.Random
) -> dict[str, list[tuple[Any, ...]]]:
    """One channel's rounds and everything members did in them."""
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    zone = ZoneInfo(ZONES[channel_id % len(ZONES)])
    regulars = [1 + ((channel_id - 1) * 100 + k) % shape.members for k in range(100)]
    weights = [1 / (k + 1) ** 0.7 for k in range(100)]
    answered: dict[int, list[int]] = {}
    for seq, day in enumerate(DAYS, start=1):
        round_id = ids.take("rounds")
        posted = datetime.combine(day, time(9, 0), tzinfo=zone).astimezone(UTC)
        rows["rounds"].append(
            (
                round_id,
                1,
                channel_id,
                day,
                seq,
                f"prompt-{seq % 40}",
                f"Prompt {seq % 40}",
                f"{channel_id}.{seq}",
                "drip",
                60,
                10,
                posted,
                posted,
                posted + timedelta(hours=9),
                posted + timedelta(hours=10),
            )
        )
        people: set[int] = set()
        wanted = rng.choice((4, 4, 5, 5))
        while len(people) < wanted:
            if rng.random() < 0.1:
                people.add(rng.randint(1, shape.members))
            else:
                people.add(rng.choices(regulars, weights)[0])
        for member_id in sorted(people):
            answered.setdefault(member_id, []).append(seq)
            stages = rng.sample(STAGES, rng.choice((1, 2, 2, 3, 3, 4)))
            first = posted + timedelta(minutes=rng.randint(1, 480))
            for n, stage in enumerate(stages):
                at = first + timedelta(minutes=45 * n)
                rows["answers"].append(
                    (
                        ids.take("answers"),
                        1,
                        channel_id,
                        round_id,
                        member_id,
                        stage,
                        "message",
                        f"{channel_id}.{seq}.{member_id}.{n}",
                        f"{stage}: an answer",
                        at,
                        None,
                    )
                )
                kind_rows = [("stage", stage, STAGE_POINTS)]
                if n == 0:
                    kind_rows.insert(0, ("answer", "", ANSWER_POINTS))
                for kind, subject, points in kind_rows:
                    rows["point_events"].append(
                        (
                            ids.take("point_events"),
                            1,
                            channel_id,
                            member_id,
                            round_id,
                            kind,
                            subject,
                            points,
                            at,
                        )
                    )
        pairs = [(a, b) for a in sorted(people) for b in sorted(people) if a != b]
        for r, (reviewer, reviewee) in enumerate(rng.sample(pairs, REVIEWS_PER_ROUND)):
            feedback_id = ids.take("feedback")
            at = posted + timedelta(hours=9, minutes=10 * r)
            rows["feedback"].append(
                (feedback_id, 1, round_id, reviewer, reviewee, "clear goal", "a budget", at, at)
            )
            for signal in rng.sample(SIGNALS, 2):
                rows["feedback_scores"].append(
                    (ids.take("feedback_scores"), feedback_id, signal, rng.randint(1, 4))
                )
            rows["point_events"].append(
                (
                    ids.take("point_events"),
                    1,
                    channel_id,
                    reviewer,
                    round_id,
                    "review",
                    str(feedback_id),
                    REVIEW_POINTS,
                    at,
                )
            )
    for member_id, seqs in answered.items():
        state = streaks.recompute(seqs)
        rows["streaks"].append(
            (
                ids.take("streaks"),
                1,
                channel_id,
                member_id,
                state.current,
                state.longest,
                state.freezes,
                state.freezes_used,
                state.last_seq,
            )
        )
    return rows


def batches(
    shape: Shape, seed: int = 10, channels_per_batch: int = 25
) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The whole data set, parents first, a few channels' rows at a time."""
    rng = random.Random(seed)
    yield workspace_rows(shape, rng)
    ids = Counters()
    batch: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    for channel_id in range(1, shape.channels + 1):
        for table, rows in channel_rows(shape, channel_id, ids, rng).items():
            batch[table].extend(rows)
        if channel_id % channels_per_batch == 0 or channel_id == shape.channels:
            yield batch
            batch = {t: [] for t in TABLES}


# ---------------------------------------------------------------- SQLite


def _sqlite_value(value: Any) -> Any:
    """Values as SQLAlchemy stores them on SQLite (naive UTC text with microseconds)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def fill_sqlite(path: Path, shape: Shape) -> dict[str, int]:
    """Insert the data set into a migrated SQLite file; returns rows per table."""
    conn = sqlite3.connect(path, isolation_level=None)
    counts = dict.fromkeys(TABLES, 0)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        # Load without the rollup triggers, then fill the rollups at once and put them back.
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        for batch in batches(shape):
            for table, rows in batch.items():
                if not rows:
                    continue
                columns = TABLES[table]
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    ([_sqlite_value(v) for v in row] for row in rows),
                )
                counts[table] += len(rows)
        for statement in board_totals.fill_statements("sqlite"):
            conn.execute(statement)
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return counts


# ---------------------------------------------------------------- PostgreSQL


async def fill_postgres(conn: Any, schema: str, shape: Shape) -> dict[str, int]:
    """COPY the data set into a migrated schema (asyncpg connection); rows per table."""
    counts = dict.fromkeys(TABLES, 0)
    async with conn.transaction():
        # COPY without the board_totals triggers, then one set-based fill of the totals.
        await conn.execute("SET LOCAL session_replication_role = replica")
        for batch in batches(shape):
            for table, rows in batch.items():
                if rows:
                    await conn.copy_records_to_table(
                        table, records=rows, columns=list(TABLES[table]), schema_name=schema
                    )
                    counts[table] += len(rows)
        await conn.execute(f"SET LOCAL search_path = {schema}")
        for statement in board_totals.fill_statements("postgresql"):
            await conn.execute(statement)
        for table in TABLES:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{schema}.{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {schema}.{table}))"
            )
    # VACUUM as autovacuum would have by now: it also sets the visibility map, without which
    # PostgreSQL cannot answer from an index alone.
    for table in (*TABLES, "board_totals", "board_days"):
        await conn.execute(f"VACUUM (ANALYZE) {schema}.{table}")
    return counts
