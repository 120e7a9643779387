"""The work queue keeps scheduled work in the database: created once, claimed by one worker
at a time, taken over when a worker dies, retried with backoff, never lost."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot import work_queue
from bot.kinds import WorkKind
from bot.models import WorkItem
from bot.settings import PROJECT_ROOT
from tests.support.harness import Harness

NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def add(h: Harness, key: str, due: datetime = NINE, **payload: object) -> bool:
    async with h.kata.sessions.begin() as session:
        return await work_queue.enqueue(session, WorkKind.ROUND, key, due, NINE, dict(payload))


async def row(h: Harness, key: str) -> WorkItem:
    async with h.kata.sessions() as session:
        item = await session.scalar(select(WorkItem).where(WorkItem.key == key))
        assert item is not None
        return item


async def test_the_same_work_is_created_once(harness: Harness) -> None:
    assert await add(harness, "round:C1:2026-11-30", channel="C1")
    assert not await add(harness, "round:C1:2026-11-30", channel="other")
    async with harness.kata.sessions() as session:
        items = (await session.scalars(select(WorkItem))).all()
    assert [(i.key, i.payload) for i in items] == [("round:C1:2026-11-30", {"channel": "C1"})]


async def test_a_worker_claims_only_what_is_due_in_batches(harness: Harness) -> None:
    for n in range(5):
        await add(harness, f"due-{n}")
    await add(harness, "later", due=NINE + timedelta(hours=1))
    sessions = harness.kata.sessions

    first = await work_queue.claim(sessions, "w1", NINE, limit=3)
    second = await work_queue.claim(sessions, "w2", NINE, limit=3)
    third = await work_queue.claim(sessions, "w2", NINE, limit=3)

    assert [c.key for c in first] == ["due-0", "due-1", "due-2"]
    assert [c.key for c in second] == ["due-3", "due-4"]
    assert third == []
    assert all(c.attempts == 1 and c.kind is WorkKind.ROUND for c in first + second)


async def test_a_dead_workers_lease_runs_out_and_another_worker_takes_over(
    harness: Harness,
) -> None:
    await add(harness, "round:C1", channel="C1")
    sessions = harness.kata.sessions
    [mine] = await work_queue.claim(sessions, "dies", NINE, limit=10, lease=timedelta(minutes=2))

    assert await work_queue.claim(sessions, "other", NINE + timedelta(minutes=1), limit=10) == []
    [taken] = await work_queue.claim(sessions, "other", NINE + timedelta(minutes=3), limit=10)
    assert (taken.id, taken.attempts, taken.payload) == (mine.id, 2, {"channel": "C1"})

    async with sessions.begin() as session:
        assert not await work_queue.finish(session, mine.id, "dies", NINE + timedelta(minutes=4))
        assert await work_queue.finish(session, taken.id, "other", NINE + timedelta(minutes=4))
    done = await row(harness, "round:C1")
    assert done.done_at == NINE + timedelta(minutes=4) and done.claimed_by is None
    assert await work_queue.claim(sessions, "third", NINE + timedelta(hours=1), limit=10) == []


async def test_a_failure_is_retried_later_and_given_up_after_the_cap(harness: Harness) -> None:
    await add(harness, "flaky")
    sessions = harness.kata.sessions
    now = NINE
    retries = []
    for _ in range(work_queue.MAX_ATTEMPTS):
        [item] = await work_queue.claim(sessions, "w", now, limit=1)
        async with sessions.begin() as session:
            retry_at = await work_queue.fail(session, item.id, "w", now, f"boom {item.attempts}")
        if retry_at is None:
            break
        retries.append(retry_at - now)
        assert await work_queue.claim(sessions, "w", retry_at - timedelta(seconds=1), 1) == []
        now = retry_at

    assert retries[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert len(retries) == work_queue.MAX_ATTEMPTS - 1
    dead = await row(harness, "flaky")
    assert dead.dead_at is not None and dead.last_error == f"boom {work_queue.MAX_ATTEMPTS}"
    assert await work_queue.claim(sessions, "w", now + timedelta(days=1), limit=1) == []


async def test_a_clean_shutdown_hands_work_back_at_once_without_spending_an_attempt(
    harness: Harness,
) -> None:
    await add(harness, "a")
    await add(harness, "b")
    sessions = harness.kata.sessions
    held = await work_queue.claim(sessions, "stopping", NINE, limit=10)
    async with sessions.begin() as session:
        assert await work_queue.release_all(session, "stopping") == 2
    again = await work_queue.claim(sessions, "next", NINE, limit=10)
    assert [c.id for c in again] == [c.id for c in held]
    assert [c.attempts for c in again] == [1, 1]


async def test_the_next_wake_up_is_the_earliest_due_row_or_lease_end(harness: Harness) -> None:
    sessions = harness.kata.sessions
    async with sessions() as session:
        assert await work_queue.next_wake(session, NINE) is None
    await add(harness, "soon", due=NINE + timedelta(minutes=10))
    await add(harness, "now")
    await work_queue.claim(sessions, "w", NINE, limit=1, lease=timedelta(minutes=2))
    async with sessions() as session:
        assert await work_queue.next_wake(session, NINE) == NINE + timedelta(minutes=2)


async def test_worker_processes_racing_for_the_same_rows_claim_each_row_once(
    harness: Harness, tmp_path: Path
) -> None:
    """On PostgreSQL the racers skip each other's locked rows; on SQLite each claim waits
    for the write lock. Either way no row is claimed twice and none is left."""
    async with harness.kata.sessions.begin() as session:
        for n in range(300):
            await work_queue.enqueue(session, WorkKind.STAGE, f"stage:{n}", NINE, NINE)
    outs = [tmp_path / f"w{n}.txt" for n in range(3)]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    racers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.queue_worker",
            harness.database_url,
            f"w{n}",
            str(out),
            cwd=PROJECT_ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for n, out in enumerate(outs)
    ]
    for racer in racers:  # every racer is connected before any starts
        assert racer.stdout is not None
        assert (await racer.stdout.readline()).strip() == b"ready"
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write(b"go\n")
        await racer.stdin.drain()
    codes = [await asyncio.wait_for(racer.wait(), 60) for racer in racers]

    assert codes == [0, 0, 0]
    claimed = [[int(x) for x in out.read_text().split()] for out in outs]
    everything = [i for ids in claimed for i in ids]
    assert len(everything) == len(set(everything)) == 300
