"""The wrap-up digest: each stage's answers side by side, the checklist, who reviewed whom."""

from __future__ import annotations

from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def test_the_wrap_up_shows_each_stages_answers_side_by_side_and_the_reviews(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: EU shoppers on mobile")
    await chat.reply(bo, "scope: everyone, worldwide")
    await chat.reply(ana, "metrics: NDCG@10 offline, conversion online")
    await chat.reply(ana, "metrics: and a latency guardrail")
    await chat.command(bo, "feedback ana strength: crisp scope improve: name a latency budget")
    for _ in range(11):
        await chat.command(lead, "next")
    text = chat.in_thread()[-1].text
    assert (
        "Answers: Scope clarification\n- ana: EU shoppers on mobile\n- bo: everyone, worldwide"
    ) in text
    assert "- ana: NDCG@10 offline, conversion online / and a latency guardrail" in text, text
    assert "Reviews given\n- bo reviewed ana" in text
    assert "- ana: 2 stages: Scope clarification, Offline and online metrics" in text


async def test_a_round_without_reviews_invites_them(harness: Harness, chat: MemoryChat) -> None:
    lead = await chat.start_round()
    await chat.reply(chat.member("ana"), "scope: one")
    for _ in range(11):
        await chat.command(lead, "next")
    text = chat.in_thread()[-1].text
    assert "Reviews given\nNo reviews yet. There is still time" in text


async def test_an_opted_out_reviewer_is_not_named_among_the_reviews(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: one")
    await chat.command(bo, "optout")
    await chat.command(bo, "feedback ana strength: crisp scope improve: name a latency budget")
    for _ in range(11):
        await chat.command(lead, "next")
    text = chat.in_thread()[-1].text
    assert "- a teammate who keeps off the boards reviewed ana" in text
