"""`kata run` with both platforms configured, as a team lead starts it: a clean log.

The bot runs as a real process against the local fake Slack and fake Discord, because the
warnings in question are printed once per process, on import or on the first client.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT
from tests.discord.fake_discord import FakeDiscord
from tests.slack.fake_web_api import FakeSlackWebAPI
from tests.slack.slack_side import SIGNING_SECRET

STARTED = ("Slack adapter started", "Discord adapter started")


async def kata_run_log(env: dict[str, str], tmp: Path) -> str:
    """The log of `kata run` from start until both adapters are up, then a clean stop."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kata.cli",
        "run",
        cwd=tmp,
        env={**base, "PYTHONPATH": str(PROJECT_ROOT), "LOG_LEVEL": "INFO", **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    lines: list[str] = []

    async def until_started() -> None:
        while line := await proc.stderr.readline():
            lines.append(line.decode())
            if all(any(mark in seen for seen in lines) for mark in STARTED):
                return

    try:
        await asyncio.wait_for(until_started(), 60)
    finally:
        if proc.returncode is None:
            proc.terminate()
        _, rest = await asyncio.wait_for(proc.communicate(), 30)
    return "".join(lines) + rest.decode()


async def test_starting_slack_and_discord_logs_no_warnings(tmp_path: Path) -> None:
    slack, discord = FakeSlackWebAPI(), FakeDiscord()
    await slack.start()
    await discord.start()
    try:
        log = await kata_run_log(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'kata.db'}",
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
                "PORT": "0",
                "DISCORD_TOKEN": "fake-bot-token",
                "DISCORD_API_URL": discord.api_url,
                "DISCORD_GATEWAY_URL": discord.gateway_url,
            },
            tmp_path,
        )
    finally:
        await slack.close()
        await discord.close()
    for mark in STARTED:
        assert mark in log, log
    assert "will be unused" not in log
    assert "voice" not in log.lower()
    assert [line for line in log.splitlines() if " WARNING " in line or " ERROR " in line] == []
    assert slack.problems == [] and discord.problems == []
