"""The feedback form across two modals: mistakes, a slow core, and prefilled fixes."""

from __future__ import annotations

from typing import Any

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, custom_ids, text_of
from tests.discord.people import Person
from tests.discord.story import round_running

EPHEMERAL = 1 << 6


async def _two_answers(fake: FakeDiscord) -> tuple[Person, Person, dict[str, Any]]:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    prompt, thread = await round_running(fake, lea)
    for person, text in ((bo, "Start with a popularity baseline."), (lea, "Two towers.")):
        said = await person.says(text, where=thread["id"])
        await fake.wait_for(lambda said=said: (thread["id"], said) in fake.reactions)
    return lea, bo, prompt


async def _open_page_two(fake: FakeDiscord, lea: Person, bo: Person, prompt: dict[str, Any]):
    modal = (await fake.reply_to(await lea.presses(prompt, custom_ids(prompt)[1])))["data"]
    first = await lea.submits(modal["custom_id"], {"reviewee": [bo.id], "problem": ["2"]})
    (more,) = custom_ids((await fake.reply_to(first))["data"])
    return (await fake.reply_to(await lea.presses(fake.responses[first], more)))["data"]


async def test_a_mistake_is_explained_privately_and_the_fix_keeps_what_was_typed(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea, bo, prompt = await _two_answers(fake)
    page_two = await _open_page_two(fake, lea, bo, prompt)

    sent = await lea.submits(
        page_two["custom_id"],
        {"communication": ["4"], "strength": "ok", "improvement": "Say which metric wins."},
    )
    problem = (await fake.reply_to(sent))["data"]
    assert problem["flags"] & EPHEMERAL
    assert "One concrete strength" in text_of(problem)
    (fix,) = custom_ids(problem)

    again = (await fake.reply_to(await lea.presses(fake.responses[sent], fix)))["data"]
    prefilled = {c["component"]["custom_id"]: c["component"] for c in again["components"]}
    assert [o["value"] for o in prefilled["communication"]["options"] if o.get("default")] == ["4"]
    assert prefilled["improvement"]["value"] == "Say which metric wins."

    fixed = await lea.submits(
        again["custom_id"],
        {"communication": ["4"], "strength": "Clear baseline", "improvement": "Say which wins."},
    )
    assert "form" not in str(custom_ids((await fake.reply_to(fixed))["data"]))
    assert await fake.wait_for(lambda: fake.dms_to(bo.id))


async def test_a_slow_core_gets_a_deferred_click_and_a_button_for_the_form(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea, bo, prompt = await _two_answers(fake)
    bot.defer_after = 0  # every answer from the core now counts as late

    press = await lea.presses(prompt, custom_ids(prompt)[1])
    assert (await fake.reply_to(press))["type"] == 6  # deferred update: the click is acknowledged
    offer = await fake.wait_for(
        lambda: [c for c in fake.calls if c.method == "POST" and "/webhooks/" in c.path]
    )
    assert offer[0].body["flags"] & EPHEMERAL
    (open_form,) = [c["custom_id"] for r in offer[0].body["components"] for c in r["components"]]

    modal = await fake.reply_to(await lea.presses(fake.message_with(open_form), open_form))
    assert modal["type"] == 9 and len(modal["data"]["components"]) == 5
