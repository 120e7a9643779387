"""Answers, points and planned work go in with `INSERT … ON CONFLICT DO NOTHING`: a row a
unique constraint already holds is skipped, and the statement is compiled once, not once per
batch (SQLAlchemy leaves its own dialect INSERTs out of the statement cache)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine.interfaces import CacheStats

from bot.db import insert_unless_present, make_engine, make_sessions
from bot.kinds import WorkKind
from bot.models import WorkItem
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


async def test_a_batch_skips_the_rows_already_there_and_reuses_its_compiled_statement(
    database_url: str,
) -> None:
    h = await make_harness(database_url)
    await h.close()
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
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
