"""Answers in a round's thread: posted, edited, deleted, and through a dropped gateway."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person
from tests.discord.story import answers, round_running, settled
from tests.support.harness import Harness


async def test_edits_and_deletions_in_the_thread_update_the_answer(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    _, thread = await round_running(fake, lea)

    first = await bo.says("All members, worldwide.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], first) in fake.reactions)
    await bo.edits(first, "Members in Europe, films only.", where=thread["id"])
    await settled(fake, bot)
    assert await _has(harness, first, "Members in Europe, films only.")

    await bo.deletes(first, where=thread["id"])
    await settled(fake, bot)
    assert await _gone(harness, first)


async def test_chatter_outside_the_thread_is_not_an_answer(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    _, thread = await round_running(fake, lea)

    await bo.says("lunch anyone?")  # in the channel, not the thread
    counted = await bo.says("Latency under 200 ms.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], counted) in fake.reactions)
    assert list((await answers(harness)).values()) == ["Latency under 200 ms."]


async def test_a_dropped_gateway_resumes_without_losing_or_doubling_answers(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    _, thread = await round_running(fake, lea)
    before = await bo.says("More watch time is the goal.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], before) in fake.reactions)

    # Discord drops the connection; Bo answers while the bot is away. On RESUME the gateway
    # replays what was missed and, delivering at least once, the answer before the drop too.
    sent_before = next(p["s"] for p in fake.gateway.log if p["d"].get("id") == before)
    fake.gateway.replay_overlap = fake.gateway.seq - sent_before + 1
    await fake.gateway.drop()
    during = await bo.says("Hours watched per week as the metric.", where=thread["id"])

    await fake.wait_for(lambda: (thread["id"], during) in fake.reactions, within=10)
    assert len(fake.gateway.resumes) == 1 and len(fake.gateway.identifies) == 1
    assert await answers(harness) == {
        before: "More watch time is the goal.",
        during: "Hours watched per week as the metric.",
    }


async def _has(harness: Harness, message_id: str, text: str) -> bool:
    return (await answers(harness)).get(message_id) == text


async def _gone(harness: Harness, message_id: str) -> bool:
    return message_id not in await answers(harness)
