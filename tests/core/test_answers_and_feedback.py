"""Answers land on the right stage; peer feedback follows the team's rules."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Answer, PointEvent
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def start_manual_round(chat: MemoryChat, stages: int = 0):
    lead = await chat.start_round()
    for _ in range(stages):
        await chat.command(lead, "next")
    return lead


async def answers(harness: Harness) -> list[tuple[str, str]]:
    async with harness.kata.sessions() as session:
        rows = (
            await session.execute(select(Answer.stage_key, Answer.text).order_by(Answer.id))
        ).all()
    return [tuple(r) for r in rows]


async def points_of(harness: Harness) -> int:
    async with harness.kata.sessions() as session:
        return sum((await session.scalars(select(PointEvent.points))).all())


async def test_a_reply_counts_for_the_latest_stage_unless_it_names_one(
    harness: Harness, chat: MemoryChat
) -> None:
    await start_manual_round(chat, stages=3)
    ana = chat.member("ana")
    await chat.reply(ana, "Peak 50k requests per second, p99 under 200 ms.")
    await chat.reply(ana, "Scope: members worldwide, films and series.")
    await chat.reply(ana, "[metrics] NDCG@10 offline, watch time online")
    await chat.reply(ana, "Note: this is about the current stage")
    assert await answers(harness) == [
        ("nonfunctional", "Peak 50k requests per second, p99 under 200 ms."),
        ("scope", "members worldwide, films and series."),
        ("metrics", "NDCG@10 offline, watch time online"),
        ("nonfunctional", "Note: this is about the current stage"),
    ]


async def test_before_any_stage_is_posted_a_reply_counts_for_scope(
    harness: Harness, chat: MemoryChat
) -> None:
    await start_manual_round(chat)
    await chat.reply(chat.member("ana"), "Who uses it?")
    assert await answers(harness) == [("scope", "Who uses it?")]


async def test_a_redelivered_message_is_recorded_once(harness: Harness, chat: MemoryChat) -> None:
    await start_manual_round(chat, stages=1)
    ana = chat.member("ana")
    _, first = await chat.reply(ana, "answer", message_id="same")
    _, again = await chat.reply(ana, "answer", message_id="same")
    assert first.react == "white_check_mark" and again.react is None
    assert len(await answers(harness)) == 1
    assert await points_of(harness) == 5 + 2


async def test_an_edit_updates_the_answer_and_a_delete_takes_it_back(
    harness: Harness, chat: MemoryChat
) -> None:
    await start_manual_round(chat, stages=2)
    ana = chat.member("ana")
    ref, _ = await chat.reply(ana, "first thought")
    await chat.edit(ana, ref, "scope: better thought")
    assert await answers(harness) == [("scope", "better thought")]
    await chat.delete(ref)
    assert await answers(harness) == []
    assert await points_of(harness) == 0
    out = await chat.command(ana, "streak")
    assert "Current streak: 0" in out.text


async def test_messages_outside_a_round_thread_are_not_answers(
    harness: Harness, chat: MemoryChat
) -> None:
    from bot.chat import MessagePosted, MessageRef

    await start_manual_round(chat, stages=1)
    ana = chat.member("ana")
    outcome = await harness.kata.handle(
        MessagePosted(MessageRef(chat.channel(), "loose", None), ana, "hello channel")
    )
    assert outcome.react is None
    assert await answers(harness) == []


async def test_the_answer_command_works_without_replying_in_the_thread(
    harness: Harness, chat: MemoryChat
) -> None:
    await start_manual_round(chat, stages=1)
    out = await chat.command(chat.member("ana"), "answer data: log every impression")
    assert "recorded for round #1" in out.text
    assert await answers(harness) == [("data", "log every impression")]


async def test_an_older_round_takes_no_new_answers(harness: Harness, chat: MemoryChat) -> None:
    await start_manual_round(chat, stages=1)
    first = chat.latest_thread()
    await harness.advance(days=1, hours=2)
    _, out = await chat.reply(chat.member("ana"), "late", thread=first)
    assert "closed" in out.text
    assert await answers(harness) == []


async def test_a_member_reviews_a_teammate_through_the_form_and_the_teammate_is_told(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await start_manual_round(chat, stages=1)
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: everyone in the EU")
    out = await chat.press(bo, "feedback")
    form = out.form
    assert form is not None and form.form_id == "feedback"
    reviewee = next(f for f in form.fields if f.key == "reviewee")
    assert [c.label for c in reviewee.choices] == ["ana"]
    assert [f.key for f in form.fields][1:6] == [
        "problem",
        "data",
        "modelling",
        "deployment",
        "communication",
    ]
    out = await chat.submit(
        bo,
        "feedback",
        form.context,
        {
            "reviewee": reviewee.choices[0].value,
            "problem": "3",
            "communication": "4",
            "strength": "Clear users and goal",
            "improvement": "Say what is out of scope",
        },
    )
    assert out.form_errors == {}
    assert "Feedback for ana sent (+3 points)" in out.text
    [note] = chat.private_to(ana)
    assert "bo reviewed your answers" in note.text
    assert "Problem understanding: strong" in note.text
    assert "Say what is out of scope" in note.text
    assert lead is not None


async def test_nobody_reviews_themselves_and_a_second_review_updates_the_first(
    harness: Harness, chat: MemoryChat
) -> None:
    await start_manual_round(chat, stages=1)
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: everyone")
    await chat.reply(bo, "scope: only new users")
    rnd = chat.prompt_post().message.buttons[0].value
    values = {"reviewee": ana.user.user_id, "strength": "good", "improvement": "more numbers"}
    own = await chat.submit(ana, "feedback", rnd, values)
    assert own.form_errors == {"reviewee": "You can't review yourself; pick a teammate."}
    first = await chat.submit(bo, "feedback", rnd, values)
    second = await chat.submit(bo, "feedback", rnd, {**values, "problem": "2"})
    assert "sent (+3 points)" in first.text
    assert "updated. Thanks" in second.text
    out = await chat.command(bo, "leaderboard reviews")
    assert "1. bo: 1 review" in out.text


async def test_feedback_needs_a_strength_an_improvement_and_valid_levels(
    harness: Harness, chat: MemoryChat
) -> None:
    await start_manual_round(chat, stages=1)
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: everyone")
    rnd = chat.prompt_post().message.buttons[0].value
    base = {"reviewee": ana.user.user_id, "strength": "good", "improvement": "more numbers"}
    assert (
        "strength" in (await chat.submit(bo, "feedback", rnd, {**base, "strength": ""})).form_errors
    )
    assert "data" in (await chat.submit(bo, "feedback", rnd, {**base, "data": "9"})).form_errors
    missing = await chat.submit(bo, "feedback", rnd, {**base, "reviewee": "U-nobody"})
    assert "reviewee" in missing.form_errors


async def test_feedback_as_a_command_names_the_member(harness: Harness, chat: MemoryChat) -> None:
    await start_manual_round(chat, stages=1)
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: everyone")
    out = await chat.command(
        bo, "feedback <@U-ana> problem=4 modelling=3 strength: crisp improve: add a baseline"
    )
    assert "Feedback for ana sent" in out.text
    bad = await chat.command(bo, "feedback ana problem=4")
    assert "Usage: /kata feedback" in bad.text
    nobody = await chat.command(bo, "feedback carl strength: clear goals improve: more numbers")
    assert "I don't know a member called 'carl'" in nobody.text


async def test_the_wrap_up_lists_the_checklist_and_who_answered_which_stages(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await start_manual_round(chat, stages=2)
    await chat.reply(chat.member("ana"), "scope: a")
    await chat.reply(chat.member("ana"), "b")
    await chat.reply(chat.member("bo"), "metrics: c")
    for _ in range(9):
        await chat.command(lead, "next")
    wrap = chat.in_thread()[-1]
    assert wrap.message.title.startswith("Wrap-up")
    assert "What a strong answer covers" in wrap.text
    assert "- ana: 2 stages: Scope clarification, Functional requirements" in wrap.text
    assert "- bo: 1 stage:" in wrap.text


async def test_an_edit_of_a_reply_the_bot_never_saw_counts_it(
    harness: Harness, chat: MemoryChat
) -> None:
    from bot.chat import MessageRef

    await start_manual_round(chat, stages=1)
    ana = chat.member("ana")
    unseen = MessageRef(chat.channel(), "posted-while-down", chat.latest_thread())
    await chat.edit(ana, unseen, "metrics: recall@100 for retrieval")
    assert await answers(harness) == [("metrics", "recall@100 for retrieval")]


async def test_an_empty_answer_gets_a_reply_saying_what_to_write(
    harness: Harness, chat: MemoryChat
) -> None:
    await start_manual_round(chat, stages=1)
    ana = chat.member("ana")
    by_command = await chat.command(ana, "answer model:")
    _, by_reply = await chat.reply(ana, "[model]")
    for outcome in (by_command, by_reply):
        assert outcome.react is None
        assert "Baseline and model design" in outcome.text
        assert "model: " in outcome.text and "empty" in outcome.text
    assert await answers(harness) == []
