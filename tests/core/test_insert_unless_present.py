"""Answers, points and planned work go in with `INSERT … ON CONFLICT DO NOTHING`: a row a
unique constraint already holds is skipped, and the statement is compiled once, not once per
batch (SQLAlchemy leaves its own dialect INSERTs out of the statement cache)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import insert_rows, insert_unless_present, make_engine, make_sessions
from bot.kinds import WorkKind
from bot.models import Member, WorkItem, Workspace
from tests.support.harness import make_harness

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def work(key: str) -> dict[str, Any]:
    return {
        "kind": WorkKind.ROUND,
        "key": key,
        "payload": {},
        "due_at": NOW,
        "attempts": 0,
        "created_at": NOW,
    }


async def empty_schema(database_url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    """The bot's tables, empty, and sessions on them."""
    h = await make_harness(database_url)
    await h.close()
    engine = make_engine(database_url)
    return engine, make_sessions(engine)


async def test_a_batch_skips_the_rows_already_there_and_reuses_its_compiled_statement(
    database_url: str,
) -> None:
    engine, sessions = await empty_schema(database_url)
    cached: list[bool] = []

    def note(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        if statement.startswith("INSERT INTO work_items"):
            assert "ON CONFLICT DO NOTHING" in statement
            cached.append(context.cache_hit is CacheStats.CACHE_HIT)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        batches = [(["a", "b"], ["a", "b"]), (["b", "c", "d"], ["c", "d"]), (["a", "e"], ["e"])]
        for keys, new in batches:
            async with sessions.begin() as session:
                statement = insert_unless_present(session, WorkItem).returning(WorkItem.key)
                result = await session.execute(statement, [work(k) for k in keys])
                assert sorted(row[0] for row in result) == new
        async with sessions() as session:
            stored = sorted((await session.scalars(select(WorkItem.key))).all())
        assert stored == ["a", "b", "c", "d", "e"]
        assert cached == [False, True, True], "compiled for the first batch, then reused"
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
        await engine.dispose()


async def test_batches_of_any_size_share_one_statement_and_skip_the_rows_already_there(
    database_url: str,
) -> None:
    """On PostgreSQL each column goes as one array (`unnest`), so a batch of two and one of
    three are the same prepared statement; values (booleans, text, times, defaults) arrive
    as given on both databases."""
    engine, sessions = await empty_schema(database_url)
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        if statement.startswith("INSERT INTO members"):
            statements.append(statement)

    def member(user_id: str, name: str) -> dict[str, Any]:
        return {
            "workspace_id": workspace_id,
            "external_id": user_id,
            "display_name": name,
            "name_key": name.casefold(),
            "opted_out": user_id == "U2",
            "created_at": NOW,
        }

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        async with sessions.begin() as session:
            workspace = Workspace(platform="slack", external_id="T1", created_at=NOW)
            session.add(workspace)
            await session.flush()
            workspace_id = workspace.id
        found = []
        for batch in (
            [member("U1", "Ana"), member("U2", "Bo")],
            [member("U2", "Bo again"), member("U3", "Ça va"), member("U4", "Dee")],
        ):
            async with sessions.begin() as session:
                found.append(
                    await insert_rows(session, Member, batch, Member.external_id, Member.opted_out)
                )
        async with sessions() as session:
            stored = (
                await session.execute(
                    select(Member.external_id, Member.display_name, Member.opted_out)
                    .add_columns(Member.nudges_off, Member.created_at)
                    .order_by(Member.external_id)
                )
            ).all()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
        await engine.dispose()
    assert found == [[("U1", False), ("U2", True)], [("U3", False), ("U4", False)]]
    assert [tuple(row) for row in stored] == [
        ("U1", "Ana", False, False, NOW),
        ("U2", "Bo", True, False, NOW),
        ("U3", "Ça va", False, False, NOW),
        ("U4", "Dee", False, False, NOW),
    ], "the second U2 was skipped; the default filled nudges_off"
    if database_url.startswith("postgresql"):
        assert len(set(statements)) == 1 and "unnest(" in statements[0]
