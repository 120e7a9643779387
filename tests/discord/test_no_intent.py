"""A bot without the Message Content intent: members answer with /kata answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.people import Person
from tests.discord.story import answers, round_running
from tests.support.harness import Harness

EPHEMERAL = 1 << 6
MESSAGE_CONTENT_INTENT = 1 << 15


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(message_content=False)
    await server.start()
    yield server
    await server.close()


async def test_without_the_intent_answers_come_through_a_modal(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    assert not fake.gateway.identifies[0]["intents"] & MESSAGE_CONTENT_INTENT
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    _, thread = await round_running(fake, lea)

    # The bot says once, in the thread, how to answer.
    notes = [m for m in fake.posts_in(thread["id"]) if "/kata answer" in text_of(m)]
    assert len(notes) == 1

    # A plain message arrives without its text: nothing is recorded for it.
    await bo.says("Families in Europe first.", where=thread["id"])

    ask = await bo.slash("answer", where=thread["id"])
    modal = (await fake.reply_to(ask))["data"]
    assert modal["custom_id"] == f"kata:answer:{ask}"
    inputs = {c["component"]["custom_id"]: c["component"] for c in modal["components"]}
    assert inputs["answer"]["style"] == 2  # paragraph

    sent = await bo.submits(
        modal["custom_id"], {"stage": "", "answer": "Families in Europe first."}, where=thread["id"]
    )
    reply = (await fake.reply_to(sent))["data"]
    assert reply["flags"] & EPHEMERAL
    assert "recorded" in text_of(reply).lower()
    assert await answers(harness) == {ask: "Families in Europe first."}
    assert fake.reactions == []


async def test_answer_with_text_needs_no_modal_and_only_works_in_a_thread(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    _, thread = await round_running(fake, lea)

    typed = await lea.slash(
        "answer", text="Ranking with a popularity baseline.", where=thread["id"]
    )
    assert (await fake.reply_to(typed))["type"] == 4
    assert await answers(harness) == {typed: "Ranking with a popularity baseline."}

    outside = await lea.slash("answer")
    reply = (await fake.reply_to(outside))["data"]
    assert reply["flags"] & EPHEMERAL and "thread" in text_of(reply)
