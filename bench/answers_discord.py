"""The Discord variant of `bench.answers` (`python -m bench.answers --discord`).

Discord has no per-event acknowledgement: the gateway pushes events down one websocket, in
order, and the client reads them. So here the figure beside the database's is *events read
per second*: the fake gateway (tests/discord/fake_gateway.py) dispatches N `MESSAGE_CREATE`
events (thread replies from the 50 members) as fast as the socket takes them, then asks the
client for a heartbeat, which it answers with the last sequence number it read
(`FakeGateway.caught_up`); the time from the first dispatch to that answer gives events
read/s. The floor is a bare discord.py `Client` whose `on_message` does nothing, in its own
process, against its own fake Discord, measured before and after. There is no concurrency
setting and no ack latency on this path.

The real path is `python -m kata.cli run` with DISCORD_TOKEN, DISCORD_API_URL and
DISCORD_GATEWAY_URL pointing at a fake Discord in this process; a round is opened with the
`/kata setup`, `pace`, `now` interactions and the prompt's first button, as the Discord tests
do (tests/discord/story.py). Answers recorded/s, CPU per answer, peak RSS and answers lost
(dispatched and read, but not in the database) are measured as for Slack.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.answers import (
    DRAIN_LIMIT,
    START_LIMIT,
    AnswerRows,
    PostgresRows,
    SqliteRows,
    cpu_seconds,
    drain,
    peak_rss_mib,
    postgres_schema,
    problems_in,
    spawn,
    summarise,
    with_search_path,
)
from tests.discord import payloads as p
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person
from tests.discord.story import round_running

TOKEN = "fake-bot-token"


def discord_env(fake: FakeDiscord) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }


async def serve_floor() -> None:
    """`--discord-floor-server`: a bare discord.py client that reads messages, until SIGTERM."""
    import discord

    from adapters.discord.endpoints import override_endpoints

    override_endpoints(os.environ["DISCORD_API_URL"], os.environ["DISCORD_GATEWAY_URL"])
    intents = discord.Intents.default()
    intents.message_content = True
    client = discord.Client(intents=intents)

    @client.event
    async def on_ready() -> None:
        print("discord floor ready", file=sys.stderr, flush=True)

    @client.event
    async def on_message(message: discord.Message) -> None:
        return None

    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    await client.login(os.environ["DISCORD_TOKEN"])
    runner = asyncio.create_task(client.connect(reconnect=False))
    await stopped.wait()
    await client.close()
    runner.cancel()


@dataclass
class Feed:
    sent: list[str]
    started: float
    ended: float

    @property
    def per_second(self) -> float:
        return len(self.sent) / max(self.ended - self.started, 1e-9)


def replies(fake: FakeDiscord, people: list[Person], where: str, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        who = people[i % len(people)]
        out.append(
            p.message(
                p.snowflake(),
                where,
                fake.users[who.id],
                f"Offline NDCG at 10 and online click-through, point {i}.",
                guild_id=fake.guild_id,
                member_payload=fake.members[who.id],
            )
        )
    return out


async def feed(fake: FakeDiscord, messages: list[dict[str, Any]]) -> Feed:
    """Dispatch every message, then wait until the client has read them all."""
    started = time.perf_counter()
    for message in messages:
        await fake.gateway.dispatch("MESSAGE_CREATE", message)
    await fake.gateway.caught_up(within=DRAIN_LIMIT)
    return Feed([m["id"] for m in messages], started, time.perf_counter())


@dataclass
class FloorRun:
    feed: Feed
    cpu_ms_per_event: float
    rss_mib: float


async def measure_floor(events: int, workdir: Path) -> FloorRun:
    fake = FakeDiscord()
    await fake.start()
    people = [Person(fake, f"floor{i:02d}") for i in range(50)]
    child = await spawn(
        ["-m", "bench.answers", "--discord-floor-server"], discord_env(fake), workdir
    )
    try:
        await child.wait_for_line("discord floor ready", START_LIMIT)
        await asyncio.wait_for(fake.gateway.connected.wait(), START_LIMIT)
        await feed(fake, replies(fake, people, fake.channel_id, 50))  # warm up
        before = cpu_seconds(child.pid)
        result = await feed(fake, replies(fake, people, fake.channel_id, events))
        cpu = (cpu_seconds(child.pid) - before) * 1000 / max(len(result.sent), 1)
        return FloorRun(result, cpu, peak_rss_mib(child.pid))
    finally:
        await child.stop()
        await fake.close()


@dataclass
class Phase:
    feed: Feed
    recorded: int
    seconds_to_last_row: float
    lost: int
    cpu_ms_per_answer: float
    rss_mib: float
    log_problems: list[str]


async def measure_real(database_url: str, rows: AnswerRows, events: int, workdir: Path) -> Phase:
    fake = FakeDiscord()
    await fake.start()
    lead = Person(fake, "Lea", admin=True)
    people = [Person(fake, f"member{i:02d}") for i in range(50)]
    env = {**discord_env(fake), "DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}
    child = await spawn(["-m", "kata.cli", "run"], env, workdir)
    try:
        await child.wait_for_line("Discord adapter started", START_LIMIT)
        await asyncio.wait_for(fake.gateway.connected.wait(), START_LIMIT)
        _, thread = await round_running(fake, lead)
        messages = replies(fake, people, thread["id"], events)
        start_count = await rows.start_running_count()
        log_mark = len(child.lines)
        cpu_before = cpu_seconds(child.pid)
        result = await feed(fake, messages)
        _, last_change = await drain(rows, start_count + len(result.sent))
        cpu = cpu_seconds(child.pid) - cpu_before
        stored = await rows.message_ids()
        recorded = await rows.count() - start_count
        return Phase(
            feed=result,
            recorded=recorded,
            seconds_to_last_row=last_change - result.started,
            lost=sum(1 for m in result.sent if m not in stored),
            cpu_ms_per_answer=cpu * 1000 / max(recorded, 1),
            rss_mib=peak_rss_mib(child.pid),
            log_problems=problems_in(child.lines[log_mark:]),
        )
    finally:
        await child.stop()
        await fake.close()


def report(target: str, events: int, before: FloorRun, after: FloorRun, phase: Phase) -> None:
    floor = statistics.mean([before.feed.per_second, after.feed.per_second])
    floor_cpu = statistics.mean([before.cpu_ms_per_event, after.cpu_ms_per_event])
    print(f"== discord on {target}: {events} events through the gateway, 50 members")
    for name, run in (("before", before), ("after", after)):
        print(
            f"  floor {name:6} {run.feed.per_second:7.0f} events read/s, "
            f"CPU {run.cpu_ms_per_event:.2f} ms/event, peak RSS {run.rss_mib:.0f} MiB"
        )
    rate = phase.recorded / max(phase.seconds_to_last_row, 1e-9)
    print(
        f"  real  events read {len(phase.feed.sent)}: {phase.feed.per_second:.0f}/s, "
        f"ratio to floor {phase.feed.per_second / floor:.2f} (floor {floor:.0f}/s)"
    )
    print(
        f"        answers recorded {phase.recorded} in {phase.seconds_to_last_row:.2f} s: "
        f"{rate:.1f}/s, ratio to floor {rate / floor:.3f} (no goal here: issue 9 sets "
        "0.85 on the Slack path, whose floor acknowledges; this one reads and drops)"
    )
    print(
        f"        bot CPU {phase.cpu_ms_per_answer:.2f} ms/answer "
        f"(floor {floor_cpu:.2f} ms/event), bot peak RSS {phase.rss_mib:.0f} MiB"
    )
    print(
        f"        answers lost: {phase.lost} (read by the bot but not in the database); "
        f"bot log WARNING/ERROR lines and exceptions {len(phase.log_problems)}"
    )
    for line in summarise(phase.log_problems):
        print(f"          {line}")


async def run_discord(target: str, events: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-answers-discord-"))
    try:
        before = await measure_floor(events, workdir)
        if target == "sqlite":
            path = workdir / "kata.db"
            phase = await measure_real(f"sqlite:///{path}", SqliteRows(path), events, workdir)
        else:
            async with postgres_schema() as schema:
                rows = await PostgresRows.connect(schema)
                try:
                    url = with_search_path(schema)
                    phase = await measure_real(url, rows, events, workdir)
                finally:
                    await rows.close()
        after = await measure_floor(events, workdir)
        report(target, events, before, after, phase)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
