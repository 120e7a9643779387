"""The workspace streak board reads the longest streaks first and stops at a threshold
(`leaderboard._streak_board_in_workspace`); with the first read cut to one row per board row,
random histories take both the threshold and the fallback to every channel's recent rows
(members with streaks in both channels fill the first rows twice), and each board must
still equal a plain recompute, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings

from bot import leaderboard
from tests.core.test_boards_recompute import BASE, History, expected_board, histories, store
from tests.support.harness import make_harness


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(history=histories())
def test_the_streak_board_from_its_threshold_equals_a_recompute(
    database_url: str, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leaderboard, "STREAK_PREFIX_PER_ROW", 1)

    async def story() -> None:
        harness = await make_harness(database_url)
        try:
            async with harness.kata.sessions.begin() as session:
                stored = await store(session, history)
            now = BASE + timedelta(minutes=history.now_minutes)
            zone = ZoneInfo(history.zones[0])
            async with harness.kata.sessions() as session:
                for limit in {1, history.limit, 3}:
                    got = await leaderboard.board(
                        session, stored.workspace_id, None, "streak", "all", now, zone, limit
                    )
                    want = expected_board(history, stored, "streak", "all", None, now, zone, limit)
                    assert got == want, limit
        finally:
            await harness.close()

    asyncio.run(story())
