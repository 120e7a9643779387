"""The typed schema: a database from revision 0001 upgrades with nothing lost, and the
database itself refuses rows that break the vocabularies or cross workspaces."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

import pytest
from alembic import command
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Integer,
    String,
    Time,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql import column, table

from bot import rubric_scores, skips
from bot.db import Base, make_engine, make_sessions
from bot.kinds import AnswerSource, Pacing, PointKind
from bot.migrate import alembic_config, upgrade
from bot.models import Answer, Channel, Feedback, Member, PointEvent, Round, Streak, Workspace
from bot.settings import PROJECT_ROOT
from tests.core.test_project_rules import _reset_postgres

T = TypeVar("T")
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _in_session(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(url)
        try:
            async with make_sessions(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _rows_at_0001(url: str) -> None:
    """Data as revision 0001 stored it: JSON skips and scores, packed keys."""
    at = AT if url.startswith("postgresql") else AT.replace(tzinfo=None)

    def t(name: str, *columns: tuple[str, Any]) -> Any:
        return table(name, *(column(n, k) for n, k in columns))

    stamp = ("created_at", DateTime(timezone=True))
    ws, name, ext = ("workspace_id", Integer()), ("id", Integer()), ("external_id", String())
    rows: list[tuple[Any, list[dict[str, Any]]]] = [
        (
            t("workspaces", name, ("platform", String()), ext, stamp),
            [
                {"id": 1, "platform": "slack", "external_id": "T1", "created_at": at},
                {"id": 2, "platform": "discord", "external_id": "G2", "created_at": at},
            ],
        ),
        (
            t(
                "members",
                name,
                ws,
                ext,
                ("display_name", String()),
                ("opted_out", Boolean()),
                stamp,
            ),
            [
                {"id": 1, "workspace_id": 1, "external_id": "U1", "display_name": "Ada"},
                {"id": 2, "workspace_id": 1, "external_id": "U2", "display_name": "Bo"},
                {"id": 3, "workspace_id": 2, "external_id": "D3", "display_name": "Cy"},
            ],
        ),
        (
            t(
                "channels",
                name,
                ws,
                ext,
                ("configured", Boolean()),
                ("post_time", Time()),
                ("timezone", String()),
                ("weekdays", Integer()),
                ("pacing", String()),
                ("drip_minutes", Integer()),
                ("paused", Boolean()),
                ("skip_dates", JSON()),
                ("tag_filter", JSON()),
                ("difficulty_filter", JSON()),
                stamp,
            ),
            [
                {
                    "id": 1,
                    "workspace_id": 1,
                    "external_id": "C1",
                    "pacing": "manual",
                    "skip_dates": ["2026-12-01", "2026-11-30"],
                },
                {"id": 2, "workspace_id": 2, "external_id": "555", "pacing": "all"},
            ],
        ),
        (
            t(
                "rounds",
                name,
                ws,
                ("channel_id", Integer()),
                ("local_date", Date()),
                ("seq", Integer()),
                ("prompt_key", String()),
                ("prompt_title", String()),
                ("thread_id", String()),
                ("pacing", String()),
                ("drip_minutes", Integer()),
                ("stages_posted", Integer()),
                stamp,
            ),
            [
                {"id": 1, "workspace_id": 1, "channel_id": 1, "thread_id": "1700.0"},
                {"id": 2, "workspace_id": 2, "channel_id": 2, "thread_id": "777"},
            ],
        ),
        (
            t(
                "answers",
                name,
                ws,
                ("round_id", Integer()),
                ("member_id", Integer()),
                ("stage_key", String()),
                ("external_message_id", String()),
                ("text", String()),
                stamp,
            ),
            [
                {
                    "id": 1,
                    "workspace_id": 1,
                    "round_id": 1,
                    "member_id": 1,
                    "stage_key": "scope",
                    "external_message_id": "C1:1700.1",
                },
                {
                    "id": 2,
                    "workspace_id": 1,
                    "round_id": 1,
                    "member_id": 2,
                    "stage_key": "functional",
                    "external_message_id": "cmd:req-9",
                },
                {
                    "id": 3,
                    "workspace_id": 2,
                    "round_id": 2,
                    "member_id": 3,
                    "stage_key": "scope",
                    "external_message_id": "555:999",
                },
            ],
        ),  # fmt: skip
        (
            t(
                "feedback",
                name,
                ws,
                ("round_id", Integer()),
                ("reviewer_id", Integer()),
                ("reviewee_id", Integer()),
                ("scores", JSON()),
                ("strength", String()),
                ("improvement", String()),
                stamp,
                ("updated_at", DateTime(timezone=True)),
            ),
            [
                {
                    "id": 1,
                    "workspace_id": 1,
                    "round_id": 1,
                    "reviewer_id": 1,
                    "reviewee_id": 2,
                    "scores": {"problem": 3, "tradeoffs": 4},
                    "updated_at": at,
                },
            ],
        ),  # fmt: skip
        (
            t(
                "point_events",
                name,
                ws,
                ("channel_id", Integer()),
                ("member_id", Integer()),
                ("round_id", Integer()),
                ("kind", String()),
                ("key", String()),
                ("points", Integer()),
                stamp,
            ),
            [
                {
                    "id": 1,
                    "workspace_id": 1,
                    "channel_id": 1,
                    "member_id": 1,
                    "round_id": 1,
                    "kind": "answer",
                    "key": "answer:1:1",
                    "points": 5,
                },
                {
                    "id": 2,
                    "workspace_id": 1,
                    "channel_id": 1,
                    "member_id": 1,
                    "round_id": 1,
                    "kind": "stage",
                    "key": "stage:1:1:scope",
                    "points": 2,
                },
                {
                    "id": 3,
                    "workspace_id": 1,
                    "channel_id": 1,
                    "member_id": 2,
                    "round_id": 1,
                    "kind": "answer",
                    "key": "answer:1:2",
                    "points": 5,
                },
                {
                    "id": 4,
                    "workspace_id": 1,
                    "channel_id": 1,
                    "member_id": 2,
                    "round_id": 1,
                    "kind": "stage",
                    "key": "stage:1:2:functional",
                    "points": 2,
                },
                {
                    "id": 5,
                    "workspace_id": 1,
                    "channel_id": 1,
                    "member_id": 1,
                    "round_id": 1,
                    "kind": "review",
                    "key": "review:1:1:2",
                    "points": 3,
                },
                {
                    "id": 6,
                    "workspace_id": 2,
                    "channel_id": 2,
                    "member_id": 3,
                    "round_id": 2,
                    "kind": "answer",
                    "key": "answer:2:3",
                    "points": 5,
                },
            ],
        ),  # fmt: skip
        (
            t(
                "streaks",
                name,
                ws,
                ("channel_id", Integer()),
                ("member_id", Integer()),
                ("current", Integer()),
                ("longest", Integer()),
                ("freezes", Integer()),
                ("freezes_used", Integer()),
                ("last_seq", Integer()),
            ),
            [
                {
                    "id": 1,
                    "workspace_id": 1,
                    "channel_id": 1,
                    "member_id": 1,
                    "current": 4,
                    "longest": 7,
                    "freezes": 1,
                    "freezes_used": 0,
                    "last_seq": 1,
                },
            ],
        ),  # fmt: skip
    ]
    defaults: dict[str, Any] = {
        "created_at": at,
        "opted_out": False,
        "configured": True,
        "post_time": time(9, 0),
        "timezone": "UTC",
        "weekdays": 31,
        "drip_minutes": 60,
        "paused": False,
        "skip_dates": [],
        "tag_filter": [],
        "difficulty_filter": [],
        "local_date": date(2026, 11, 20),
        "seq": 1,
        "prompt_key": "feed",
        "prompt_title": "A feed",
        "pacing": "drip",
        "stages_posted": 1,
        "text": "an answer",
        "strength": "clear",
        "improvement": "costs",
    }

    async def insert() -> None:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                for target, values in rows:
                    names = {c.name for c in target.columns}
                    full = [{k: v for k, v in defaults.items() if k in names} | r for r in values]
                    await conn.execute(target.insert(), full)
        finally:
            await engine.dispose()

    asyncio.run(insert())


async def _read_back(session: AsyncSession) -> dict[str, Any]:
    channels = {c.id: c for c in await session.scalars(select(Channel))}
    [review] = (await session.scalars(select(Feedback))).all()
    return {
        "skips": {i: skips.skipped(c) for i, c in channels.items()},
        "pacing": {i: c.pacing for i, c in channels.items()},
        "round_pacing": set((await session.execute(select(Round.id, Round.pacing))).tuples()),
        "answers": set(
            (
                await session.execute(
                    select(Answer.id, Answer.channel_id, Answer.source, Answer.message_id)
                )
            ).tuples()
        ),
        "scores": rubric_scores.levels(review),
        "averages": set(
            (s, float(a), n)
            for s, a, n in await session.execute(rubric_scores.averages_received(2))
        ),
        "review": (review.strength, review.improvement, review.reviewee_id),
        "points": set(
            (
                await session.execute(
                    select(
                        PointEvent.id,
                        PointEvent.kind,
                        PointEvent.round_id,
                        PointEvent.member_id,
                        PointEvent.subject,
                        PointEvent.points,
                    )
                )
            ).tuples()
        ),
        "streaks": set(
            (await session.execute(select(Streak.member_id, Streak.current, Streak.longest)))
            .tuples()
            .all()
        ),
        "members": set((await session.execute(select(Member.id, Member.display_name))).tuples()),
        "workspaces": set(
            (await session.execute(select(Workspace.platform, Workspace.external_id))).tuples()
        ),
    }


def test_a_database_at_0001_upgrades_to_typed_tables_with_nothing_lost(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    command.upgrade(alembic_config(database_url), "0001")
    _rows_at_0001(database_url)
    upgrade(database_url)
    found = _in_session(database_url, _read_back)
    assert found == {
        "skips": {1: [date(2026, 11, 30), date(2026, 12, 1)], 2: []},
        "pacing": {1: Pacing.MANUAL, 2: Pacing.ALL},
        "round_pacing": {(1, Pacing.DRIP), (2, Pacing.DRIP)},
        "answers": {
            (1, 1, AnswerSource.MESSAGE, "1700.1"),
            (2, 1, AnswerSource.COMMAND, "req-9"),
            (3, 2, AnswerSource.MESSAGE, "999"),
        },
        "scores": {"problem": 3, "tradeoffs": 4},
        "averages": {("problem", 3.0, 1), ("tradeoffs", 4.0, 1)},
        "review": ("clear", "costs", 2),
        "points": {
            (1, PointKind.ANSWER, 1, 1, "", 5),
            (2, PointKind.STAGE, 1, 1, "scope", 2),
            (3, PointKind.ANSWER, 1, 2, "", 5),
            (4, PointKind.STAGE, 1, 2, "functional", 2),
            (5, PointKind.REVIEW, 1, 1, "1", 3),
            (6, PointKind.ANSWER, 2, 3, "", 5),
        },
        "streaks": {(1, 4, 7)},
        "members": {(1, "Ada"), (2, "Bo"), (3, "Cy")},
        "workspaces": {("slack", "T1"), ("discord", "G2")},
    }


def _refused(url: str, statement: str) -> bool:
    async def work(session: AsyncSession) -> bool:
        try:
            async with session.begin_nested():
                await session.execute(text(statement))
        except IntegrityError:
            return True
        return False

    return _in_session(url, work)


@pytest.fixture
def two_workspaces(database_url: str) -> str:
    """Workspace 1 holds channel 1, member 1 and round 1; workspace 2 holds member 2."""
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    upgrade(database_url)

    async def work(session: AsyncSession) -> None:
        session.add_all(
            [
                Workspace(id=1, platform="slack", external_id="T1", created_at=AT),
                Workspace(id=2, platform="slack", external_id="T2", created_at=AT),
            ]
        )
        await session.flush()
        session.add_all(
            [
                Member(id=1, workspace_id=1, external_id="U1", display_name="Ada", created_at=AT),
                Member(id=2, workspace_id=2, external_id="U2", display_name="Bo", created_at=AT),
                Channel(id=1, workspace_id=1, external_id="C1", created_at=AT, skips=[]),
            ]
        )
        await session.flush()
        session.add(
            Round(
                id=1,
                workspace_id=1,
                channel_id=1,
                local_date=date(2026, 11, 20),
                seq=1,
                prompt_key="feed",
                prompt_title="A feed",
                pacing=Pacing.DRIP,
                drip_minutes=60,
                created_at=AT,
            )
        )

    _in_session(database_url, work)
    return database_url


INSERT_ANSWER = (
    "INSERT INTO answers (workspace_id, channel_id, round_id, member_id, stage_key, source, "
    "message_id, text, created_at) VALUES ({ws}, 1, 1, {member}, 'scope', '{source}', 'm1', "
    "'an answer', CURRENT_TIMESTAMP)"
)


def test_a_row_that_crosses_workspaces_is_refused_by_the_database(two_workspaces: str) -> None:
    url = two_workspaces
    assert not _refused(url, INSERT_ANSWER.format(ws=1, member=1, source="message"))
    assert _refused(url, INSERT_ANSWER.format(ws=1, member=2, source="command"))
    assert _refused(url, INSERT_ANSWER.format(ws=2, member=2, source="command"))
    assert _refused(
        url,
        "INSERT INTO streaks (workspace_id, channel_id, member_id, current, longest, freezes, "
        "freezes_used) VALUES (2, 1, 2, 0, 0, 0, 0)",
    )


def test_the_database_refuses_words_and_levels_outside_their_vocabulary(
    two_workspaces: str,
) -> None:
    url = two_workspaces
    assert _refused(url, "UPDATE channels SET pacing = 'fast'")
    assert _refused(url, INSERT_ANSWER.format(ws=1, member=1, source="email"))
    assert not _refused(
        url,
        "INSERT INTO feedback (workspace_id, round_id, reviewer_id, strength, improvement, "
        "created_at, updated_at) VALUES (1, 1, 1, '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    )
    assert _refused(
        url, "INSERT INTO feedback_scores (feedback_id, signal, level) VALUES (1, 'problem', 5)"
    )
    assert _refused(
        url,
        "INSERT INTO point_events (workspace_id, channel_id, member_id, round_id, kind, subject, "
        "points, created_at) VALUES (1, 1, 1, 1, 'bonus', '', 1, CURRENT_TIMESTAMP)",
    )


def test_a_downgrade_packs_the_rows_back_as_0003_stored_them(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    command.upgrade(alembic_config(database_url), "0001")
    _rows_at_0001(database_url)
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "0003")

    async def packed(session: AsyncSession) -> dict[str, Any]:
        async def pairs(sql: str) -> set[tuple[Any, ...]]:
            return set((await session.execute(text(sql))).tuples())

        channels = table("channels", column("id", Integer()), column("skip_dates", JSON()))
        fb = table("feedback", column("id", Integer()), column("scores", JSON()))
        return {
            "skips": dict(
                (await session.execute(select(channels.c.id, channels.c.skip_dates))).tuples().all()
            ),
            "scores": dict((await session.execute(select(fb.c.id, fb.c.scores))).tuples().all()),
            "answers": await pairs("SELECT id, external_message_id FROM answers"),
            "points": await pairs("SELECT id, key FROM point_events"),
        }

    assert _in_session(database_url, packed) == {
        "skips": {1: ["2026-11-30", "2026-12-01"], 2: []},
        "scores": {1: {"problem": 3, "tradeoffs": 4}},
        "answers": {(1, "C1:1700.1"), (2, "cmd:req-9"), (3, "555:999")},
        "points": {
            (1, "answer:1:1"),
            (2, "stage:1:1:scope"),
            (3, "answer:1:2"),
            (4, "stage:1:2:functional"),
            (5, "review:1:1:2"),
            (6, "answer:2:3"),
        },
    }
    upgrade(database_url)
    assert _in_session(database_url, _read_back)["points"] >= {(5, PointKind.REVIEW, 1, 1, "1", 3)}


def test_the_migrated_database_has_the_models_checks_under_the_same_names(
    database_url: str,
) -> None:
    """Autogenerate does not compare CHECK constraints, so this does."""
    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    upgrade(database_url)
    expected = {
        (t.name, c.name)
        for t in Base.metadata.sorted_tables
        for c in CreateTable(t).element.constraints
        if isinstance(c, CheckConstraint)
    }

    async def found() -> set[tuple[str, str | None]]:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: {
                        (name, check["name"])
                        for name in inspect(sync).get_table_names()
                        for check in inspect(sync).get_check_constraints(name)
                    }
                )
        finally:
            await engine.dispose()

    assert {name for _, name in expected} >= {
        "ck_channels_pacing",
        "ck_rounds_pacing",
        "ck_answers_source",
        "ck_point_events_kind",
        "ck_feedback_scores_level",
    }
    assert asyncio.run(found()) == expected


def test_revisions_import_nothing_from_the_application() -> None:
    imported = set()
    for path in (PROJECT_ROOT / "migrations" / "versions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {(path.name, a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add((path.name, node.module.split(".")[0]))
    assert {module for _, module in imported} <= {
        "collections",
        "datetime",
        "typing",
        "sqlalchemy",
        "alembic",
        "__future__",
    }, sorted(imported)
