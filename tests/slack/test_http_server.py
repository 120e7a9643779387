"""Slack in HTTP mode on the process's one web server: Slack's events, the operator's probes
and Prometheus share a port; `kata run` stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.slack import SlackAdapter
from bot import metrics
from bot.settings import PROJECT_ROOT
from kata.http_server import operations_server
from tests.slack.conftest import ALICE, CHANNEL, Team, slack_settings
from tests.slack.fake_web_api import FakeSlackWebAPI
from tests.slack.slack_side import SIGNING_SECRET, HttpTransport, SlackSide
from tests.support.harness import Harness
from tests.support.platform_fixtures import attached


@pytest.fixture
async def shared(slack_api: FakeSlackWebAPI, harness: Harness) -> AsyncIterator[tuple[Team, str]]:
    """The adapter mounted on the operations server, as `kata run` composes them; yields the
    team and the server's base URL."""
    metrics.reset()
    server, readiness = operations_server(
        "127.0.0.1", 0, harness.engine, harness.database_url, harness.clock.now
    )
    adapter = SlackAdapter(
        harness.kata,
        slack_settings(slack_api),
        host="127.0.0.1",
        pacing_seconds=0.0,
        retry_backoff_seconds=0.01,
        server=server,
    )
    await attached(harness, adapter)
    assert adapter.port is None, "the adapter does not listen on its own"
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    slack = SlackSide(slack_api, HttpTransport(f"{base}/slack/events"))
    yield Team(slack_api, slack, adapter, harness), base
    await adapter.close()
    await server.close()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def sample(body: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return 0.0


async def test_slack_events_probes_and_metrics_share_one_port(shared: tuple[Team, str]) -> None:
    team, base = shared
    assert await get(f"{base}/healthz") == (200, "ok")
    assert team.adapter.port == int(base.rsplit(":", 1)[1])

    # Alice sets the channel up through the same port Prometheus scrapes.
    ack = await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    assert ack.status == 200
    await team.settled()

    # Slack asks the bot to slow down once while it posts the round; the post still lands.
    team.api.fail("chat.postMessage", status=429, retry_after=0)
    await team.h.advance(hours=1)
    [prompt] = [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]
    assert len(team.api.bot_replies(CHANNEL, prompt.ts)) == 1

    status, body = await get(f"{base}/metrics")
    assert status == 200
    posts = len(team.api.calls_to("chat.postMessage"))
    assert posts >= 3, "the refused attempt, the prompt and its first stage"
    counted = sample(body, "kata_platform_calls_total", platform="slack", method="chat.postMessage")
    assert counted == posts
    assert sample(body, "kata_platform_rate_limited_total", platform="slack") == 1
    checks = len(team.api.calls_to("auth.test"))  # ours at start-up, and bolt's own
    assert sample(body, "kata_platform_calls_total", platform="slack", method="auth.test") == checks


# ---------------------------------------------------------------------------- SIGTERM


HANGING_CLOSE = """
import sys, threading
import kata.app

async def close_that_blocks(self):
    threading.Event().wait()  # a shutdown step that blocks the event loop's thread for good

kata.app.Runtime.close = close_that_blocks
from kata.cli import main
sys.exit(main(["run"]))
"""


class KataRun:
    """`kata run` (or `script`) in a subprocess with Slack in HTTP mode on a free port."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.log: list[str] = []

    @classmethod
    async def start(
        cls, api: FakeSlackWebAPI, tmp: Path, script: str | None = None, **extra_env: str
    ) -> KataRun:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        args = ["-c", script] if script else ["-m", "kata.cli", "run"]
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            cwd=tmp,
            env={
                **env,
                "PYTHONPATH": str(PROJECT_ROOT),
                "LOG_LEVEL": "INFO",
                "DATABASE_URL": f"sqlite:///{tmp / 'kata.db'}",
                "SLACK_BOT_TOKEN": api.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": api.api_url,
                "PORT": "0",
                "HTTP_HOST": "127.0.0.1",
                **extra_env,
            },
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def read_until(self, mark: str) -> str:
        assert self.proc.stderr is not None
        while line := (await self.proc.stderr.readline()).decode():
            self.log.append(line)
            if mark in line:
                return line
        raise AssertionError(f"kata run ended before {mark!r}:\n{''.join(self.log)}")

    async def serving(self, listening_mark: str = "HTTP: listening on") -> str:
        """The base URL, once the core has started."""
        listening = await asyncio.wait_for(self.read_until(listening_mark), 60)
        port = int(re.findall(r"listening on 127\.0\.0\.1:(\d+)", listening)[0])
        await asyncio.wait_for(self.read_until("kata: running"), 60)
        return f"http://127.0.0.1:{port}"

    async def terminated(self, within: float) -> str:
        """SIGTERM, then wait up to `within` s for the exit; the rest of the log."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), within)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        assert self.proc.stderr is not None
        rest = (await self.proc.stderr.read()).decode()
        self.log.append(rest)
        return "".join(self.log)

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def test_kata_run_stops_within_ten_seconds_on_sigterm(
    slack_api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    """A service manager stops the bot: it answers on one port until SIGTERM, then exits 0
    and the port no longer answers."""
    run = await KataRun.start(slack_api, tmp_path)
    try:
        base = await run.serving()
        assert await get(f"{base}/healthz") == (200, "ok")
        status, ready = await get(f"{base}/healthz/ready")
        assert status == 200, ready
        slack = SlackSide(slack_api, HttpTransport(f"{base}/slack/events"))
        challenge = await slack.transport.deliver(
            "events_api", {"type": "url_verification", "challenge": "c-42", "token": "t"}
        )
        assert challenge.status == 200 and "c-42" in challenge.body
        log = await run.terminated(within=10)
    finally:
        await run.kill()
    assert run.proc.returncode == 0, log
    assert "kata: SIGTERM received" in log
    assert "Traceback" not in log
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(f"{base}/healthz")


async def test_without_the_web_server_slack_http_mode_still_listens_on_its_own(
    slack_api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    """HTTP_ENABLED=false drops the operations routes; Slack's HTTP mode cannot work without
    a port, so its adapter listens itself, with only its events and a plain /healthz."""
    run = await KataRun.start(slack_api, tmp_path, HTTP_ENABLED="false")
    try:
        base = await run.serving(listening_mark="Slack: listening on")
        assert await get(f"{base}/healthz") == (200, "ok")
        assert (await get(f"{base}/metrics"))[0] == 404
        slack = SlackSide(slack_api, HttpTransport(f"{base}/slack/events"))
        challenge = await slack.transport.deliver(
            "events_api", {"type": "url_verification", "challenge": "c-7", "token": "t"}
        )
        assert challenge.status == 200 and "c-7" in challenge.body
        log = await run.terminated(within=10)
    finally:
        await run.kill()
    assert run.proc.returncode == 0, log
    assert "kata: SIGTERM received" in log


async def test_sigterm_while_slack_is_still_answering_start_up_stops_at_once(
    slack_api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    """Start-up waits on Slack (here: auth.test never answers); a SIGTERM meanwhile cancels
    the start instead of waiting for it, and the process exits 0."""
    gate = slack_api.hold("auth.test")
    run = await KataRun.start(slack_api, tmp_path)
    try:
        await asyncio.wait_for(gate.held.wait(), 60)
        log = await run.terminated(within=10)
    finally:
        gate.release()
        await run.kill()
    assert run.proc.returncode == 0, log
    assert "kata: stopped while starting" in log
    assert "Traceback" not in log


async def test_a_shutdown_that_hangs_still_ends_within_ten_seconds(
    slack_api: FakeSlackWebAPI, tmp_path: Path
) -> None:
    """Closing the core blocks the whole event loop: the watchdog ends the process anyway,
    with status 1 and a line saying why. (It logs in JSON, as a log shipper would want.)"""
    run = await KataRun.start(slack_api, tmp_path, HANGING_CLOSE, KATA_LOG_FORMAT="json")
    try:
        await run.serving()
        log = await run.terminated(within=10)
    finally:
        await run.kill()
    assert run.proc.returncode == 1, log
    *logged, last = log.strip().splitlines()
    assert last == "kata: not stopped within 10 s; exiting"
    records = [json.loads(line) for line in logged]
    assert {"kata: running", "kata: SIGTERM received", "kata: stopping"} <= {
        r["message"] for r in records
    }
