"""The job API over APScheduler: one job per id, late jobs still run, cancel removes; and
the job table: every action the core schedules has a callback."""

from __future__ import annotations

import ast
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.jobs import Action, ManualJobQueue, SchedulerJobQueue
from bot.kinds import WorkKind
from bot.settings import PROJECT_ROOT
from bot.worker import HANDLERS


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


def test_every_kind_of_work_has_a_handler() -> None:
    assert set(HANDLERS) == set(WorkKind)


def _scheduled_actions(path: Path) -> list[tuple[int, str | None]]:
    """(line, action) of every `run_at(job_id, when, action, ...)` call in a file; the action
    is None when it is not written as a known job name."""
    found = []
    tree = ast.parse(path.read_text())
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        typed_as_action = {
            a.arg
            for a in function.args.args + function.args.kwonlyargs
            if isinstance(a.annotation, ast.Name) and a.annotation.id == "Action"
        }
        for call in ast.walk(function):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "run_at"
            ):
                continue
            keywords = {k.arg: k.value for k in call.keywords}
            arg = call.args[2] if len(call.args) > 2 else keywords.get("action")
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((call.lineno, arg.value))
            elif (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id == "Action"
            ):
                found.append((call.lineno, Action[arg.attr].value))
            elif isinstance(arg, ast.Name) and arg.id in typed_as_action:
                found += [(call.lineno, action.value) for action in Action]
            else:
                found.append((call.lineno, None))
    return found


def test_timers_only_ever_wake_the_worker() -> None:
    """Scheduled work is rows in the work queue; the only timer the core sets is the alarm."""
    scheduled = {
        f"{path.relative_to(PROJECT_ROOT)}:{line}": action
        for path in (PROJECT_ROOT / "bot").rglob("*.py")
        for line, action in _scheduled_actions(path)
    }
    assert len(scheduled) >= 2, "the walk found the core's timers"
    assert {where: a for where, a in scheduled.items() if a != Action.WAKE} == {}
