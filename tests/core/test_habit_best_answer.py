"""Best answer and model answer: members vote for the best answer of a round, the wrap-up
names the winner with a bonus and shows the admin's reference answer beside the checklist."""

from __future__ import annotations

from sqlalchemy import select

from bot.best_answer import BEST_ANSWER_POINTS
from bot.kinds import PointKind
from bot.models import Member, PointEvent
from tests.support.harness import Harness, content
from tests.support.memory_chat import MemoryChat

STAGES = 10


async def wrap_up(chat: MemoryChat, lead) -> str:
    for _ in range(STAGES + 1):
        await chat.command(lead, "next")
    wrap = chat.in_thread()[-1]
    assert (wrap.message.title or "").startswith("Wrap-up"), wrap.text
    return wrap.text


async def best_bonuses(harness: Harness) -> list[tuple[str, int]]:
    async with harness.kata.sessions() as session:
        rows = await session.execute(
            select(Member.display_name, PointEvent.points)
            .join(Member, Member.id == PointEvent.member_id)
            .where(PointEvent.kind == PointKind.BEST)
        )
        return [(name, points) for name, points in rows]


async def test_the_member_with_most_votes_is_named_at_wrap_up_and_earns_the_bonus(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.command(lead, "next")
    ana, bo, cy = chat.member("ana"), chat.member("bo"), chat.member("cy")
    await chat.reply(ana, "scope: EU shoppers on mobile")
    await chat.reply(bo, "scope: everyone")
    assert "Your vote for ana is counted" in (await chat.command(bo, "vote @ana")).text
    assert "Your vote for bo is counted" in (await chat.command(cy, "vote bo")).text
    assert "Your vote for ana is moved" in (await chat.command(cy, "best ana")).text
    text = await wrap_up(chat, lead)
    assert f"Best answer\nana, with 2 votes (+{BEST_ANSWER_POINTS} points)." in text
    assert await best_bonuses(harness) == [("ana", BEST_ANSWER_POINTS)]
    stats = (await chat.command(ana, "stats")).text
    assert f"Points here / everywhere: {5 + 2 + BEST_ANSWER_POINTS} /" in stats, stats
    late = await chat.command(lead, "vote bo")
    assert "Voting for round #1 closed at its wrap-up" in late.text


async def test_a_vote_must_go_to_a_teammate_who_answered(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: EU shoppers")
    await chat.command(bo, "optin")
    assert "can't vote for your own answer" in (await chat.command(ana, "vote ana")).text
    assert "bo has not answered round #1" in (await chat.command(ana, "vote bo")).text
    assert "I don't know a member called 'zed'" in (await chat.command(ana, "vote zed")).text
    assert "Usage: /kata vote <member>" in (await chat.command(ana, "vote")).text
    again = [(await chat.command(bo, "vote ana")).text for _ in range(2)]
    assert "is counted" in again[0] and "You already voted for ana" in again[1]
    assert await best_bonuses(harness) == []


async def test_a_tie_goes_to_whoever_answered_first(harness: Harness, chat: MemoryChat) -> None:
    lead = await chat.start_round()
    ana, bo, cy, di = (chat.member(n) for n in ("ana", "bo", "cy", "di"))
    await chat.reply(bo, "scope: first in")
    await chat.reply(ana, "scope: second in")
    await chat.command(cy, "vote ana")
    await chat.command(di, "vote bo")
    text = await wrap_up(chat, lead)
    assert "Best answer\nbo, with 1 vote (+5 points)." in text
    assert await best_bonuses(harness) == [("bo", BEST_ANSWER_POINTS)]


async def test_the_vote_button_opens_a_form_of_the_teammates_who_answered(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo, cy = chat.member("ana"), chat.member("bo"), chat.member("cy")
    empty = await chat.press(ana, "vote")
    assert empty.form is None and "no one to vote for" in empty.text
    await chat.reply(ana, "scope: one")
    await chat.reply(bo, "scope: two")
    opened = await chat.press(cy, "vote")
    assert opened.form is not None
    (field,) = opened.form.fields
    assert [c.label for c in field.choices] == ["ana", "bo"]
    own = await chat.press(ana, "vote")
    assert own.form is not None and [c.label for c in own.form.fields[0].choices] == ["bo"]
    done = await chat.submit(cy, opened.form.form_id, opened.form.context, {"nominee": "U-bo"})
    assert "Your vote for bo is counted" in done.text and not done.form_errors
    wrong = await chat.submit(bo, opened.form.form_id, opened.form.context, {"nominee": "U-bo"})
    assert "own answer" in wrong.form_errors["nominee"]
    text = await wrap_up(chat, lead)
    assert "Best answer\nbo, with 1 vote" in text
    closed = await chat.press(cy, "vote")
    assert closed.form is None and "closed at its wrap-up" in closed.text


async def test_a_round_without_votes_names_nobody_and_pays_nothing(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.reply(chat.member("ana"), "scope: one")
    text = await wrap_up(chat, lead)
    assert "Best answer\nNo votes this round." in text
    assert await best_bonuses(harness) == []


async def test_a_wrap_up_posted_again_after_a_failure_pays_the_bonus_once(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: one")
    await chat.command(bo, "vote ana")
    for _ in range(STAGES):
        await chat.command(lead, "next")
    chat.fail_thread_post = 1
    await chat.command(lead, "next")
    assert not (chat.in_thread()[-1].message.title or "").startswith("Wrap-up")
    await harness.advance(minutes=6)
    assert (chat.in_thread()[-1].message.title or "").startswith("Wrap-up")
    assert "Best answer\nana, with 1 vote" in chat.in_thread()[-1].text
    assert await best_bonuses(harness) == [("ana", BEST_ANSWER_POINTS)]


async def test_an_opted_out_winner_gets_the_bonus_without_being_named(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: one")
    await chat.command(ana, "optout")
    await chat.command(bo, "vote ana")
    text = await wrap_up(chat, lead)
    assert "Best answer\na teammate who keeps off the boards, with 1 vote" in text
    assert await best_bonuses(harness) == [("ana", BEST_ANSWER_POINTS)]


async def test_an_admin_attaches_a_model_answer_shown_beside_the_checklist(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana = chat.member("ana")
    key = posted_prompt_key(chat)
    refused = await chat.command(ana, f"prompts model {key} Two towers.")
    assert "Only admins can use /kata prompts model" in refused.text
    unknown = await chat.command(lead, "prompts model no-such-prompt Two towers.")
    assert "There is no prompt 'no-such-prompt' here" in unknown.text
    too_long = await chat.command(lead, f"prompts model {key} " + "x" * 1501)
    assert "under 1,500 characters" in too_long.text
    saved = await chat.command(lead, f"prompts model {key} Two towers, then a reranker.")
    assert "Saved the model answer" in saved.text
    text = await wrap_up(chat, lead)
    checklist = text.index("What a strong answer covers")
    model = text.index("A model answer (unscored)\nTwo towers, then a reranker.")
    assert checklist < model


async def test_a_cleared_model_answer_is_no_longer_shown(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    key = posted_prompt_key(chat)
    await chat.command(lead, f"prompts model {key} Two towers, then a reranker.")
    cleared = await chat.command(lead, f"prompts model {key} clear")
    assert "Removed the model answer" in cleared.text
    again = await chat.command(lead, f"prompts model {key} clear")
    assert "has no model answer to remove" in again.text
    assert "A model answer" not in await wrap_up(chat, lead)


def posted_prompt_key(chat: MemoryChat) -> str:
    title = (chat.prompt_post().message.title or "").split(": ", 1)[1]
    return next(p.id for p in content().prompts if p.title == title)
