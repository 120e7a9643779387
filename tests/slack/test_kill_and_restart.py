"""A bot killed with answers acknowledged to Slack but not yet written records every one of
them, once, after it starts again: a real `kata run` process, killed with SIGKILL, against
the fake Slack (the benchmark's process launcher and signed events)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.answers import (
    CHANNEL,
    LEAD,
    MEMBERS,
    START_LIMIT,
    BenchSlack,
    Child,
    blast,
    message_events,
    open_round,
    slack_env,
    spawn,
)

ANSWERS = 30


@pytest.fixture
async def slack() -> AsyncIterator[BenchSlack]:
    api = BenchSlack()
    await api.start()
    api.add_channel(CHANNEL)
    api.add_user(LEAD, "Lea", admin=True)
    for i, user in enumerate(MEMBERS[:10]):
        api.add_user(user, f"Member{i:02d}")
    yield api
    await api.close()
    assert api.problems == [], "the fake Slack saw calls Slack would reject"


async def run_bot(api: BenchSlack, database: Path) -> tuple[Child, str]:
    env = {**slack_env(api), "DATABASE_URL": f"sqlite:///{database}", "LOG_LEVEL": "INFO"}
    child = await spawn(["-m", "kata.cli", "run"], env, database.parent)
    await child.wait_for_line("Slack adapter started", START_LIMIT)
    line = await child.wait_for_line("HTTP: listening on", START_LIMIT)
    port = line.rsplit(":", 1)[1].strip()
    return child, f"http://127.0.0.1:{port}/slack/events"


def stored_answers(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT message_id FROM answers")]


async def test_answers_acked_but_unwritten_at_kill_9_count_once_after_restart(
    slack: BenchSlack, tmp_path: Path
) -> None:
    database = tmp_path / "kata.db"
    child, url = await run_bot(slack, database)
    try:
        thread = await open_round(url, slack)
        # Another program holds the database, so the bot acknowledges every answer but
        # cannot write one; then it is killed outright.
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        sent = await blast(url, message_events(slack, thread, ANSWERS, "K"), 8)
        assert sent.acked == ANSWERS
        child.proc.kill()
        await child.proc.wait()
        holder.execute("ROLLBACK")
        holder.close()
    finally:
        await child.stop()
    assert stored_answers(database) == []

    # Started again, it reads the round's thread back and records each answer once.
    child, _ = await run_bot(slack, database)
    try:
        await child.wait_for_line("reconciliation recorded", START_LIMIT)
    finally:
        await child.stop()
    stored = stored_answers(database)
    assert sorted(stored) == sorted(sent.acked_ts)
    ticks = [r for r in slack.reactions if r[1] in set(sent.acked_ts)]
    assert len(ticks) == ANSWERS
