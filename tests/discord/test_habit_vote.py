"""Best answer in Discord: the Vote button opens a select of teammates who answered, the slash
command votes too, and the wrap-up digest names the winner within Discord's limits."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, custom_ids, text_of
from tests.discord.people import Person, UserOption
from tests.support.harness import Harness

EPHEMERAL = 1 << 6


def _title(message: dict) -> str:
    return (message.get("embeds") or [{}])[0].get("title") or ""


async def test_members_vote_by_button_and_command_and_the_wrap_up_names_the_winner(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo, cy = Person(fake, "bo"), Person(fake, "cy")
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    await fake.reply_to(await lea.slash("pace", mode="manual"))
    await fake.reply_to(await lea.slash("now"))
    (prompt,) = fake.posts_in(fake.channel_id)
    (thread,) = fake.threads()
    vote_button = next(b for b in custom_ids(prompt) if b.startswith("kata:vote:"))

    for person, text in ((bo, "Scope: members in Europe first."), (cy, "Scope: everyone.")):
        said = await person.says(text, where=thread["id"])
        await fake.wait_for(lambda said=said: (thread["id"], said) in fake.reactions)

    # Lea presses "Vote best answer": a modal with one select of those who answered.
    modal = (await fake.reply_to(await lea.presses(prompt, vote_button)))["data"]
    (select,) = [c["component"] for c in modal["components"]]
    assert select["type"] == 3 and [o["label"] for o in select["options"]] == ["Bo", "Cy"]
    done = await lea.submits(modal["custom_id"], {"nominee": [bo.id]}, where=fake.channel_id)
    thanks = (await fake.reply_to(done))["data"]
    assert thanks["flags"] & EPHEMERAL and "Your vote for Bo is counted" in text_of(thanks)

    # Cy votes with the slash command; only Cy sees the answer.
    voted = (await fake.reply_to(await cy.slash("vote", member=UserOption(bo.id))))["data"]
    assert voted["flags"] & EPHEMERAL and "Your vote for Bo is counted" in text_of(voted)
    own = (await fake.reply_to(await bo.slash("vote", member=UserOption(bo.id))))["data"]
    assert "can't vote for your own answer" in text_of(own)

    while not any(_title(m).startswith("Wrap-up") for m in fake.posts_in(thread["id"])):
        await fake.reply_to(await lea.slash("next", where=thread["id"]))
    wrap = [m for m in fake.posts_in(thread["id"]) if _title(m).startswith("Wrap-up")]
    shown = "\n".join(text_of(m) for m in wrap)
    assert "Bo, with 2 votes (+5 points)." in shown
    assert "Answers: Scope clarification" in shown and "Scope: everyone." not in shown
    assert "- Cy: everyone." in shown
    assert all("kata:vote:" not in b for m in wrap for b in custom_ids(m))


async def test_a_crowded_round_wraps_up_within_discords_embed_limits(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    lea = Person(fake, "lea", admin=True)
    team = [Person(fake, f"member{i:02}") for i in range(30)]
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    await fake.reply_to(await lea.slash("pace", mode="all"))
    await fake.reply_to(await lea.slash("now"))
    await harness.run_due()  # the worker posts every stage (pacing all)
    (thread,) = fake.threads()
    stages = ("scope", "metrics", "data", "serving")
    for person in team:
        for stage in stages:
            said = await person.says(f"{stage}: " + "a long considered answer " * 40, thread["id"])
            await fake.wait_for(lambda said=said: (thread["id"], said) in fake.reactions)
    await fake.reply_to(await lea.slash("next", where=thread["id"]))
    posts = fake.posts_in(thread["id"])
    (wrap,) = [m for m in posts if _title(m).startswith("Wrap-up")]
    assert posts[-1] is wrap, "the wrap-up fits one message"
    (embed,) = wrap["embeds"]
    assert len(embed["description"]) <= 4096
    shown = text_of(wrap)
    assert "Who answered what (30 members, stages each)" in shown
    assert "Member00 (4), Member01 (4)" in shown
    assert shown.count("more answers in the thread") == len(stages)


async def test_a_member_reads_the_feedback_they_received_with_the_feedback_command(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    await fake.reply_to(await lea.slash("pace", mode="manual"))
    await fake.reply_to(await lea.slash("now"))
    (thread,) = fake.threads()
    said = await bo.says("Scope: members in Europe first.", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], said) in fake.reactions)
    review = await lea.slash(
        "feedback",
        member=UserOption(bo.id),
        strength="Clear scope questions",
        improve="Name a latency budget",
        problem="3",
        where=thread["id"],
    )
    assert "Feedback for Bo sent" in text_of((await fake.reply_to(review))["data"])
    shown = (await fake.reply_to(await bo.slash("feedback", received="week")))["data"]
    assert shown["flags"] & EPHEMERAL
    assert "Feedback you received in the last 7 days (1 review)" in text_of(shown)
    assert "Strength: Clear scope questions" in text_of(shown)


async def test_an_admin_approves_a_suggestion_and_its_author_hears_in_a_dm(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    bo = Person(fake, "bo")
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    suggested = await bo.slash(
        "prompts",
        "suggest",
        title="Rank podcast episodes",
        scenario="Listeners type a topic and expect the right episodes first.",
        tags="search",
    )
    reply = (await fake.reply_to(suggested))["data"]
    assert reply["flags"] & EPHEMERAL and "Your suggestion #1" in text_of(reply)
    approved = (await fake.reply_to(await lea.slash("prompts", "approve", id=1)))["data"]
    assert "credited to Bo" in text_of(approved)
    dm = await fake.wait_for(lambda: fake.dms_to(bo.id))
    assert "Rank podcast episodes was approved" in text_of(dm[0])
