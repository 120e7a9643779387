"""No answer is lost in Slack: answers written while the bot was away, or acknowledged when
its answer queue was full, are read back from the round's thread (`conversations.replies`)
and count exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from adapters.slack import SlackAdapter
from adapters.ticks import TickBudget
from bot.models import Answer, Member, PointEvent
from tests.slack.conftest import ALICE, BOB, CAROL, CHANNEL, Team, slack_settings
from tests.slack.fake_web_api import FakeSlackWebAPI, Posted
from tests.support.harness import Harness


async def open_round(team: Team) -> str:
    """Alice sets the channel up and posts today's round; its thread's ts."""
    await team.member(ALICE).runs("setup 09:00 UTC daily")
    await team.settled()
    await team.member(ALICE).runs("now")
    await team.settled()
    return team.api.bot_posts(CHANNEL)[0].ts


async def answers_by_message(h: Harness) -> dict[str, str]:
    async with h.kata.sessions() as session:
        rows = await session.execute(select(Answer.message_id, Answer.text))
        return dict(rows.tuples().all())


async def points_of(h: Harness) -> dict[str, int]:
    async with h.kata.sessions() as session:
        rows = await session.execute(
            select(Member.external_id, func.sum(PointEvent.points))
            .join(PointEvent, PointEvent.member_id == Member.id)
            .group_by(Member.external_id)
        )
        return {user: int(total) for user, total in rows.tuples()}


async def back_up(
    api: FakeSlackWebAPI, team: Team, ticks: TickBudget | None = None
) -> tuple[Harness, SlackAdapter]:
    """A new bot process on the same database: adapter attached, core started, its first
    read of the open threads done and the ✅ it queued sent (or summed up in a note)."""
    h = await team.h.restart()
    h.kata.reconciler.pace = 0.0
    adapter = SlackAdapter(
        h.kata,
        slack_settings(api),
        host="127.0.0.1",
        pacing_seconds=0.0,
        retry_backoff_seconds=0.01,
    )
    if ticks is not None:
        adapter.inbound.reactions.budget = ticks
        adapter.inbound.reactions.summary_after = 0.5
    h.kata.attach(adapter)
    await adapter.start()
    await h.kata.start()
    await h.kata.reconciler.first_pass()
    await adapter.wait_idle()
    return h, adapter


def checked(api: FakeSlackWebAPI, posted: Posted) -> bool:
    return (CHANNEL, posted.ts, "white_check_mark") in api.reactions


async def test_answers_written_while_the_bot_was_down_count_once_it_is_back(team: Team) -> None:
    api = team.api
    thread = await open_round(team)
    bobs, _ = await team.member(BOB).says("In scope: new sign-ups on web and mobile.", thread)
    await team.settled()

    # The bot goes down for a while; the team keeps answering, and Bob fixes his answer.
    await team.adapter.close()
    carols = api.member_message(CHANNEL, CAROL, "Success means fewer churned sign-ups.", thread)
    alices = api.member_message(CHANNEL, ALICE, "metrics: NDCG at 10 offline.", thread)
    chat = api.member_message(CHANNEL, CAROL, "Lunch at noon?", None)
    bobs.text, bobs.edited = "In scope: every new sign-up, worldwide.", True

    h, adapter = await back_up(api, team)
    try:
        # Once it is back, both new answers count and get their check mark; Bob's edit
        # shows; the top-level chat and the bot's own stage post are no answers.
        recorded = await answers_by_message(h)
        assert set(recorded) == {bobs.ts, carols.ts, alices.ts}
        assert recorded[bobs.ts].startswith("In scope: every new sign-up")
        assert recorded[alices.ts] == "NDCG at 10 offline."
        assert checked(api, carols) and checked(api, alices) and not checked(api, chat)
        assert api.calls_to("conversations.replies")
        paid = await points_of(h)
        assert paid == {BOB: 7, CAROL: 7, ALICE: 7}

        # Another pass (the periodic one) finds nothing new: each answer counts once.
        assert await h.kata.reconcile() == 0
        assert await answers_by_message(h) == recorded
        assert await points_of(h) == paid
    finally:
        await adapter.close()
        await h.kata.close()


async def test_answers_read_back_after_a_restart_are_ticked_within_the_reaction_budget(
    team: Team,
) -> None:
    api = team.api
    thread = await open_round(team)
    await team.adapter.close()
    missed = [
        api.member_message(CHANNEL, who, f"Point {n}: who the users are.", thread)
        for n in range(4)
        for who in (BOB, CAROL)
    ]
    notes_before = len(api.bot_replies(CHANNEL, thread))

    h, adapter = await back_up(api, team, ticks=TickBudget(per_minute=1, burst=3))
    try:
        assert set(await answers_by_message(h)) == {m.ts for m in missed}
        ticked = [m for m in missed if checked(api, m)]
        notes = [m.text for m in api.bot_replies(CHANNEL, thread)[notes_before:]]
        assert len(ticked) == 3, "the burst allowance, shared with live answers"
        assert notes == [
            f"✅ {len(missed) - 3} more answers recorded here (too many at once to tick each one)."
        ]
    finally:
        await adapter.close()
        await h.kata.close()


async def test_a_long_thread_is_read_back_page_by_page(team: Team) -> None:
    api = team.api
    thread = await open_round(team)
    await team.adapter.close()
    written = [
        api.member_message(CHANNEL, who, f"Point {i}: a clear online metric.", thread)
        for i, who in enumerate([ALICE, BOB, CAROL, ALICE, BOB])
    ]
    h = await team.h.restart()
    h.kata.reconciler.pace = 0.0
    h.kata.reconciler.page_size = 2
    adapter = SlackAdapter(h.kata, slack_settings(api), host="127.0.0.1", pacing_seconds=0.0)
    h.kata.attach(adapter)
    await adapter.start()
    try:
        await h.kata.reconcile()
        assert set(await answers_by_message(h)) == {p.ts for p in written}
        reads = api.calls_to("conversations.replies")
        assert len(reads) >= 3
        assert {r.params["limit"] for r in reads} == {"2"}
    finally:
        await adapter.close()
        await h.kata.close()


async def test_a_message_acked_while_the_answer_queue_is_full_is_read_back(team: Team) -> None:
    api, h = team.api, team.h
    thread = await open_round(team)
    writer = h.kata.answers
    writer.capacity, writer.retry_first, writer.retry_cap = 1, 0.005, 0.02
    team.adapter.inbound.answer_room_wait = 0.05
    refusing = True

    def database_down(*_args: Any) -> None:
        if refusing:
            raise ConnectionRefusedError("the database refuses connections")

    event.listen(h.engine.sync_engine, "before_cursor_execute", database_down)
    try:
        # With the database refusing, one answer is being retried and one waits in the
        # queue; the third finds no room, yet Slack still gets its acknowledgement.
        sent = []
        for who, text in [(ALICE, "first"), (BOB, "second"), (CAROL, "third")]:
            posted, delivered = await team.member(who).says(f"The {text} answer.", thread)
            assert delivered.status == 200
            sent.append(posted)
        refusing = False
        await team.settled()
        assert set(await answers_by_message(h)) == {sent[0].ts, sent[1].ts}
    finally:
        event.remove(h.engine.sync_engine, "before_cursor_execute", database_down)

    # Reading the thread back records the third, and the first two only once.
    await h.kata.reconcile()
    assert set(await answers_by_message(h)) == {p.ts for p in sent}
    assert all(checked(api, p) for p in sent)
    assert api.ephemerals == []


async def test_answers_erased_by_forgetme_are_not_read_back_from_the_thread(team: Team) -> None:
    h = team.h
    thread = await open_round(team)
    await team.member(BOB).says("In scope: every new sign-up.", thread)
    carols, _ = await team.member(CAROL).says("Churn within a week is the target.", thread)
    await team.settled()

    # Bob asks to be forgotten; his message stays in Slack's thread, as the bot tells him.
    await team.member(BOB).runs("forgetme confirm")
    await team.settled()
    await h.kata.reconcile()

    assert set(await answers_by_message(h)) == {carols.ts}
    assert BOB not in await points_of(h)
    async with h.kata.sessions() as session:
        assert await session.scalar(select(Member.id).where(Member.external_id == BOB)) is None


async def test_an_answer_deleted_while_the_bot_was_down_stops_counting_once_it_is_back(
    team: Team,
) -> None:
    api = team.api
    thread = await open_round(team)
    bobs, _ = await team.member(BOB).says("In scope: new sign-ups on web and mobile.", thread)
    carols, _ = await team.member(CAROL).says("Success means fewer churned sign-ups.", thread)
    await team.settled()
    assert set(await answers_by_message(team.h)) == {bobs.ts, carols.ts}

    await team.adapter.close()
    bobs.deleted = True  # Bob deletes his answer while the bot is away: no event reaches it

    h, adapter = await back_up(api, team)
    try:
        # A minute later the thread's history might just lag behind: nothing is taken away.
        assert set(await answers_by_message(h)) == {bobs.ts, carols.ts}

        h.clock.advance(timedelta(minutes=5))
        assert await h.kata.reconcile() == 1
        assert set(await answers_by_message(h)) == {carols.ts}
        assert BOB not in await points_of(h)
        assert await h.kata.reconcile() == 0, "a second pass finds nothing more to change"
    finally:
        await adapter.close()
        await h.kata.close()


async def test_an_edit_made_while_the_thread_is_read_back_wins_over_the_text_read(
    team: Team,
) -> None:
    h = team.h
    thread = await open_round(team)
    bobs, _ = await team.member(BOB).says("In scope: web sign-ups.", thread)
    await team.settled()
    # Bob edited once when no event reached the bot; the thread holds that text.
    bobs.text, bobs.edited = "In scope: web and mobile sign-ups.", True

    adapter = team.adapter
    read = adapter.read_thread

    async def read_then_bob_edits_again(*args: Any, **kwargs: Any) -> Any:
        page = await read(*args, **kwargs)
        # Between the read and its write, Bob edits again, live: this text is the newest.
        await team.member(BOB).edits(bobs, "In scope: every sign-up, worldwide.")
        await team.settled()
        return page

    adapter.read_thread = read_then_bob_edits_again  # type: ignore[method-assign]
    await h.kata.reconcile()

    assert (await answers_by_message(h))[bobs.ts] == "In scope: every sign-up, worldwide."
