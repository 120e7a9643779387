"""Answer capture through the real Slack HTTP path, against an ack-only floor (issue 9).

    python -m bench.answers [--postgres] [--events N] [--concurrency 8,32] [--repeats R]
                            [--slices K] [--discord]

What runs, all on 127.0.0.1 and all in this one command:

- A fake Slack Web API (tests/slack/fake_web_api.py) in this process, with one channel, an
  admin and 50 members. It records every member message, so the bot's ✅ reactions land.
- The floor: a bare slack-bolt `AsyncApp` whose only listener acks `message` events, served
  by aiohttp through slack_bolt's aiohttp adapter (the serving path our adapter uses), with
  signature checks on. It runs in its own process (`--floor-server`, started by this module),
  like the bot, so neither shares a CPU with the load generator. It is started once.
- Taking turns: on a shared machine the speed of a core moves by a third within seconds
  (the floor's own CPU per event went from 0.24 to 0.38 ms between two blasts 6 s apart), so
  only neighbouring runs compare. A phase of N events at one concurrency is cut into
  `--slices` equal slices (5 by default, about 0.7 s each); the floor takes a slice of the
  same size beside each of the bot's, first and second in turn (floor, bot, bot, floor,
  ...), and the phase's ratio divides the bot's totals by the floor's totals. Blasting the
  floor only before and after a whole phase of 10,000 left a ratio moving by 20% between
  runs of the same code; `--self-check` puts a second floor in the bot's place and measures
  both ways (there the old way gave 0.68-1.49 for two identical servers). Each concurrency
  still runs `--repeats` times (5 by default) and the summary gives the median ratio and
  every run's.
- The real path: `python -m kata.cli run` as a subprocess (Slack HTTP mode, PORT=0, its port
  read from its log) on a fresh SQLite file in a temporary folder or, with `--postgres`, also
  on a fresh PostgreSQL schema (`?search_path=`) that is dropped at the end. Signed slash
  commands set the channel up (`setup 09:00 UTC daily`, `pace manual`, `now`); the round's
  thread is the bot's top-level post in the fake. Then, per concurrency (8 and 32 by
  default), N signed `message` events: thread replies from the 50 members in turn, each with
  its own ts and event id, all in the same round, pre-signed before the clock starts.

Figures, per concurrency:

- events acked/s: HTTP 200s divided by the time from the first send to the last response,
  for the bot and for the floor, and their ratio. ack p50/p99: time from send to response.
  A request gets 10 s before it counts as not acked (Slack itself gives 3 s; acks slower
  than 3 s are counted separately as late).
- answers recorded/s: once a slice's last request is answered, this process polls the
  database every 5 ms (its own connection, read-only) until the slice's acked answers are
  all there; nothing polls while requests are being sent, so the probe takes no CPU from
  the bot then. Each poll counts only the rows past the highest id the last one saw
  (`SELECT count(*), max(id) FROM answers WHERE id > ?`, an index range), so it costs the
  same in the last phase as in the first; a plain `count(*)` walks the whole table. The bot
  writes from one task, one transaction after another, so ids commit in order and the
  running count is exact; the figures use a full count before and after the phase all the
  same. Polling gives up when the count has not moved for 35 s (longer than the bot's pool
  timeout of 30 s, so an answer still waiting inside the bot is not called lost) or after
  180 s. A slice's time runs from its first send to the poll that saw its last row (so to
  within 5 ms of that commit); recorded/s is the phase's new rows divided by the sum of its
  slices' times. The ratio divides by the floor's acked/s at the same concurrency (its
  acks over the sum of its slices' times): the rate at which the bot could be handed work.
- bot CPU per answer: user+sys CPU of the bot process (/proc/<pid>/stat, utime+stime) from
  the phase's first send to the end of polling, divided by the answers recorded in it. The
  floor's CPU per event is measured the same way.
- peak RSS: VmHWM of the bot process (/proc/<pid>/status) after the phase: the peak since
  the process started, so the second phase includes the first.
- answers lost: events acked with 200 whose message (channel, ts) has no answer row once
  polling stops. It must be 0: Slack does not redeliver an acked event. The bot's log
  WARNING/ERROR lines and the private notes (chat.postEphemeral, where the apology goes)
  during the phase are counted beside it.

The bot's log is read continuously (so its pipe never fills) and summarised per phase.
The bot listens on 0.0.0.0 (its default); every request this module makes goes to
127.0.0.1. Loops are bounded in count and time; at the end the bot and the floor are
terminated (killed after 30 s), the servers closed, the temporary folder and the PostgreSQL
schema removed. Not part of the test suite. `--discord` adds the same measurement through
the Discord gateway path (bench/answers_discord.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.settings import PROJECT_ROOT
from tests.slack.fake_web_api import FakeSlackWebAPI, Posted
from tests.slack.slack_side import SIGNING_SECRET, sign

CHANNEL = "CPRACTICE"
LEAD = "ULEAD"
MEMBERS = [f"UMEMBER{i:02d}" for i in range(50)]
POSTGRES_URL = os.environ.get(
    "KATA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
).replace("postgresql+asyncpg://", "postgresql://")
"""The suite's PostgreSQL (README), in the form both asyncpg and DATABASE_URL accept."""
REQUEST_TIMEOUT = 10.0
SLACK_ACK_BUDGET = 3.0
POLL_SECONDS = 0.005
SLICES = 5
QUIET_SECONDS = 35.0
"""Longer than the bot's own waits (SQLite busy timeout 10 s, pool timeout 30 s), so an
answer still queued in the bot is not counted as lost."""
DRAIN_LIMIT = 180.0
START_LIMIT = 60.0
STOP_LIMIT = 30.0
SETUP_LIMIT = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------- the fake Slack


class BenchSlack(FakeSlackWebAPI):
    """The test fake with an indexed `reactions.add`: the test version scans every message,
    which at thousands of answers would make this process, not the bot, the bottleneck."""

    def __init__(self) -> None:
        super().__init__()
        self._member_ts: set[tuple[str, str]] = set()
        self._reacted: set[tuple[str, str, str]] = set()

    def member_message(self, channel: str, user: str, text: str, thread_ts: str | None) -> Posted:
        posted = super().member_message(channel, user, text, thread_ts)
        self._member_ts.add((channel, posted.ts))
        return posted

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (params["channel"], params["timestamp"], params["name"])
        if (key[0], key[1]) not in self._member_ts:
            return super()._reactions_add(params)
        if key in self._reacted:
            return {"ok": False, "error": "already_reacted"}
        self._reacted.add(key)
        self.reactions.append(key)
        return {"ok": True}


# ---------------------------------------------------------------------- processes


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Child:
    """A subprocess whose stderr is read line by line for as long as it runs."""

    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.lines.append(line.decode(errors="replace").rstrip())

    async def wait_for_line(self, mark: str, limit: float) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            for line in self.lines:
                if mark in line:
                    return line
            if self.proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        tail = "\n".join(self.lines[-20:])
        raise RuntimeError(f"no {mark!r} from pid {self.pid} within {limit:.0f} s:\n{tail}")

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), STOP_LIMIT)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self.reader is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.reader, 5)


async def spawn(args: Sequence[str], env: dict[str, str], cwd: Path) -> Child:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_")) and k not in ("DATABASE_URL", "PORT")
    }
    extra = os.environ.get("PYTHONPATH", "")  # a profiler's or a sitecustomize's
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env={
            **base,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), extra])),
            **env,
        },
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    child = Child(proc)
    child.reader = asyncio.create_task(child._read())
    return child


def slack_env(api: FakeSlackWebAPI) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": api.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.api_url,
        "PORT": "0",
    }


# ---------------------------------------------------------------------- the floor


async def serve_floor() -> None:
    """`--floor-server`: a bare bolt app that acks `message` events, until SIGTERM."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.event("message")
    async def acked(ack: Callable[[], Any]) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"floor listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    stopped = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    await stopped.wait()
    await runner.cleanup()


# ---------------------------------------------------------------------- sending


@dataclass
class Signed:
    body: bytes
    headers: dict[str, str]
    ts: str


@dataclass
class Blast:
    """What one burst of requests got back."""

    sent: int
    acked_ts: list[str]
    latencies: list[float]
    failures: dict[str, int]
    started: float
    ended: float

    @property
    def acked(self) -> int:
        return len(self.acked_ts)

    @property
    def per_second(self) -> float:
        return self.acked / max(self.ended - self.started, 1e-9)

    @property
    def late(self) -> int:
        return sum(1 for x in self.latencies if x > SLACK_ACK_BUDGET)

    @classmethod
    def joined(cls, parts: list[Blast]) -> Blast:
        """Slices taken in turn as one blast: `per_second` over the time spent sending."""
        busy = sum(part.ended - part.started for part in parts)
        failures: dict[str, int] = {}
        for part in parts:
            for kind, n in part.failures.items():
                failures[kind] = failures.get(kind, 0) + n
        return cls(
            sum(part.sent for part in parts),
            [ts for part in parts for ts in part.acked_ts],
            [x for part in parts for x in part.latencies],
            failures,
            parts[0].started,
            parts[0].started + busy,
        )

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def signed(body: str, content_type: str, ts: str = "") -> Signed:
    headers = {"Content-Type": content_type, **sign(SIGNING_SECRET, body, int(time.time()))}
    return Signed(body.encode(), headers, ts)


def message_events(api: BenchSlack, thread_ts: str, n: int, tag: str) -> list[Signed]:
    """`n` signed thread replies from the members in turn, recorded in the fake first."""
    out = []
    for i in range(n):
        user = MEMBERS[i % len(MEMBERS)]
        text = f"Offline NDCG at 10 and online click-through, point {i} of {tag}."
        posted = api.member_message(CHANNEL, user, text, thread_ts)
        event = {
            "type": "message",
            "channel": CHANNEL,
            "user": user,
            "text": text,
            "ts": posted.ts,
            "thread_ts": thread_ts,
            "event_ts": posted.ts,
            "channel_type": "channel",
        }
        body = {
            "token": "legacy-verification-token",
            "team_id": api.team_id,
            "api_app_id": "AKATA",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{tag}{i:08d}",
            "event_time": int(time.time()),
            "authed_users": [api.bot_user_id],
        }
        out.append(signed(json.dumps(body), "application/json", posted.ts))
    return out


async def blast(url: str, requests: list[Signed], concurrency: int) -> Blast:
    latencies: list[float] = []
    acked: list[str] = []
    failures: dict[str, int] = {}
    queue = iter(requests)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            for request in queue:
                t = time.perf_counter()
                try:
                    async with session.post(url, data=request.body, headers=request.headers) as r:
                        await r.read()
                        status = r.status
                except (aiohttp.ClientError, TimeoutError) as error:
                    failures[type(error).__name__] = failures.get(type(error).__name__, 0) + 1
                    continue
                latencies.append(time.perf_counter() - t)
                if status == 200:
                    acked.append(request.ts)
                else:
                    failures[f"HTTP {status}"] = failures.get(f"HTTP {status}", 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended = time.perf_counter()
    return Blast(len(requests), acked, latencies, failures, started, ended)


# ---------------------------------------------------------------------- the floor's run


@dataclass
class FloorRun:
    blast: Blast
    cpu_ms_per_event: float
    rss_mib: float

    @classmethod
    def joined(cls, parts: list[FloorRun]) -> FloorRun:
        acked = sum(part.blast.acked for part in parts)
        cpu = sum(part.cpu_ms_per_event * part.blast.acked for part in parts) / max(acked, 1)
        return cls(Blast.joined([p.blast for p in parts]), cpu, max(p.rss_mib for p in parts))


class FloorServer:
    """The ack-only floor, started once per target and blasted in turns with the bot's
    slices, so each ratio compares runs a fraction of a second apart on the same machine."""

    def __init__(self, api: BenchSlack, thread_ts: str, workdir: Path) -> None:
        self.api, self.thread_ts, self.workdir = api, thread_ts, workdir
        self.child: Child | None = None
        self.url = ""
        self.runs = 0

    async def start(self) -> None:
        self.child = await spawn(
            ["-m", "bench.answers", "--floor-server"], slack_env(self.api), self.workdir
        )
        line = await self.child.wait_for_line("floor listening on", START_LIMIT)
        self.url = f"http://{line.rsplit(' ', 1)[1]}/slack/events"
        warm = message_events(self.api, self.thread_ts, 50, "FW")
        await blast(self.url, warm, 8)  # the first request pays for auth.test

    async def measure(self, events: int, c: int) -> FloorRun:
        assert self.child is not None
        self.runs += 1
        requests = message_events(self.api, self.thread_ts, events, f"F{self.runs}-{c}")
        before = cpu_seconds(self.child.pid)
        result = await blast(self.url, requests, c)
        cpu = (cpu_seconds(self.child.pid) - before) * 1000 / max(result.acked, 1)
        return FloorRun(result, cpu, peak_rss_mib(self.child.pid))

    async def stop(self) -> None:
        if self.child is not None:
            await self.child.stop()


# ---------------------------------------------------------------------- the database


class AnswerRows:
    """Read-only access to the bot's `answers` table, from outside the bot."""

    def __init__(self) -> None:
        self._seen = 0
        self._last_id = 0

    async def count(self) -> int:
        """Every row, counted in full."""
        raise NotImplementedError

    async def count_new(self) -> tuple[int, int | None]:
        """(rows with an id past the last one seen, their highest id)."""
        raise NotImplementedError

    async def running_count(self) -> int:
        """The rows so far, counting only those added since the last call (see the module's
        note on polling)."""
        added, highest = await self.count_new()
        if highest is not None:
            self._seen += added
            self._last_id = highest
        return self._seen

    async def start_running_count(self) -> int:
        self._seen = await self.count()
        self._last_id = await self.highest_id()
        return self._seen

    async def highest_id(self) -> int:
        raise NotImplementedError

    async def message_ids(self) -> set[str]:
        raise NotImplementedError

    async def close(self) -> None:
        return None


class SqliteRows(AnswerRows):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        # Autocommit reads, no BEGIN: a reader holds its shared lock only for the statement.
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    async def count(self) -> int:
        rows = await asyncio.to_thread(self._query, "SELECT count(*) FROM answers")
        return int(rows[0][0])

    async def count_new(self) -> tuple[int, int | None]:
        sql = f"SELECT count(*), max(id) FROM answers WHERE id > {int(self._last_id)}"
        rows = await asyncio.to_thread(self._query, sql)
        return int(rows[0][0]), rows[0][1]

    async def highest_id(self) -> int:
        rows = await asyncio.to_thread(self._query, "SELECT coalesce(max(id), 0) FROM answers")
        return int(rows[0][0])

    async def message_ids(self) -> set[str]:
        rows = await asyncio.to_thread(self._query, "SELECT message_id FROM answers")
        return {str(r[0]) for r in rows}


class PostgresRows(AnswerRows):
    def __init__(self, conn: Any) -> None:
        super().__init__()
        self.conn = conn

    @classmethod
    async def connect(cls, schema: str) -> PostgresRows:
        import asyncpg

        conn = await asyncpg.connect(POSTGRES_URL, server_settings={"search_path": schema})
        return cls(conn)

    async def count(self) -> int:
        return int(await self.conn.fetchval("SELECT count(*) FROM answers"))

    async def count_new(self) -> tuple[int, int | None]:
        sql = "SELECT count(*), max(id) FROM answers WHERE id > $1"
        row = await self.conn.fetchrow(sql, self._last_id)
        return int(row[0]), row[1]

    async def highest_id(self) -> int:
        return int(await self.conn.fetchval("SELECT coalesce(max(id), 0) FROM answers"))

    async def message_ids(self) -> set[str]:
        return {str(r[0]) for r in await self.conn.fetch("SELECT message_id FROM answers")}

    async def close(self) -> None:
        await self.conn.close()


def with_search_path(schema: str) -> str:
    """The PostgreSQL URL the bot gets: its tables in `schema` (see bot.db.make_engine)."""
    return f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}search_path={schema}"


@contextlib.asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    import asyncpg

    schema = f"bench_answers_{os.getpid()}"
    conn = await asyncio.wait_for(asyncpg.connect(POSTGRES_URL), 5)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.execute(f"CREATE SCHEMA {schema}")
        yield schema
    finally:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.close()


# ---------------------------------------------------------------------- the real run


@dataclass
class Phase:
    concurrency: int
    repeat: int
    floor: FloorRun
    floor_slices: list[float]
    """The floor's acked/s in each of its slices."""
    blast: Blast
    recorded: int
    seconds_to_last_row: float
    lost: int
    cpu_ms_per_answer: float
    rss_mib: float
    apologies: int
    log_problems: list[str]

    @property
    def recorded_per_second(self) -> float:
        return self.recorded / max(self.seconds_to_last_row, 1e-9)

    @property
    def floor_per_second(self) -> float:
        return self.floor.blast.per_second

    @property
    def floor_cpu_ms(self) -> float:
        return self.floor.cpu_ms_per_event

    @property
    def ratio(self) -> float:
        return self.recorded_per_second / self.floor_per_second


def floor_first(turn: int) -> bool:
    """Who goes first in a turn alternates (floor, bot, bot, floor, floor, bot, ...): the
    second of two blasts in a row ran a few percent faster in `--self-check`, whichever
    server it was."""
    return turn % 2 == 0


async def drain(rows: AnswerRows, target: int) -> tuple[int, float]:
    """Poll the running row count (see the module's note) until it reaches `target` or stops
    moving; the count and the perf_counter time of the poll that first saw it."""
    count = await rows.running_count()
    last_count, last_change = count, time.perf_counter()
    deadline = time.perf_counter() + DRAIN_LIMIT
    while count < target and time.perf_counter() < deadline:
        await asyncio.sleep(POLL_SECONDS)
        count = await rows.running_count()
        now = time.perf_counter()
        if count != last_count:
            last_count, last_change = count, now
        elif now - last_change > QUIET_SECONDS:
            break
    return last_count, last_change


async def slash(url: str, api: BenchSlack, text: str) -> None:
    payload = {
        "token": "legacy-verification-token",
        "team_id": api.team_id,
        "team_domain": "kata",
        "channel_id": CHANNEL,
        "channel_name": "design-practice",
        "user_id": LEAD,
        "user_name": "lead",
        "command": "/kata",
        "text": text,
        "api_app_id": "AKATA",
        "is_enterprise_install": "false",
        "response_url": api.response_url(),
        "trigger_id": api.issue_trigger(),
    }
    answered = len(api.responses)
    result = await blast(url, [signed(urlencode(payload), "application/x-www-form-urlencoded")], 1)
    if result.acked != 1:
        raise RuntimeError(f"/kata {text}: not acked ({result.failures})")
    deadline = time.monotonic() + SETUP_LIMIT
    while time.monotonic() < deadline:
        if len(api.responses) > answered:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"/kata {text}: no reply within {SETUP_LIMIT:.0f} s")


async def open_round(url: str, api: BenchSlack) -> str:
    """Set the channel up, post a round and its first stage; the round's thread ts."""
    await slash(url, api, "setup 09:00 UTC daily")
    await slash(url, api, "pace manual")
    await slash(url, api, "now")
    prompts = [m for m in api.bot_posts(CHANNEL) if m.thread_ts is None and m.blocks]
    if not prompts:
        raise RuntimeError(f"/kata now posted no round: {api.responses[-1:]}")
    await slash(url, api, "next")  # the first stage: answers count for the latest one
    deadline = time.monotonic() + SETUP_LIMIT
    while time.monotonic() < deadline:
        if api.bot_replies(CHANNEL, prompts[-1].ts):
            return prompts[-1].ts
        await asyncio.sleep(0.05)
    raise RuntimeError("the round's first stage was not posted")


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\w*: ")
"""The last line of a traceback in the bot's log: the exception and its message."""


def problems_in(lines: list[str]) -> list[str]:
    """The log's WARNING and ERROR lines, and the exceptions their tracebacks end with."""
    return [
        line
        for line in lines
        if " WARNING " in line or " ERROR " in line or EXCEPTION_LINE.match(line)
    ]


async def measure_real(
    api: BenchSlack,
    floor: FloorServer,
    database_url: str,
    rows: AnswerRows,
    events: int,
    concurrencies: list[int],
    repeats: int,
    workdir: Path,
    slices: int = SLICES,
) -> tuple[str, list[Phase]]:
    env = {**slack_env(api), "DATABASE_URL": database_url, "LOG_LEVEL": "INFO"}
    child = await spawn(["-m", "kata.cli", "run"], env, workdir)
    try:
        await child.wait_for_line("Slack adapter started", START_LIMIT)
        line = await child.wait_for_line("HTTP: listening on", START_LIMIT)
        port = line.rsplit(":", 1)[1].strip()
        url = f"http://127.0.0.1:{port}/slack/events"
        thread_ts = await open_round(url, api)
        phases = []
        for repeat in range(1, repeats + 1):
            for c in concurrencies:
                requests = message_events(api, thread_ts, events, f"R{repeat}-{c}")
                cuts = [len(requests) * k // slices for k in range(slices + 1)]
                parts = [requests[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
                start_count = await rows.start_running_count()
                log_mark, notes_mark = len(child.lines), len(api.ephemerals)
                floors: list[FloorRun] = []
                sent: list[Blast] = []
                cpu = seconds_to_last_row = 0.0
                for turn, part in enumerate(parts):
                    if floor_first(turn):
                        floors.append(await floor.measure(len(part), c))
                    cpu_before = cpu_seconds(child.pid)
                    target = await rows.running_count()
                    result = await blast(url, part, c)
                    _, last_change = await drain(rows, target + result.acked)
                    cpu += cpu_seconds(child.pid) - cpu_before
                    seconds_to_last_row += last_change - result.started
                    sent.append(result)
                    if not floor_first(turn):
                        floors.append(await floor.measure(len(part), c))
                result = Blast.joined(sent)
                stored = await rows.message_ids()
                recorded = await rows.count() - start_count
                phases.append(
                    Phase(
                        concurrency=c,
                        repeat=repeat,
                        floor=FloorRun.joined(floors),
                        floor_slices=[f.blast.per_second for f in floors],
                        blast=result,
                        recorded=recorded,
                        seconds_to_last_row=seconds_to_last_row,
                        lost=sum(1 for ts in result.acked_ts if ts not in stored),
                        cpu_ms_per_answer=cpu * 1000 / max(recorded, 1),
                        rss_mib=peak_rss_mib(child.pid),
                        apologies=len(api.ephemerals) - notes_mark,
                        log_problems=problems_in(child.lines[log_mark:]),
                    )
                )
        return thread_ts, phases
    finally:
        await child.stop()


# ---------------------------------------------------------------------- report


def floor_line(phase: Phase) -> str:
    b, c, slices = phase.floor.blast, phase.concurrency, phase.floor_slices
    return (
        f"  floor c={c:<3} {b.per_second:7.0f} acked/s ({b.acked}/{b.sent}) over "
        f"{len(slices)} slices ({min(slices):.0f}-{max(slices):.0f}/s), "
        f"ack p50 {b.percentile(0.5):.1f} ms p99 {b.percentile(0.99):.1f} ms, "
        f"CPU {phase.floor.cpu_ms_per_event:.2f} ms/event, peak RSS {phase.floor.rss_mib:.0f} MiB"
    )


def report(target: str, events: int, phases: list[Phase]) -> None:
    print(f"== {target}: {events} events per phase, {len(MEMBERS)} members")
    for phase in phases:
        c, b = phase.concurrency, phase.blast
        floor = phase.floor_per_second
        print(f"-- c={c}, run {phase.repeat}")
        print(floor_line(phase))
        failures = ", ".join(f"{k} {v}" for k, v in sorted(b.failures.items())) or "none"
        print(
            f"  real  c={c:<3} events acked {b.acked}/{b.sent} ({b.late} later than 3 s; "
            f"not acked: {failures}): {b.per_second:.0f} acked/s, "
            f"ratio to floor {b.per_second / floor:.2f} (floor {floor:.0f}/s)"
        )
        print(f"        ack p50 {b.percentile(0.5):.1f} ms, p99 {b.percentile(0.99):.1f} ms")
        print(
            f"        answers recorded {phase.recorded} in {phase.seconds_to_last_row:.2f} s: "
            f"{phase.recorded_per_second:.1f}/s, ratio to floor {phase.ratio:.3f}"
        )
        print(
            f"        bot CPU {phase.cpu_ms_per_answer:.2f} ms/answer "
            f"(floor {phase.floor_cpu_ms:.2f} ms/event), bot peak RSS {phase.rss_mib:.0f} MiB"
        )
        print(
            f"        answers lost: {phase.lost} (acked 200 but not in the database); "
            f"private notes sent {phase.apologies}; bot log WARNING/ERROR lines "
            f"{sum(1 for x in phase.log_problems if not EXCEPTION_LINE.match(x))}"
        )
        for line in summarise(phase.log_problems):
            print(f"          {line}")
    for c in sorted({p.concurrency for p in phases}):
        mine = [p for p in phases if p.concurrency == c]
        ratios = sorted(p.ratio for p in mine)
        cpu = statistics.median(p.floor_cpu_ms / p.cpu_ms_per_answer for p in mine)
        print(
            f"  SUMMARY {target} c={c}: recorded/floor median {statistics.median(ratios):.3f} "
            f"(runs {', '.join(f'{r:.2f}' for r in ratios)}; goal >= 0.85), "
            f"floor CPU / bot CPU median {cpu:.2f}, "
            f"answers lost {sum(p.lost for p in mine)} of {sum(p.blast.acked for p in mine)}"
        )


def summarise(lines: list[str], most: int = 6) -> list[str]:
    """The distinct problems in a log, each once with its count, without timestamps."""
    counts: dict[str, int] = {}
    for line in lines:
        key = line.split(" WARNING ", 1)[-1].split(" ERROR ", 1)[-1][:120]
        counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: -kv[1])
    return [f"{n} x {text}" for text, n in ordered[:most]]


# ---------------------------------------------------------------------- main


async def team_in_fake_slack() -> tuple[BenchSlack, Path, str]:
    """The fake Slack with the channel, its lead and 50 members; a temporary folder; and
    the thread the floor's events reply in."""
    api = BenchSlack()
    await api.start()
    api.add_channel(CHANNEL)
    api.add_user(LEAD, "Lea", admin=True)
    for i, user in enumerate(MEMBERS):
        api.add_user(user, f"Member{i:02d}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-answers-"))
    return api, workdir, api.member_message(CHANNEL, LEAD, "floor thread", None).ts


async def run_target(
    target: str, events: int, concurrencies: list[int], repeats: int, slices: int = SLICES
) -> None:
    api, workdir, floor_thread = await team_in_fake_slack()
    floor = FloorServer(api, floor_thread, workdir)
    try:
        await floor.start()
        if target == "sqlite":
            path = workdir / "kata.db"
            _, phases = await measure_real(
                api,
                floor,
                f"sqlite:///{path}",
                SqliteRows(path),
                events,
                concurrencies,
                repeats,
                workdir,
                slices,
            )
        else:
            async with postgres_schema() as schema:
                rows = await PostgresRows.connect(schema)
                try:
                    url = with_search_path(schema)
                    _, phases = await measure_real(
                        api, floor, url, rows, events, concurrencies, repeats, workdir, slices
                    )
                finally:
                    await rows.close()
        report(target, events, phases)
        if api.problems:
            print(f"  fake Slack saw {len(api.problems)} problems, first: {api.problems[0]}")
    finally:
        await floor.stop()
        await api.close()
        shutil.rmtree(workdir, ignore_errors=True)


async def postgres_reason() -> str | None:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(POSTGRES_URL), 3)
        await conn.close()
    except Exception as error:  # any failure means: no usable PostgreSQL here
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {error!r}"
    return None


async def self_check(events: int, concurrencies: list[int], repeats: int, slices: int) -> None:
    """The method checked on itself: a second floor stands in for the bot, so every ratio
    should be 1. Each repeat measures it both ways, the floor blasted before and after a
    whole phase (as this bench did first) and in turns of `slices`, so the spread of each
    way shows how far one run can stray by the machine alone."""
    api, workdir, thread = await team_in_fake_slack()
    floor, stand_in = FloorServer(api, thread, workdir), FloorServer(api, thread, workdir)
    try:
        await floor.start()
        await stand_in.start()
        for c in concurrencies:
            around, turns = [], []
            for _ in range(repeats):
                before = await floor.measure(events, c)
                whole = await stand_in.measure(events, c)
                after = await floor.measure(events, c)
                mean = statistics.mean([before.blast.per_second, after.blast.per_second])
                around.append(whole.blast.per_second / mean)
                size = events // slices
                floors, mine = [], []
                for turn in range(slices):
                    if floor_first(turn):
                        floors.append(await floor.measure(size, c))
                    mine.append(await stand_in.measure(size, c))
                    if not floor_first(turn):
                        floors.append(await floor.measure(size, c))
                joined = FloorRun.joined(mine).blast.per_second
                turns.append(joined / FloorRun.joined(floors).blast.per_second)
            for name, ratios in (("before and after", around), (f"{slices} turns", turns)):
                ordered = sorted(ratios)
                print(
                    f"  SELF-CHECK c={c}, floor {name}: median {statistics.median(ordered):.3f}, "
                    f"runs {', '.join(f'{r:.2f}' for r in ordered)} (should be 1)"
                )
    finally:
        await stand_in.stop()
        await floor.stop()
        await api.close()
        shutil.rmtree(workdir, ignore_errors=True)


async def main(args: argparse.Namespace) -> None:
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if args.self_check:
        await self_check(args.events, concurrencies, args.repeats, args.slices)
        return
    targets = ["sqlite"]
    if args.postgres:
        reason = await postgres_reason()
        if reason:
            print(f"postgres skipped: {reason}")
        else:
            targets.append("postgres")
    for target in targets:
        await run_target(target, args.events, concurrencies, args.repeats, args.slices)
    if args.discord:
        from bench.answers_discord import run_discord

        for target in targets:
            await run_discord(target, args.events)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.answers", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--events", type=int, default=10000, help="events per phase")
    parser.add_argument("--concurrency", default="8,32", help="comma-separated, e.g. 8,32")
    parser.add_argument(
        "--repeats", type=int, default=5, help="real phases per concurrency (median reported)"
    )
    parser.add_argument(
        "--discord", action="store_true", help="also the Discord variant (bench/answers_discord.py)"
    )
    parser.add_argument(
        "--slices", type=int, default=SLICES, help="turns per phase, bot and floor alternating"
    )
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="a second floor in the bot's place, measured both ways: every ratio should be 1",
    )
    parser.add_argument("--floor-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--discord-floor-server", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.floor_server:
        asyncio.run(serve_floor())
    elif arguments.discord_floor_server:
        from bench.answers_discord import serve_floor as serve_discord_floor

        asyncio.run(serve_discord_floor())
    else:
        asyncio.run(main(arguments))
