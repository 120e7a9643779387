"""A busy round's answers all count: a burst bigger than the connection pool, or a database
that refuses connections for a while, loses nothing and apologises for nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, func, select

from bot.answer_writer import AnswerWriter
from bot.chat import Actor, MessagePosted, MessageRef
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import ManualJobQueue
from bot.models import Answer, Member, PointEvent, Streak
from tests.support.harness import Harness, content
from tests.support.memory_chat import MemoryChat

BURST = 400
"""Many times the pool (5 connections plus 10 overflow), all at once."""


async def recorded(h: Harness) -> set[str]:
    async with h.kata.sessions() as session:
        return set((await session.scalars(select(Answer.message_id))).all())


async def points_by_member(h: Harness) -> dict[str, int]:
    async with h.kata.sessions() as session:
        rows = await session.execute(
            select(Member.display_name, func.sum(PointEvent.points))
            .join(PointEvent, PointEvent.member_id == Member.id)
            .group_by(Member.display_name)
        )
        return {name: int(total) for name, total in rows.tuples()}


async def burst(chat: MemoryChat, size: int) -> list[Any]:
    thread = chat.latest_thread()
    members = [chat.member(f"m{n:02d}") for n in range(50)]
    return await asyncio.gather(
        *(
            chat.reply(members[i % 50], f"Answer {i}: offline NDCG, online watch time.", thread)
            for i in range(size)
        )
    )


async def test_a_burst_larger_than_the_pool_loses_no_answer(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    replies = await burst(chat, BURST)

    # Every reply is recorded and ticked, nobody is told something went wrong, and the
    # burst took far fewer transactions than answers.
    assert await recorded(harness) == {ref.message_id for ref, _ in replies}
    assert all(outcome.react == "white_check_mark" for _, outcome in replies)
    assert all(not outcome.replies for _, outcome in replies)
    assert harness.kata.answers.batches < BURST / 2

    # Each member pays as if they had answered alone: 5 for the round, 2 for its stage.
    paid = await points_by_member(harness)
    assert len(paid) == 50 and set(paid.values()) == {7}
    async with harness.kata.sessions() as session:
        streaks = (await session.scalars(select(Streak.current))).all()
    assert len(streaks) == 50 and set(streaks) == {1}


async def test_a_database_refusing_connections_mid_burst_loses_no_answer(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    writer = harness.kata.answers
    writer.retry_first, writer.retry_cap = 0.001, 0.01
    writer.batch_limit = 20  # so the burst takes several transactions
    refusals = 25

    def refuse_after_the_first_batch(*_args: Any) -> None:
        nonlocal refusals
        if writer.batches >= 1 and refusals > 0:
            refusals -= 1
            raise ConnectionRefusedError("the database is restarting")

    event.listen(harness.engine.sync_engine, "before_cursor_execute", refuse_after_the_first_batch)
    try:
        replies = await burst(chat, 200)
    finally:
        event.remove(
            harness.engine.sync_engine, "before_cursor_execute", refuse_after_the_first_batch
        )

    # The database refused for a while (every statement of 25 tries failed), yet each
    # reply is recorded once, ticked, and nobody got an apology.
    assert refusals == 0 and writer.retries >= 25
    assert await recorded(harness) == {ref.message_id for ref, _ in replies}
    assert all(outcome.react == "white_check_mark" for _, outcome in replies)
    assert all(not outcome.replies for _, outcome in replies)
    assert set((await points_by_member(harness)).values()) == {7}


def queued(harness: Harness, chat: MemoryChat, message_id: str, author: str) -> Any:
    """A reply handed to the writer without waiting for its batch (as a busy Slack thread's
    are); the future of its outcome."""
    thread = chat.latest_thread()
    ref = MessageRef(thread.channel, message_id, thread)
    done = harness.kata.record(MessagePosted(ref, chat.member(author), f"Answer {message_id}."))
    assert done is not None
    return done


async def round_whose_writer_gathers(
    harness: Harness, chat: MemoryChat, at_most: float, step: float
) -> AnswerWriter:
    """A round open, and its writer gathering once two answers wait behind the first."""
    await chat.start_round()
    writer = harness.kata.answers
    writer.gather_from, writer.gather_seconds, writer.gather_step = 2, at_most, step
    return writer


async def test_answers_arriving_while_a_busy_batch_gathers_share_its_transaction(
    harness: Harness, chat: MemoryChat
) -> None:
    writer = await round_whose_writer_gathers(harness, chat, at_most=1.0, step=0.25)
    before = writer.batches

    early = [queued(harness, chat, f"g{n}", f"m{n}") for n in range(3)]  # a busy round
    await asyncio.sleep(0.05)
    late = [queued(harness, chat, f"g{n}", f"m{n}") for n in range(3, 6)]
    outcomes = await asyncio.wait_for(asyncio.gather(*early, *late), 10)

    assert all(outcome.react == "white_check_mark" for outcome in outcomes)
    assert await recorded(harness) == {f"g{n}" for n in range(6)}
    assert writer.batches == before + 1


async def test_a_lone_answer_or_the_end_of_a_burst_is_written_without_waiting_for_company(
    harness: Harness, chat: MemoryChat
) -> None:
    await round_whose_writer_gathers(harness, chat, at_most=60.0, step=0.01)
    ref, outcome = await asyncio.wait_for(
        chat.reply(chat.member("ana"), "Scope: the home page row, logged-in users."), 10
    )
    assert outcome.react == "white_check_mark"

    # The last few answers of a burst: the writer gathers only while more keep coming.
    last = [queued(harness, chat, f"e{n}", f"m{n}") for n in range(3)]
    outcomes = await asyncio.wait_for(asyncio.gather(*last), 10)
    assert all(o.react == "white_check_mark" for o in outcomes)
    assert await recorded(harness) == {ref.message_id, "e0", "e1", "e2"}


async def test_a_message_sent_twice_in_one_burst_counts_once(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    ana, thread = chat.member("ana"), chat.latest_thread()
    first, again = await asyncio.gather(
        chat.reply(ana, "Latency budget 200 ms at p99.", thread, message_id="same"),
        chat.reply(ana, "Latency budget 200 ms at p99.", thread, message_id="same"),
    )
    assert await recorded(harness) == {"same"}
    assert [first[1].react, again[1].react].count("white_check_mark") == 1
    assert await points_by_member(harness) == {"ana": 7}


async def test_two_bot_processes_given_one_members_answers_at_once_pay_as_one_by_one(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    engine = make_engine(harness.database_url)  # a second process: its own pool and writer
    other = Kata(make_sessions(engine), content(), harness.clock, ManualJobQueue())
    stages = [s.key for s in harness.kata.content.stages]
    members = [chat.member(f"m{n}") for n in range(4)]
    thread = chat.latest_thread()

    # Each member's answers, one per stage, arrive split between two processes at once.
    def posted(who: Actor, stage: str) -> MessagePosted:
        ref = MessageRef(thread.channel, f"{who.user.user_id}-{stage}", thread)
        return MessagePosted(ref, who, f"{stage}: my answer for {stage}")

    try:
        outcomes = await asyncio.gather(
            *(
                (harness.kata if i % 2 else other).handle(posted(who, stage))
                for who in members
                for i, stage in enumerate(stages)
            )
        )
    finally:
        await other.close()
        await engine.dispose()

    assert all(o.react == "white_check_mark" for o in outcomes)
    one_by_one = 5 + 2 * len(stages)
    assert await points_by_member(harness) == {who.display_name: one_by_one for who in members}
    async with harness.kata.sessions() as session:
        assert set((await session.scalars(select(Streak.current))).all()) == {1}
