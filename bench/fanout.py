"""The morning fan-out (issue 8): N channels due at the same minute, posted by 1 or 2 worker
processes, with and without a worker killed half-way.

    python -m bench.fanout [--channels 1000,10000] [--no-postgres] [--no-sqlite] [--crash]

Per database and channel count, this command:

1. creates a fresh database (a SQLite file in a temporary folder; a fresh PostgreSQL schema,
   dropped at the end), migrates it, and inserts N configured channels (09:00 UTC daily, one
   workspace) with executemany: the fixture, not measured;
2. measures **start-up**: a fresh core plans every channel's next round (`Kata.start` without
   working), while a ticker task notes the longest time the event loop went without running
   it; reported as seconds and the longest block in ms;
3. measures the **floor**: inserting N rows of a plain two-column table in one transaction
   (a bare insert) — the least a round can cost, measured in the same run;
4. runs the fan-out: worker processes (`tests/support/fanout_worker.py`: a real core with a
   frozen clock at 09:00:05 and a zero-latency platform that stores each post in a table) —
   one worker (SQLite, PostgreSQL) and two workers racing (PostgreSQL). With `--crash`, the
   first worker is killed (SIGKILL) after posting N/2 prompts, before it hears back; on
   PostgreSQL the second worker keeps going meanwhile; then a worker started after the
   leases ran out (clock 09:03:30) finishes. With `--crash`, channels use pacing `all` up to
   `--stages-up-to` channels (so ten stages each must arrive too), `manual` above it and
   without `--crash` (one prompt per channel).

Figures: rounds posted (must be N), duplicate posts by work key (must be 0), rounds left
without a thread or work left unfinished (must be 0), wall time, bot CPU per channel (user+sys
of the workers from their start signal to the end, divided by N; without `--crash` the fake
platform keeps its posts in memory until then, so its own writes are not counted), the
floor's CPU per row and the ratio,
peak RSS of the largest worker, and how the per-channel cost changes from the smallest N to
the largest.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text

from bot.clock import FakeClock
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import ManualJobQueue
from bot.kinds import Pacing
from bot.migrate import upgrade
from bot.models import Channel, Round, WorkItem, Workspace
from bot.settings import PROJECT_ROOT
from tests.support import table_chat
from tests.support.harness import content

NINE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BEFORE = NINE - timedelta(hours=1)
PG_BASE = os.environ.get(
    "KATA_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Result:
    label: str
    channels: int
    rounds: int
    duplicates: int
    orphans: int
    wall: float
    cpu: float
    rss_kb: int
    floor_cpu: float
    startup: float
    max_block_ms: float

    def line(self) -> str:
        per = self.cpu / self.channels * 1000
        floor = self.floor_cpu / self.channels * 1000
        return (
            f"{self.label:<28} N={self.channels:>6}  rounds={self.rounds:>6}  "
            f"dup={self.duplicates}  orphans={self.orphans}  wall={self.wall:6.1f}s  "
            f"cpu/ch={per:6.2f}ms  "
            f"floor/row={floor:5.3f}ms  ratio={per / floor if floor else 0:6.1f}x  "
            f"rss={self.rss_kb / 1024:5.0f}MB  start={self.startup:4.2f}s  "
            f"block={self.max_block_ms:5.1f}ms"
        )


async def seed(url: str, n: int, pacing: Pacing) -> None:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        ws = (
            await conn.execute(
                insert(Workspace)
                .values(platform=table_chat.PLATFORM, external_id="W1", created_at=BEFORE)
                .returning(Workspace.id)
            )
        ).scalar_one()
        rows = [
            {
                "workspace_id": ws,
                "external_id": f"C{i}",
                "name": f"c{i}",
                "configured": True,
                "post_time": clock_time(9, 0),
                "timezone": "UTC",
                "weekdays": 0b1111111,
                "pacing": pacing,
                "drip_minutes": 60,
                "paused": False,
                "tag_filter": [],
                "difficulty_filter": [],
                "created_at": BEFORE,
            }
            for i in range(n)
        ]
        for start in range(0, n, 2000):
            await conn.execute(insert(Channel), rows[start : start + 2000])
    await table_chat.create(engine)
    await engine.dispose()


async def measure_startup(url: str) -> tuple[float, float]:
    """Seconds for a fresh core to plan every channel, and the longest loop block (ms)."""
    engine = make_engine(url)
    kata = Kata(make_sessions(engine), content(), FakeClock(BEFORE), ManualJobQueue())
    kata.attach(table_chat.TableChat(engine, "startup"))
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    await kata.start(work=False)
    took = time.perf_counter() - started
    done.set()
    await tick
    await engine.dispose()
    return took, max(gaps, default=0.0) * 1000


async def measure_floor(url: str, n: int) -> float:
    """CPU seconds to insert n plain rows in one transaction: the bare insert."""
    engine = make_engine(url)
    table = Table(
        f"floor_{uuid.uuid4().hex[:6]}",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("v", String(40)),
    )
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
    before = resource.getrusage(resource.RUSAGE_SELF)
    async with engine.begin() as conn:
        await conn.execute(insert(table), [{"v": f"row {i}"} for i in range(n)])
    after = resource.getrusage(resource.RUSAGE_SELF)
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.drop_all)
    await engine.dispose()
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def spawn(url: str, name: str, at: datetime, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.fanout_worker", url, name, at.isoformat(), *extra],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def run_workers(procs: list[subprocess.Popen[str]]) -> list[tuple[float, int]]:
    """Start them together; (cpu seconds, max rss kB) of each that finished (not killed)."""
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    out = []
    for proc in procs:
        stdout, _ = proc.communicate(timeout=3600)
        if proc.returncode == 0 and stdout.startswith("done"):
            _, _, cpu, rss = stdout.split()
            out.append((float(cpu), int(rss)))
    return out


async def verdict(url: str) -> tuple[int, int, int]:
    """(rounds with a thread, duplicate posts, orphans: rounds without a thread, rounds paced
    `all` missing a stage, and work left due)."""
    engine = make_engine(url)
    async with engine.connect() as conn:
        rounds = await conn.scalar(
            select(func.count()).select_from(Round).where(Round.thread_id.is_not(None))
        )
        threadless = await conn.scalar(
            select(func.count()).select_from(Round).where(Round.thread_id.is_(None))
        )
        short = await conn.scalar(
            select(func.count())
            .select_from(Round)
            .where(Round.pacing == Pacing.ALL, Round.stages_posted < len(content().stages))
        )
        left = await conn.scalar(
            select(func.count())
            .select_from(WorkItem)
            .where(
                WorkItem.done_at.is_(None),
                WorkItem.dead_at.is_(None),
                WorkItem.due_at <= NINE + timedelta(minutes=3),
            )
        )
    dups = await table_chat.duplicates(engine)
    await engine.dispose()
    orphans = (threadless or 0) + (left or 0) + (short or 0)
    return rounds or 0, sum(n - 1 for n in dups.values()), orphans


async def one(url: str, label: str, n: int, workers: int, crash: bool, stages: bool) -> Result:
    await seed(url, n, Pacing.ALL if stages else Pacing.MANUAL)
    startup, block = await measure_startup(url)
    again, again_block = await measure_startup(url)  # a restart: the plan is already there
    print(
        f"  start-up with nothing planned {startup:.2f} s (block {block:.0f} ms); "
        f"restart with the plan in place {again:.2f} s (block {again_block:.0f} ms)",
        flush=True,
    )
    floor = await measure_floor(url, n)
    at = (NINE + timedelta(seconds=5)).astimezone(UTC)
    started = time.perf_counter()
    procs = [
        spawn(
            url,
            f"w{i}",
            at,
            *(["--kill-after", str(n // 2)] if crash and i == 0 else []),
            *([] if crash else ["--buffered"]),
        )
        for i in range(workers)
    ]
    stats = await asyncio.to_thread(run_workers, procs)
    if crash:
        stats += await asyncio.to_thread(
            run_workers, [spawn(url, "after", NINE + timedelta(minutes=3, seconds=30))]
        )
    wall = time.perf_counter() - started
    rounds, dups, orphans = await verdict(url)
    return Result(
        label,
        n,
        rounds,
        dups,
        orphans,
        wall,
        sum(c for c, _ in stats),
        max((r for _, r in stats), default=0),
        floor,
        startup,
        block,
    )


async def _one_at(
    url: str, *, title: str, n: int, workers: int, crash: bool, stages: bool
) -> Result:
    return await one(url, title, n, workers, crash, stages)


async def with_database(kind: str, run):  # type: ignore[no-untyped-def]
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            return await run(f"sqlite+aiosqlite:///{Path(folder) / 'kata.db'}")
    schema = f"bench_fanout_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_BASE)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        return await run(f"{PG_BASE}?search_path={schema}")
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


async def main(args: argparse.Namespace) -> None:
    counts = [int(c) for c in args.channels.split(",")]
    plans = []
    if not args.no_sqlite:
        plans.append(("sqlite", "SQLite, 1 worker", 1))
    if not args.no_postgres:
        plans += [("postgres", "PostgreSQL, 1 worker", 1), ("postgres", "PostgreSQL, 2 workers", 2)]
    results: list[Result] = []
    for kind, label, workers in plans:
        for n in counts:
            stages = args.crash and n <= args.stages_up_to
            title = label + (", crash" if args.crash else "") + (", stages" if stages else "")
            result = await with_database(
                kind,
                functools.partial(
                    _one_at, title=title, n=n, workers=workers, crash=args.crash, stages=stages
                ),
            )
            print(result.line(), flush=True)
            results.append(result)
    for _, label, _ in plans:
        mine = [r for r in results if r.label.startswith(label)]
        if len(mine) >= 2:
            small, big = mine[0], mine[-1]
            growth = (big.cpu / big.channels) / (small.cpu / small.channels) if small.cpu else 0
            print(
                f"{label}: cost per channel at N={big.channels} is {growth:.2f}x "
                f"that at N={small.channels}"
            )
    bad = [r for r in results if r.rounds != r.channels or r.duplicates or r.orphans]
    print("ALL CHANNELS POSTED ONCE" if not bad else f"PROBLEMS: {[r.label for r in bad]}")


def parser_for() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--channels", default="1000,10000")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--crash", action="store_true")
    parser.add_argument(
        "--stages-up-to",
        type=int,
        default=1000,
        help="with --crash, channels use pacing all (ten stages each) up to this N",
    )
    return parser


if __name__ == "__main__":
    asyncio.run(main(parser_for().parse_args()))
