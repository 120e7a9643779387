"""SQLite's planner gets table statistics without anyone running ANALYZE by hand."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.harness import make_harness
from tests.support.memory_chat import MemoryChat


def analyzed_tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).fetchall()
        if not found:
            return set()
        return {table for (table,) in conn.execute("SELECT tbl FROM sqlite_stat1")}


async def test_a_bot_on_sqlite_keeps_its_planner_statistics_current(tmp_path: Path) -> None:
    path = tmp_path / "kata.db"
    harness = await make_harness(f"sqlite+aiosqlite:///{path}")
    try:
        assert analyzed_tables(path) == set()
        chat = MemoryChat(harness.kata)
        await chat.start_round("09:00 Europe/Berlin daily")
        await chat.reply(chat.member("ana"), "scope: one region")
        await chat.command(chat.member("ana"), "leaderboard points all workspace")
    finally:
        await harness.close()
    found = analyzed_tables(path)
    assert {"channels", "rounds", "members", "board_totals"} <= found, found
