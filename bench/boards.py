"""Boards, stats, streak, App Home, member lookup and channel export at issue 10's scale.

    python -m bench.boards [--postgres] [--scale 0.01] [--samples 20]

The data set (bench/board_data.py: at scale 1, 100k members, 1k channels, 100k rounds,
~1.1M answers, ~1.8M point events, 200k reviews) is generated once per scale and kept: the
SQLite file under `~/.cache/design-kata/` (or `$XDG_CACHE_HOME`), the PostgreSQL schema
`kata_boards_<scale>` in the suite's database (`KATA_TEST_POSTGRES_URL`, else
postgres@127.0.0.1/test). Then every variant runs through the real core (`Kata.handle` with
the command a member would type, `Kata.home` for the App Home; the member lookup calls
`directory.find_member`, which `feedback <name>` uses), as a member of a busy channel, at the
evening of the last practice day: two warm-up calls, then `--samples` timed calls. Printed per
variant and database: p50 and p95 in milliseconds and SQL statements per call (counted with
SQLAlchemy's `before_cursor_execute`; SQLite's
`BEGIN IMMEDIATE` is not counted). The floor, measured in the same run, is `SELECT 1`
through the same engine: the cost of one statement round trip. The goal is p95 < 50 ms with
at most 5 statements. Not part of the test suite.

`stats` is timed whole (its calendar and radar drawn with matplotlib in a worker thread) and
with the drawing replaced by a stub (`stats (SQL, not drawn)`). Before the variants, the
first ask of the workspace month board is timed once: on a fresh data set it registers the
zone's weeks and months and fills them from the rows (`bot.board_periods`); on a data set a
run already used, it finds them kept. Like `kata run` after start-up, the process freezes
what it built before timing (`gc.freeze()`), so full garbage collections skip it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import board_data
from bot import directory, picture_data
from bot.chat import Actor, ChannelRef, CommandInvoked, Picture, UserRef
from bot.clock import FakeClock
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import ManualJobQueue
from bot.migrate import alembic_config, upgrade
from bot.models import BoardPeriod, Member
from tests.conftest import POSTGRES_URL, postgres_unavailable
from tests.support.harness import content

CHANNEL = "C00001"
WORKSPACE = "T0001"


def dataset_key(scale: float) -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    return f"scale{scale:g}-v{board_data.GENERATOR_VERSION}-rev{head}"


def cache_dir() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "design-kata"


def sqlite_dataset(scale: float) -> str:
    """The cached SQLite file for `scale`, generated first if missing."""
    path = cache_dir() / f"boards-{dataset_key(scale)}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        began = time.perf_counter()
        upgrade(f"sqlite:///{partial}")
        counts = board_data.fill_sqlite(partial, board_data.Shape.at(scale))
        partial.rename(path)
        print(f"generated {path} in {time.perf_counter() - began:.0f} s: {counts}")
    return f"sqlite+aiosqlite:///{path}"


def _dsn() -> str:
    return POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://").split("?")[0]


def schema_name(scale: float) -> str:
    return "kata_boards_" + f"{scale:g}".replace(".", "_").replace("-", "_")


async def _marked(schema: str) -> str | None:
    import asyncpg

    conn = await asyncpg.connect(_dsn())
    try:
        exists = await conn.fetchval(
            "SELECT to_regclass($1) IS NOT NULL", f"{schema}.bench_dataset"
        )
        return await conn.fetchval(f"SELECT key FROM {schema}.bench_dataset") if exists else None
    finally:
        await conn.close()


async def _recreate(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_dsn())
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await conn.execute(f"CREATE SCHEMA {schema}")
    finally:
        await conn.close()


async def _fill(schema: str, scale: float, key: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(_dsn())
    try:
        counts = await board_data.fill_postgres(conn, schema, board_data.Shape.at(scale))
        await conn.execute(f"CREATE TABLE {schema}.bench_dataset (key text)")
        await conn.execute(f"INSERT INTO {schema}.bench_dataset VALUES ($1)", key)
        return counts
    finally:
        await conn.close()


def postgres_dataset(scale: float) -> str:
    """The cached PostgreSQL schema for `scale`, generated first if missing or stale."""
    schema, key = schema_name(scale), dataset_key(scale)
    url = f"{POSTGRES_URL.split('?')[0]}?search_path={schema}"
    if asyncio.run(_marked(schema)) != key:
        began = time.perf_counter()
        asyncio.run(_recreate(schema))
        upgrade(url)
        counts = asyncio.run(_fill(schema, scale, key))
        print(f"generated schema {schema} in {time.perf_counter() - began:.0f} s: {counts}")
    return url


@dataclass
class Figures:
    p50: float
    p95: float
    statements: float
    note: str = ""


class StatementCounter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        """Counts queries; SQLite's `BEGIN IMMEDIATE` (sent as SQL by bot.db) is not one."""
        if not statement.startswith("BEGIN"):
            self.count += 1


async def measure(
    call: Callable[[], Awaitable[Any]], counter: StatementCounter, samples: int
) -> Figures:
    for _ in range(2):
        await call()
    times, statements = [], []
    for _ in range(samples):
        before = counter.count
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
        statements.append(counter.count - before)
    times.sort()
    return Figures(
        statistics.median(times),
        times[math.ceil(0.95 * len(times)) - 1],
        statistics.mean(statements),
    )


def variants(kata: Kata, member: Actor, admin: Actor, lookup: str) -> dict[str, Callable]:
    where = ChannelRef("slack", WORKSPACE, CHANNEL)

    def command(actor: Actor, line: str) -> Callable[[], Awaitable[Any]]:
        async def run() -> None:
            outcome = await kata.handle(CommandInvoked(where, actor, line))
            text_out = outcome.replies[0].message.plain_text() if outcome.replies else ""
            assert "went wrong" not in text_out.lower(), text_out

        return run

    found: dict[str, Callable] = {}
    for scope in ("channel", "workspace"):
        for kind in ("points", "reviews", "streak"):
            for period in ("week", "month", "all") if kind != "streak" else ("all",):
                wide = " workspace" if scope == "workspace" else ""
                words = f"leaderboard {kind} {period}{wide}"
                label = f"{kind} board, {scope}" + (f", {period}" if kind != "streak" else "")
                found[label] = command(member, words)
    found["stats"] = command(member, "stats")
    stats = command(member, "stats")

    async def stats_not_drawn() -> None:
        drawing = picture_data.draw_later
        picture_data.draw_later = not_drawn  # type: ignore[assignment]
        try:
            await stats()
        finally:
            picture_data.draw_later = drawing

    found["stats (SQL, not drawn)"] = stats_not_drawn
    found["streak"] = command(member, "streak")

    async def home() -> None:
        await kata.home(member)

    async def find() -> None:
        async with kata.sessions() as session:
            assert await directory.find_member(session, 1, lookup) is not None

    found["App Home"] = home
    found["feedback <display name> (lookup)"] = find
    found["export channel"] = command(admin, "export channel")
    return found


async def not_drawn(*_args: Any, **_kwargs: Any) -> Picture:
    return Picture(b"", "not drawn", "stub.png")


async def first_ask(kata: Kata, member: Actor, counter: StatementCounter) -> Figures:
    """The workspace month board asked once, before any warm-up; its label says whether it
    registered the zone's periods."""
    async with kata.sessions() as session:
        kept = await session.scalar(select(func.count()).select_from(BoardPeriod))
    where = ChannelRef("slack", WORKSPACE, CHANNEL)
    before = counter.count
    began = time.perf_counter()
    await kata.handle(CommandInvoked(where, member, "leaderboard points month workspace"))
    took = (time.perf_counter() - began) * 1000
    return Figures(took, took, counter.count - before, "registers" if not kept else "kept")


async def run_on(url: str, samples: int) -> dict[str, Figures]:
    engine = make_engine(url)
    counter = StatementCounter(engine)
    kata = Kata(make_sessions(engine), content(), FakeClock(board_data.NOW), ManualJobQueue())
    try:
        async with kata.sessions() as session:
            busy = await session.get(Member, 1)
            other = await session.scalar(select(Member).where(Member.id == 4242 % 100 + 2))
            assert busy is not None and other is not None
            member = Actor(UserRef("slack", WORKSPACE, busy.external_id), busy.display_name)
            admin = Actor(member.user, busy.display_name, is_admin=True)
            lookup = other.display_name.upper()

        async def floor() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        gc.collect()
        gc.freeze()  # as `kata run` does once started (kata/app.py)
        first = await first_ask(kata, member, counter)
        figures = {"floor: SELECT 1": await measure(floor, counter, samples)}
        figures[f"first ask, points board, workspace, month ({first.note})"] = first
        for label, call in variants(kata, member, admin, lookup).items():
            figures[label] = await measure(call, counter, samples)
        return figures
    finally:
        await kata.close()
        await engine.dispose()


def report(results: dict[str, dict[str, Figures]]) -> None:
    names = list(results)
    header = (
        "| variant | " + " | ".join(f"{n} p50 ms | {n} p95 ms | {n} stmts" for n in names) + " |"
    )
    print(header)
    print("|" + "---|" * (1 + 3 * len(names)))
    labels = [label for label in next(iter(results.values())) if not label.startswith("first")]
    for label in labels:
        cells = []
        for n in names:
            f = results[n][label]
            cells += [f"{f.p50:.1f}", f"{f.p95:.1f}", f"{f.statements:g}"]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for n in names:
        for label, f in results[n].items():
            if label.startswith("first"):
                print(f"{n}: {label}: {f.p50:.0f} ms, {f.statements:g} statements (once)")
    for n in names:
        rows = {k: v for k, v in results[n].items() if not k.startswith(("floor", "first"))}
        floor = results[n]["floor: SELECT 1"].p50
        worst = max(rows.items(), key=lambda item: item[1].p95)
        over = [k for k, v in rows.items() if v.p95 >= 50 or v.statements > 5]
        print(
            f"{n}: worst p95 {worst[1].p95:.1f} ms ({worst[0]}), "
            f"{worst[1].p95 / floor:.0f}x the SELECT 1 floor; "
            f"over the goal (p95 >= 50 ms or > 5 statements): {', '.join(over) or 'none'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = issue 10's data set")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    targets = {"SQLite": sqlite_dataset(args.scale)}
    if args.postgres:
        reason = postgres_unavailable()
        if reason:
            raise SystemExit(reason)
        targets["PostgreSQL"] = postgres_dataset(args.scale)
    results = {name: asyncio.run(run_on(url, args.samples)) for name, url in targets.items()}
    print(f"scale {args.scale:g}, {args.samples} samples per variant")
    report(results)


if __name__ == "__main__":
    main()
