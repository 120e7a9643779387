"""Answers written in a round's thread while the bot was away count once it is back: it reads
the thread's history (`GET /channels/{thread}/messages?after=`) and records what it lacks,
exactly once."""

from __future__ import annotations

from datetime import timedelta

from adapters.discord import DiscordAdapter
from tests.discord.conftest import connect
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person
from tests.discord.story import answers, round_running
from tests.support.harness import Harness


async def test_answers_written_while_the_bot_was_away_count_once_it_is_back(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea, bo, cy = Person(fake, "lea", admin=True), Person(fake, "bo"), Person(fake, "cy")
    _, thread = await round_running(fake, lea)
    said = await bo.says("Start from a popularity baseline.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], said) in fake.reactions)

    # The bot is away; Cy answers twice, Bo rewrites his answer, Lea chats in the channel.
    await bot.close()
    first = cy.writes("Two towers, then a ranker.", where=thread["id"])["id"]
    second = cy.writes("metrics: recall at 50 offline.", where=thread["id"])["id"]
    fake.member_messages[said]["content"] = "A popularity baseline, then two towers."
    fake.member_messages[said]["edited_timestamp"] = "2026-11-23T09:30:00+00:00"
    lea.writes("Coffee?")

    restarted = await harness.restart()
    restarted.kata.reconciler.pace = 0.0
    again = await connect(fake, restarted)
    try:
        await restarted.kata.start()
        await restarted.kata.reconciler.first_pass()

        # Both of Cy's answers count and get their tick; Bo's rewrite shows.
        recorded = await answers(restarted)
        assert recorded == {
            said: "A popularity baseline, then two towers.",
            first: "Two towers, then a ranker.",
            second: "recall at 50 offline.",
        }
        assert (thread["id"], first) in fake.reactions and (thread["id"], second) in fake.reactions
        reads = [c for c in fake.calls if c.method == "GET" and c.path.endswith("/messages")]
        assert reads and all(c.query.get("after") is not None for c in reads)

        # Reading the thread again adds nothing.
        assert await restarted.kata.reconcile() == 0
        assert await answers(restarted) == recorded
    finally:
        await again.close()
        await restarted.kata.close()


async def test_an_answer_deleted_while_the_bot_was_away_stops_counting_once_it_is_back(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea, bo, cy = Person(fake, "lea", admin=True), Person(fake, "bo"), Person(fake, "cy")
    _, thread = await round_running(fake, lea)
    bos = await bo.says("Start from a popularity baseline.", where=thread["id"])
    cys = await cy.says("Two towers, then a ranker.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], cys) in fake.reactions)

    # Away: Bo deletes his answer; Cy's shows without its text (as it would to a bot that
    # lost the Message Content intent), which is no deletion.
    await bot.close()
    del fake.member_messages[bos]
    fake.member_messages[cys]["content"] = ""

    restarted = await harness.restart()
    restarted.kata.reconciler.pace = 0.0
    restarted.clock.advance(timedelta(minutes=5))
    again = await connect(fake, restarted)
    try:
        await restarted.kata.start()
        await restarted.kata.reconciler.first_pass()
        assert await answers(restarted) == {cys: "Two towers, then a ranker."}
    finally:
        await again.close()
        await restarted.kata.close()
