"""The job API over APScheduler: one job per id, late jobs still run, cancel removes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.jobs import ManualJobQueue, SchedulerJobQueue


async def test_the_scheduler_runs_a_late_job_and_replaces_jobs_by_id() -> None:
    ran: list[tuple[str, dict]] = []
    done = asyncio.Event()

    async def runner(action: str, kwargs: dict) -> None:
        ran.append((action, kwargs))
        done.set()

    queue = SchedulerJobQueue()
    queue.bind(runner)
    queue.start()
    try:
        later = datetime.now(UTC) + timedelta(days=1)
        queue.run_at("round:1", later, "round", channel_id=1)
        queue.run_at("round:1", later + timedelta(hours=1), "round", channel_id=1)
        queue.run_at("round:2", later, "round", channel_id=2)
        queue.cancel("round:2")
        assert [(j.job_id, j.when) for j in queue.jobs()] == [
            ("round:1", later + timedelta(hours=1))
        ]
        queue.run_at("stage:7", datetime.now(UTC) - timedelta(hours=2), "stage", round_id=7)
        await asyncio.wait_for(done.wait(), timeout=10)
        assert ran == [("stage", {"round_id": 7})]
        assert [j.job_id for j in queue.jobs()] == ["round:1"]
    finally:
        queue.shutdown()


async def test_the_manual_queue_runs_due_jobs_in_time_order_including_new_ones() -> None:
    order: list[str] = []
    queue = ManualJobQueue()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    async def runner(action: str, kwargs: dict) -> None:
        order.append(kwargs["name"])
        if kwargs["name"] == "a":
            queue.run_at("c", t0 + timedelta(minutes=2), "x", name="c")

    queue.bind(runner)
    queue.run_at("b", t0 + timedelta(minutes=5), "x", name="b")
    queue.run_at("a", t0 + timedelta(minutes=1), "x", name="a")
    queue.run_at("later", t0 + timedelta(hours=1), "x", name="later")
    assert await queue.run_due(t0 + timedelta(minutes=10)) == 3
    assert order == ["a", "c", "b"]
    assert [j.job_id for j in queue.jobs()] == ["later"]
