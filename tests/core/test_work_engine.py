"""Scheduled work survives fan-outs, lost answers, kills, an exhausted pool and shutdowns:
every channel gets its round once and every stage once, and tomorrow is never lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import work_queue
from bot.chat import ChannelRef, OutgoingMessage, ThreadRef
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import ManualJobQueue
from bot.kinds import WorkKind
from bot.models import Round, WorkItem
from bot.port import ChatPort
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

NINE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 09:00 UTC


class Killed(BaseException):
    """The process died here: nothing after this point runs, no handler sees it."""


async def channels_set_up(chat: MemoryChat, count: int, pace: str = "manual") -> None:
    lead = chat.member("lea", admin=True)
    for n in range(count):
        for text in ("setup 09:00 UTC daily", f"pace {pace}"):
            outcome = await chat.command(lead, text, channel=f"C{n}")
            assert "Usage" not in outcome.text, outcome.text


def stage_posts_per_thread(chat: MemoryChat) -> Counter[str]:
    return Counter(p.thread.thread_id for p in chat.posts if p.where == "thread" and p.thread)


def no_text_twice_in_a_thread(chat: MemoryChat) -> bool:
    seen = Counter(
        (p.thread.thread_id, p.text) for p in chat.posts if p.where == "thread" and p.thread
    )
    return all(n == 1 for n in seen.values())


async def open_work(h: Harness, kind: WorkKind) -> list[WorkItem]:
    async with h.kata.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(WorkItem).where(
                        WorkItem.kind == kind,
                        WorkItem.done_at.is_(None),
                        WorkItem.dead_at.is_(None),
                    )
                )
            ).all()
        )


async def test_three_hundred_channels_due_at_one_minute_each_get_one_round_and_tomorrow(
    harness: Harness, chat: MemoryChat
) -> None:
    await channels_set_up(chat, 300)
    await harness.advance(NINE + timedelta(minutes=1) - harness.clock.now())

    posted = [p.channel.channel_id for p in chat.prompts() if p.channel]
    assert sorted(posted) == sorted(f"C{n}" for n in range(300))
    async with harness.kata.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Round)) == 300
        assert (
            await session.scalar(
                select(func.count()).select_from(Round).where(Round.thread_id.is_(None))
            )
            == 0
        )
    tomorrow = await open_work(harness, WorkKind.ROUND)
    assert len(tomorrow) == 300
    assert {w.due_at for w in tomorrow} == {NINE + timedelta(days=1)}


async def test_paced_all_rounds_post_every_stage_once_in_order(
    harness: Harness, chat: MemoryChat
) -> None:
    await channels_set_up(chat, 30, pace="all")
    await harness.advance(NINE + timedelta(minutes=1) - harness.clock.now())
    stages = len(harness.kata.content.stages)
    assert set(stage_posts_per_thread(chat).values()) == {stages}
    assert no_text_twice_in_a_thread(chat)
    for thread in stage_posts_per_thread(chat):
        numbers = [
            (p.message.title or "").split(":")[0]
            for p in chat.posts
            if p.where == "thread" and p.thread and p.thread.thread_id == thread
        ]
        assert numbers == [f"Stage {n}/{stages}" for n in range(1, stages + 1)]


async def test_a_post_whose_answer_was_lost_is_found_again_not_posted_twice(
    harness: Harness, chat: MemoryChat
) -> None:
    await channels_set_up(chat, 5, pace="all")
    chat.lose_reply = 3  # the third post reaches the channel; its answer never comes back
    await harness.advance(NINE + timedelta(minutes=5) - harness.clock.now())

    stages = len(harness.kata.content.stages)
    assert len(chat.prompts()) == 5
    assert set(stage_posts_per_thread(chat).values()) == {stages}
    assert no_text_twice_in_a_thread(chat)


class DyingChat(MemoryChat):
    """Dies (as a killed process would) at one chosen point of the `at`-th post."""

    at: int = 0
    point: str = ""

    def _maybe_die(self, point: str) -> None:
        if self.point == point:
            self.at -= 1
            if self.at == 0:
                raise Killed(point)

    async def post_prompt(self, channel: ChannelRef, message: OutgoingMessage, once=None):  # type: ignore[no-untyped-def,override]
        self._maybe_die("before the post")
        thread = await super().post_prompt(channel, message, once)
        self._maybe_die("after the post")
        return thread

    async def post_in_thread(self, thread: ThreadRef, message: OutgoingMessage, once=None):  # type: ignore[no-untyped-def,override]
        self._maybe_die("before the post")
        ref = await super().post_in_thread(thread, message, once)
        self._maybe_die("after the post")
        return ref


@pytest.mark.parametrize("point", ["before the post", "after the post", "after the record"])
@pytest.mark.parametrize("victim", [1, 4])
async def test_a_worker_killed_mid_fan_out_leaves_nothing_lost_or_doubled(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, point: str, victim: int
) -> None:
    chat = DyingChat(harness.kata)
    await channels_set_up(chat, 6, pace="all")
    if point == "after the record":
        real_finish = work_queue.finish
        calls = {"n": 0}

        async def dying_finish(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == victim:
                raise Killed(point)
            return await real_finish(*args, **kwargs)

        monkeypatch.setattr(work_queue, "finish", dying_finish)
    else:
        chat.point, chat.at = point, victim

    harness.clock.set(NINE)
    await harness.kata.worker.wake()  # the killed item's task died; the others went on
    monkeypatch.undo()
    async with harness.kata.sessions() as session:
        held = await session.scalar(
            select(func.count()).select_from(WorkItem).where(WorkItem.claimed_by.is_not(None))
        )
    assert held and held >= 1, "the dead worker still holds the work it was killed in"

    # A new process on the same database; the dead worker's lease runs out, then it finishes.
    again = await harness.restart(clean=False)
    survivor = MemoryChat(again.kata, posts=chat.posts, by_key=chat.by_key)
    await again.start()
    await again.advance(minutes=10)

    stages = len(harness.kata.content.stages)
    prompts = Counter(p.channel.channel_id for p in survivor.prompts() if p.channel)
    assert prompts == Counter({f"C{n}": 1 for n in range(6)})
    assert set(stage_posts_per_thread(survivor).values()) == {stages}
    assert no_text_twice_in_a_thread(survivor)
    stuck = [w for w in await open_work(again, WorkKind.STAGE)]
    assert stuck == []


async def test_a_pool_exhausted_on_purpose_delays_work_but_loses_none(
    harness: Harness, chat: MemoryChat
) -> None:
    await channels_set_up(chat, 40, pace="all")
    small = make_engine(harness.database_url, pool_size=2, pool_timeout=20)
    try:
        kata = Kata(
            make_sessions(small),
            harness.kata.content,
            harness.clock,
            ManualJobQueue(),
            concurrency=16,
        )
        crowded = MemoryChat(kata)
        harness.clock.set(NINE)
        await kata.worker.wake()
        await kata.close()
    finally:
        await small.dispose()
    stages = len(harness.kata.content.stages)
    assert sorted(p.channel.channel_id for p in crowded.prompts() if p.channel) == sorted(
        f"C{n}" for n in range(40)
    )
    assert set(stage_posts_per_thread(crowded).values()) == {stages}


async def test_a_failed_post_is_retried_and_tomorrows_round_is_planned_anyway(
    harness: Harness, chat: MemoryChat
) -> None:
    await channels_set_up(chat, 1)
    chat.broken.add("C0")
    await harness.advance(NINE + timedelta(seconds=1) - harness.clock.now())
    assert chat.prompts() == []
    rounds = await open_work(harness, WorkKind.ROUND)
    assert {w.key for w in rounds} == {"round:1:2026-11-23", "round:1:2026-11-24"}
    failing = next(w for w in rounds if w.key.endswith("23"))
    assert failing.last_error and "platform is down" in failing.last_error

    chat.broken.clear()
    await harness.advance(minutes=2)
    assert len(chat.prompts()) == 1
    assert {w.key for w in await open_work(harness, WorkKind.ROUND)} == {"round:1:2026-11-24"}


class HeldChat(MemoryChat):
    """Posts wait until the test lets them through: work a worker holds while it stops."""

    def __init__(self, kata, gate: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
        super().__init__(kata)
        self.gate = gate
        self.waiting = 0
        self.all_waiting = asyncio.Event()

    async def post_prompt(self, channel, message, once=None):  # type: ignore[no-untyped-def,override]
        self.waiting += 1
        if self.waiting == 3:
            self.all_waiting.set()
        await self.gate.wait()
        return await super().post_prompt(channel, message, once)


async def test_stopping_hands_back_what_the_worker_holds_at_once(harness: Harness) -> None:
    gate = asyncio.Event()
    chat = HeldChat(harness.kata, gate)
    await channels_set_up(chat, 3)
    harness.clock.set(NINE)
    drain = asyncio.ensure_future(harness.kata.worker.wake())
    await chat.all_waiting.wait()
    handed_back = await harness.kata.worker.stop(grace=0.05)
    await asyncio.gather(drain, return_exceptions=True)
    assert handed_back == 3
    today = [w for w in await open_work(harness, WorkKind.ROUND) if w.due_at == NINE]
    assert len(today) == 3
    assert all(w.claimed_by is None and w.attempts == 0 for w in today)


def test_every_port_method_takes_a_once_key() -> None:
    import inspect

    for name in ("post_prompt", "post_in_thread", "post_in_channel"):
        assert "once" in inspect.signature(getattr(ChatPort, name)).parameters


async def test_a_database_outage_at_the_rounds_minute_only_delays_the_round(
    harness: Harness, chat: MemoryChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    await channels_set_up(chat, 3)
    real_claim = work_queue.claim
    outage = {"left": 2}

    async def claim_while_down(*args, **kwargs):  # type: ignore[no-untyped-def]
        if outage["left"]:
            outage["left"] -= 1
            raise ConnectionRefusedError("the database is restarting")
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(work_queue, "claim", claim_while_down)
    await harness.advance(NINE + timedelta(seconds=1) - harness.clock.now())
    assert chat.prompts() == []

    await harness.advance(minutes=2)
    assert len(chat.prompts()) == 3
    assert len(await open_work(harness, WorkKind.ROUND)) == 3  # tomorrow's, for each channel
