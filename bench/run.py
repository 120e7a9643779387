"""Benchmarks for the core: `python -m bench.run` (add `--postgres` to include PostgreSQL).

Figures printed, all measured in this run:
- daily fan-out: posting the day's round in many channels at once (rounds per second, and
  the per-channel cost at 50 vs 400 channels: ~1.0 means it scales linearly);
- answer ingest: thread replies per second through `Kata.handle`, against a bare ORM insert of
  the same rows (the ratio is the core's overhead: dedupe, stage lookup, points, streaks);
- leaderboards: a weekly and an all-time points board over 20k point events, and the ratio;
- memory: peak Python allocation during the 400-channel fan-out, per channel.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from bot.chat import CommandInvoked, MessagePosted, MessageRef
from bot.kinds import AnswerSource, PointKind
from bot.models import Answer, Channel, Member, PointEvent, Round
from tests.conftest import POSTGRES_TEST_URL, _postgres_schema, postgres_unavailable
from tests.support.harness import Harness, make_harness
from tests.support.memory_chat import MemoryChat


async def fan_out(url: str, channels: int, trace: bool = False) -> tuple[float, float]:
    """Seconds to post one round in each of `channels` channels; with `trace`, the peak MiB
    allocated instead (tracing slows Python down, so time and memory are separate runs)."""
    h = await make_harness(url)
    chat = MemoryChat(h.kata)
    lead = chat.member("lea", admin=True)
    h.clock.set(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    for i in range(channels):
        await h.kata.handle(
            CommandInvoked(chat.channel(f"C{i}"), lead, "setup 09:00 Europe/Berlin mon-fri")
        )
        await h.kata.handle(CommandInvoked(chat.channel(f"C{i}"), lead, "pace manual"))
    h.clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    await h.run_due()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    assert len(chat.prompts()) == channels
    await h.close()
    return elapsed, peak


async def _round(h: Harness, chat: MemoryChat) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 UTC daily")
    await chat.command(lead, "pace all")
    await chat.command(lead, "now")


async def ingest(url: str, n: int) -> tuple[float, float]:
    """Answers per second through the core, and through a bare insert of the same rows."""
    h = await make_harness(url)
    chat = MemoryChat(h.kata)
    await _round(h, chat)
    thread = chat.latest_thread()
    members = [chat.member(f"m{i}") for i in range(50)]
    started = time.perf_counter()
    for i in range(n):
        ref = MessageRef(thread.channel, f"msg{i}", thread)
        await h.kata.handle(MessagePosted(ref, members[i % 50], f"metrics: answer {i}"))
    through_core = n / (time.perf_counter() - started)

    async with h.kata.sessions.begin() as session:
        rnd = await session.scalar(select(Round))
        member_ids = (await session.scalars(select(Member.id))).all()
    started = time.perf_counter()
    for i in range(n):
        async with h.kata.sessions.begin() as session:
            session.add(
                Answer(
                    workspace_id=rnd.workspace_id,
                    channel_id=rnd.channel_id,
                    round_id=rnd.id,
                    member_id=member_ids[i % len(member_ids)],
                    stage_key="metrics",
                    source=AnswerSource.MESSAGE,
                    message_id=f"raw{i}",
                    text=f"answer {i}",
                    created_at=h.clock.now(),
                )
            )
    bare = n / (time.perf_counter() - started)
    await h.close()
    return through_core, bare


async def boards(url: str, events: int) -> tuple[float, float]:
    """Median milliseconds for a weekly and an all-time points board."""
    h = await make_harness(url)
    chat = MemoryChat(h.kata)
    await _round(h, chat)
    async with h.kata.sessions.begin() as session:
        channel = await session.scalar(select(Channel))
        rnd = await session.scalar(select(Round))
        members = [
            Member(
                workspace_id=channel.workspace_id,
                external_id=f"U{i}",
                display_name=f"member {i}",
                opted_out=False,
                created_at=h.clock.now(),
            )
            for i in range(200)
        ]
        session.add_all(members)
        await session.flush()
        now = h.clock.now()
        session.add_all(
            PointEvent(
                workspace_id=channel.workspace_id,
                channel_id=channel.id,
                member_id=members[i % 200].id,
                round_id=rnd.id,
                kind=PointKind.STAGE,
                subject=f"bench:{i}",
                points=2,
                created_at=now - timedelta(minutes=26 * i),
            )
            for i in range(events)
        )
    if h.engine.dialect.name == "postgresql":
        async with h.engine.begin() as conn:  # what autovacuum does on a live database
            await conn.execute(text("ANALYZE"))
    lead = chat.member("lea", admin=True)
    timings = {}
    for period in ("week", "all"):
        samples = []
        for _ in range(15):
            t = time.perf_counter()
            out = await chat.command(lead, f"leaderboard points {period}")
            samples.append((time.perf_counter() - t) * 1000)
            assert "1. " in out.text
        timings[period] = statistics.median(samples)
    await h.close()
    return timings["week"], timings["all"]


async def main(targets: list[tuple[str, str]]) -> None:
    for name, url in targets:
        print(f"== {name}")
        small, _ = await fan_out(url, 50)
        large, _ = await fan_out(url, 400)
        _, peak = await fan_out(url, 400, trace=True)
        print(
            f"fan-out: 50 channels {small:.2f}s, 400 channels {large:.2f}s "
            f"({400 / large:.0f} rounds/s)"
        )
        print(f"fan-out per-channel cost ratio 400 vs 50: {(large / 400) / (small / 50):.2f}")
        print(f"fan-out peak memory: {peak:.1f} MiB ({peak * 1024 / 400:.0f} KiB per channel)")
        core, bare = await ingest(url, 1000)
        print(
            f"answers: {core:.0f}/s through the core, {bare:.0f}/s bare insert, "
            f"overhead x{bare / core:.1f}"
        )
        week, all_time = await boards(url, 20_000)
        print(
            f"leaderboard over 20k events: week {week:.1f} ms, all time {all_time:.1f} ms, "
            f"ratio {all_time / week:.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    chosen = [("sqlite", "sqlite+aiosqlite:///:memory:")]
    if parser.parse_args().postgres:
        reason = postgres_unavailable()
        if reason:
            print(f"postgres skipped: {reason}")
        else:
            chosen.append(("postgres", POSTGRES_TEST_URL))
    try:
        asyncio.run(main(chosen))
    finally:
        if len(chosen) > 1:
            asyncio.run(_postgres_schema("DROP SCHEMA IF EXISTS"))
