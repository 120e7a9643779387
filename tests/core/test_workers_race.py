"""Real worker processes on one PostgreSQL: one is killed (SIGKILL) mid fan-out while another
keeps going, and a third, started after the dead one's leases ran out, finishes its work.
Every channel gets one round, every stage is posted once, nothing is left behind."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.models import Round, WorkItem
from bot.settings import PROJECT_ROOT
from tests.conftest import POSTGRES_TEST_URL, postgres_unavailable
from tests.support import table_chat
from tests.support.harness import Harness, make_harness
from tests.support.memory_chat import MemoryChat

NINE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CHANNELS = 60


@pytest.fixture
def pg_url() -> str:
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    return POSTGRES_TEST_URL


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[Harness]:
    h = await make_harness(pg_url)
    await table_chat.create(h.engine)
    async with h.engine.begin() as conn:
        await conn.execute(table_chat.posts.delete())
    yield h
    await h.close()


def worker(name: str, at: datetime, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.fanout_worker",
            POSTGRES_TEST_URL,
            name,
            at.isoformat(),
            *extra,
        ],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def wait_ready(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"


def go(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()


async def test_a_worker_killed_mid_fan_out_is_covered_by_the_others(pg: Harness) -> None:
    chat = MemoryChat(pg.kata)
    lead = chat.member("lea", admin=True)
    for n in range(CHANNELS):
        for text in ("setup 09:00 UTC daily", "pace all"):
            await chat.command(lead, text, channel=f"C{n}")

    doomed = worker("doomed", NINE + timedelta(seconds=5), "--kill-after", "120")
    steady = worker("steady", NINE + timedelta(seconds=5))
    await asyncio.to_thread(wait_ready, doomed, steady)
    go(doomed, steady)
    assert await asyncio.to_thread(doomed.wait, 120) == -9
    steady_out, _ = await asyncio.to_thread(steady.communicate, None, 300)
    assert steady_out.startswith("done"), steady_out

    async with pg.engine.connect() as conn:
        held = await conn.scalar(
            select(func.count()).select_from(WorkItem).where(WorkItem.claimed_by == "doomed")
        )
    assert held and held > 0, "the killed worker died holding work"

    late = worker("late", NINE + timedelta(minutes=3, seconds=30))  # its leases have run out
    await asyncio.to_thread(wait_ready, late)
    go(late)
    late_out, _ = await asyncio.to_thread(late.communicate, None, 300)
    assert late_out.startswith("done"), late_out

    stages = len(pg.kata.content.stages)
    assert await table_chat.duplicates(pg.engine) == {}
    async with pg.engine.connect() as conn:
        kinds = dict(
            (
                await conn.execute(
                    select(table_chat.posts.c.kind, func.count()).group_by(table_chat.posts.c.kind)
                )
            ).all()
        )
        rounds = (await conn.execute(select(Round.thread_id, Round.stages_posted))).all()
        unfinished = await conn.scalar(
            select(func.count())
            .select_from(WorkItem)
            .where(
                WorkItem.done_at.is_(None),
                WorkItem.dead_at.is_(None),
                WorkItem.due_at <= NINE + timedelta(minutes=3, seconds=30),
            )
        )
    assert kinds == {"prompt": CHANNELS, "stage": CHANNELS * stages}
    assert len(rounds) == CHANNELS
    assert all(thread is not None and posted == stages for thread, posted in rounds)
    assert unfinished == 0
