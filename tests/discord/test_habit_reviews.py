"""Assigned reviews, reaction votes and digest links in Discord: a 🏆 reaction on an answer (a
raw gateway event) votes and its removal withdraws the vote, the wrap-up links each answer to
its message within one embed, and each reviewer gets a DM naming whom to review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from adapters.discord import DiscordAdapter
from bot.models import BestVote
from tests.discord.fake_discord import FakeDiscord, custom_ids, text_of
from tests.discord.people import Person
from tests.discord.story import round_running, settled
from tests.support.harness import Harness

TROPHY = "\U0001f3c6"


def _title(message: dict) -> str:
    return (message.get("embeds") or [{}])[0].get("title") or ""


async def react(
    fake: FakeDiscord, who: Person, thread: dict[str, Any], message_id: str, added: bool = True
) -> None:
    data: dict[str, Any] = {
        "user_id": who.id,
        "channel_id": thread["id"],
        "message_id": message_id,
        "guild_id": fake.guild_id,
        "emoji": {"id": None, "name": TROPHY},
        "burst": False,
        "type": 0,
    }
    if added:
        data["member"] = fake.members[who.id]
    await fake.gateway.dispatch(
        "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE", data
    )


async def vote_count(harness: Harness) -> int:
    async with harness.kata.sessions() as session:
        return len((await session.scalars(select(BestVote))).all())


async def test_a_trophy_votes_its_removal_withdraws_and_the_wrap_up_links_the_answers(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea, bo, cy = Person(fake, "lea", admin=True), Person(fake, "bo"), Person(fake, "cy")
    prompt, thread = await round_running(fake, lea)
    said = {}
    for person, text in ((bo, "Scope: members in Europe first."), (cy, "Scope: everyone.")):
        said[person.id] = await person.says(text, where=thread["id"])
        await fake.wait_for(lambda s=said[person.id]: (thread["id"], s) in fake.reactions)

    await react(fake, lea, thread, said[bo.id])
    await settled(fake, bot)
    assert await vote_count(harness) == 1
    await react(fake, lea, thread, said[bo.id], added=False)
    await settled(fake, bot)
    assert await vote_count(harness) == 0
    await react(fake, cy, thread, said[bo.id])
    await settled(fake, bot)
    assert await vote_count(harness) == 1

    next_button = next(b for b in custom_ids(prompt) if b.startswith("kata:next:"))
    while not any(_title(m).startswith("Wrap-up") for m in fake.posts_in(thread["id"])):
        await fake.reply_to(await lea.presses(prompt, next_button))
    (wrap,) = [m for m in fake.posts_in(thread["id"]) if _title(m).startswith("Wrap-up")]
    (embed,) = wrap["embeds"]
    assert len(embed["description"]) <= 4096
    shown = text_of(wrap)
    assert "Bo, with 1 vote (+5 points)." in shown
    link = f"https://discord.com/channels/{fake.guild_id}/{thread['id']}/{said[bo.id]}"
    assert f"[Bo]({link})" in embed["description"], embed["description"]

    await harness.run_due()  # the worker's next drain: the reviewers' notes
    dm = await fake.wait_for(lambda: fake.dms_to(bo.id))
    note = text_of(dm[0])
    assert "Please review Cy's answers (round #1)" in note
    assert "/kata feedback Cy strength:" in note
    assert f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{prompt['id']}" in note
    assert dm[0].get("components") in (None, [])  # no button a DM could not route
