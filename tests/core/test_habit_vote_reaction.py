"""Vote by reaction: a 🏆 on a teammate's answer in the round's thread votes for them, by the
same rules as `vote`; removing the reaction withdraws that vote."""

from __future__ import annotations

from sqlalchemy import select

from bot.chat import Actor, MessageRef, Outcome, ReactionChanged
from bot.models import BestVote, Member
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

STAGES = 10


async def react(
    chat: MemoryChat, who: Actor, ref: MessageRef, emoji: str = "trophy", added: bool = True
) -> Outcome:
    return await chat.kata.handle(ReactionChanged(ref, who, emoji, added))


async def votes(harness: Harness) -> list[tuple[str, str]]:
    async with harness.kata.sessions() as session:
        voter, nominee = Member.__table__.alias(), Member.__table__.alias()
        rows = await session.execute(
            select(voter.c.display_name, nominee.c.display_name)
            .select_from(BestVote)
            .join(voter, voter.c.id == BestVote.voter_id)
            .join(nominee, nominee.c.id == BestVote.nominee_id)
            .order_by(voter.c.display_name)
        )
        return [tuple(r) for r in rows]


async def test_a_trophy_on_an_answer_votes_and_removing_it_withdraws(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo, cy = chat.member("ana"), chat.member("bo"), chat.member("cy")
    ana_answer, _ = await chat.reply(ana, "scope: EU shoppers on mobile")
    bo_answer, _ = await chat.reply(bo, "scope: everyone")
    counted = await react(chat, cy, ana_answer)
    assert "Your vote for ana is counted (round #1)" in counted.text
    assert await votes(harness) == [("cy", "ana")]
    moved = await react(chat, cy, bo_answer)
    assert "Your vote for bo is moved" in moved.text
    assert await votes(harness) == [("cy", "bo")]
    stale = await react(chat, cy, ana_answer, added=False)  # the older reaction goes
    assert "You have no vote for ana" in stale.text and await votes(harness) == [("cy", "bo")]
    withdrawn = await react(chat, cy, bo_answer, added=False)
    assert "Your vote for bo is withdrawn" in withdrawn.text and await votes(harness) == []
    await react(chat, bo, ana_answer)
    for _ in range(STAGES + 1):
        await chat.command(lead, "next")
    assert "Best answer\nana, with 1 vote" in chat.in_thread()[-1].text


async def test_the_vote_rules_hold_for_reactions(harness: Harness, chat: MemoryChat) -> None:
    lead = await chat.start_round()
    ana, bo = chat.member("ana"), chat.member("bo")
    ana_answer, _ = await chat.reply(ana, "scope: EU shoppers")
    own = await react(chat, ana, ana_answer)
    assert "can't vote for your own answer" in own.text
    other_emoji = await react(chat, bo, ana_answer, emoji="thumbsup")
    assert other_emoji.replies == [] and await votes(harness) == []
    thread = chat.latest_thread()
    not_an_answer = MessageRef(thread.channel, "not-an-answer", thread)
    assert (await react(chat, bo, not_an_answer)).replies == []
    for _ in range(STAGES + 1):
        await chat.command(lead, "next")
    late = await react(chat, bo, ana_answer)
    assert "Voting for round #1 closed at its wrap-up" in late.text
    assert await votes(harness) == []
