"""`kata worker`: a process that posts the scheduled rounds through Slack and takes no
events, for adding posting capacity beside `kata run` on one database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.settings import PROJECT_ROOT
from tests.slack.fake_web_api import FakeSlackWebAPI
from tests.slack.test_http_server import KataRun, get

WORKER = "import sys\nfrom kata.cli import main\nsys.exit(main(['worker']))\n"


def a_channel_whose_round_time_has_come(api: FakeSlackWebAPI, database: Path) -> None:
    """A team that set up #C-WORKER for a daily round at a minute that has just passed."""
    subprocess.run(
        [sys.executable, "-m", "kata.cli", "migrate"],
        cwd=database.parent,
        env={"DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": str(PROJECT_ROOT)},
        check=True,
        capture_output=True,
    )
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    if due.date() != now.date():
        due = now.replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO workspaces (platform, external_id, created_at) VALUES ('slack', ?, ?)",
            (api.team_id, stamp),
        )
        db.execute(
            "INSERT INTO channels (workspace_id, external_id, name, configured, post_time, "
            "timezone, weekdays, pacing, drip_minutes, paused, tag_filter, difficulty_filter, "
            "created_at) VALUES (1, 'C-WORKER', 'practice', 1, ?, 'UTC', 127, 'manual', 60, 0, "
            "'[]', '[]', ?)",
            (due.strftime("%H:%M:%S.000000"), stamp),
        )
    api.add_channel("C-WORKER")


async def test_a_worker_posts_the_due_round_and_takes_no_events(
    slack_api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    a_channel_whose_round_time_has_come(slack_api, tmp_path / "kata.db")
    run = await KataRun.start(slack_api, tmp_path, script=WORKER)
    try:
        base = await run.serving()
        (prompt,) = await slack_api.recorder.wait_for(
            lambda: [m for m in slack_api.bot_posts("C-WORKER") if m.thread_ts is None] or None,
            within=30,
        )
        assert prompt.metadata and prompt.metadata["event_payload"]["key"].startswith("round:1:")
        assert await get(f"{base}/healthz") == (200, "ok")
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base}/slack/events", data=b"{}") as response,
        ):
            assert response.status == 404  # a worker has no events route
        log = await run.terminated(within=10)
    finally:
        await run.kill()
    assert run.proc.returncode == 0, log
    assert "Slack adapter started (posting only)" in log
    assert "Traceback" not in log
    assert slack_api.problems == []
