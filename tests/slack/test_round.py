"""A team plays a whole round in Slack: setup, prompt, stages in the thread, answers, a
feedback modal, the leaderboard and the App Home. Real bolt, real SDK, real core."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Answer, Channel, Feedback
from tests.slack.conftest import ALICE, BOB, CAROL, CHANNEL, Team
from tests.support.harness import Harness


async def answers_in(h: Harness) -> list[Answer]:
    async with h.kata.sessions() as session:
        return list((await session.scalars(select(Answer).order_by(Answer.id))).all())


def section_texts(blocks: list[dict]) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if b.get("text"))


async def test_a_team_plays_a_full_round_in_a_thread(team: Team) -> None:
    api = team.api

    # Alice, a workspace admin, sets the channel up; the whole channel sees it.
    ack = await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    assert ack.status == 200 and ack.body == ""
    await team.settled()
    setup_reply = api.responses[-1]
    assert setup_reply["response_type"] == "in_channel"
    assert "set up" in setup_reply["text"]

    # 09:00 in Berlin: the prompt arrives as a Block Kit message with its four buttons,
    # and the first stage goes into its thread.
    await team.h.advance(hours=1)
    [prompt] = [m for m in api.bot_posts(CHANNEL) if m.thread_ts is None]
    assert prompt.blocks[0]["type"] == "header"
    assert prompt.blocks[0]["text"]["text"].startswith("Design Kata #1")
    actions = [b for b in prompt.blocks if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"].split("_")[1] for a in actions] == ["next", "feedback", "stats", "vote"]
    stages = api.bot_replies(CHANNEL, prompt.ts)
    assert len(stages) == 1 and stages[0].text.startswith("Stage 1/")

    # Bob answers in the thread: the answer counts and gets a check mark.
    bobs, ack = await team.member(BOB).says(
        "Who is in scope: all new sign-ups, worldwide, web and mobile.", prompt.ts
    )
    assert ack.status == 200
    await team.settled()
    assert (CHANNEL, bobs.ts, "white_check_mark") in api.reactions

    # He fixes a typo; the recorded answer follows the edit.
    await team.member(BOB).edits(bobs, "In scope: every new sign-up, worldwide, on web and mobile.")
    await team.settled()
    [answer] = await answers_in(team.h)
    assert answer.text.startswith("In scope: every new sign-up")

    # A message outside the thread is chat, not an answer.
    await team.member(CAROL).says("Coffee anyone?")
    await team.settled()
    assert len(await answers_in(team.h)) == 1

    # The stages drip by themselves: Bob's "Next stage" is refused, and only Bob is told.
    await team.member(BOB).presses(prompt, "next")
    await team.settled()
    assert len(api.bot_replies(CHANNEL, prompt.ts)) == 1
    assert api.responses[-1]["response_type"] == "ephemeral"
    assert "Only admins" in api.responses[-1]["text"]

    # Alice, who set the channel up, may hurry it: stage 2 lands in the same thread.
    await team.member(ALICE).presses(prompt, "next")
    await team.settled()
    stages = api.bot_replies(CHANNEL, prompt.ts)
    assert [s.text.split(":")[0] for s in stages] == ["Stage 1/10", "Stage 2/10"]
    assert api.responses[-1]["response_type"] == "ephemeral"

    # Carol answers too, then opens the feedback modal from the prompt.
    carols, _ = await team.member(CAROL).says(
        "Inputs: sign-up form, device, IP; output: a risk score.", prompt.ts
    )
    await team.member(CAROL).presses(prompt, "feedback")
    await team.settled()
    [modal] = api.opened_views
    assert modal["callback_id"] == "kata_form:feedback"
    reviewee_options = modal["blocks"][0]["element"]["options"]
    assert [o["value"] for o in reviewee_options] == [BOB]
    levels = [o["value"] for o in modal["blocks"][1]["element"]["options"]]
    assert levels == ["1", "2", "3", "4"]
    assert [b["block_id"] for b in modal["blocks"]][-2:] == ["strength", "improvement"]

    # A too-short strength is refused inline, and the modal stays open.
    refused = await team.member(CAROL).submits(
        modal, {"reviewee": BOB, "problem": "3", "strength": "ok", "improvement": "a"}
    )
    assert refused.json()["response_action"] == "errors"
    assert set(refused.json()["errors"]) <= {"strength", "improvement"}
    await team.settled()
    async with team.h.kata.sessions() as session:
        assert (await session.scalars(select(Feedback))).all() == []

    # A proper review closes the modal and is recorded; Carol gets a private confirmation.
    accepted = await team.member(CAROL).submits(
        modal,
        {
            "reviewee": BOB,
            "problem": "3",
            "modelling": "4",
            "strength": "Clear scope questions up front.",
            "improvement": "Name a latency budget for the check at sign-up.",
        },
    )
    assert accepted.status == 200 and accepted.body == ""
    await team.settled()
    async with team.h.kata.sessions() as session:
        [review] = (await session.scalars(select(Feedback))).all()
    assert review.strength == "Clear scope questions up front."
    to_carol = [e for e in api.ephemerals if e["user"] == CAROL]
    assert any("Feedback for Bob" in e["text"] for e in to_carol)
    assert all(e["channel"] == CHANNEL and e["thread_ts"] == prompt.ts for e in to_carol)

    # Bob shares the leaderboard with the channel; it names both players.
    await team.member(BOB).runs("leaderboard public")
    await team.settled()
    board = api.responses[-1]
    assert board["response_type"] == "in_channel"
    assert "Bob" in board["text"] and "Carol" in board["text"]

    # "My stats" is Bob's alone.
    await team.member(BOB).presses(prompt, "stats")
    await team.settled()
    assert api.responses[-1]["response_type"] == "ephemeral"

    # The day goes on: the remaining stages and the wrap-up all land in the thread.
    await team.h.advance(hours=12)
    thread = api.bot_replies(CHANNEL, prompt.ts)
    assert thread[-1].blocks[0]["text"]["text"].startswith("Wrap-up")
    assert len([m for m in thread if m.text.startswith("Stage ")]) == 10
    assert [m for m in api.bot_posts(CHANNEL) if m.thread_ts is None] == [prompt]

    # Bob opens the App Home and sees his streak and the round.
    await team.member(BOB).opens_home()
    await team.settled()
    home = api.home_views[BOB]
    assert home["type"] == "home"
    assert "Streak 1" in section_texts(home["blocks"])
    assert "#design-practice" in str(home["blocks"])  # the name from the slash command

    async with team.h.kata.sessions() as session:
        channel = await session.scalar(select(Channel))
        assert channel is not None and not channel.paused


async def test_deleting_an_answer_takes_it_back(team: Team) -> None:
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.settled()
    await team.member(ALICE).runs("now")
    await team.settled()
    prompt = team.api.bot_posts(CHANNEL)[0]
    posted, _ = await team.member(BOB).says("Requirements: p99 under 50 ms.", prompt.ts)
    await team.settled()
    assert len(await answers_in(team.h)) == 1

    await team.member(BOB).deletes(posted)
    await team.settled()
    assert await answers_in(team.h) == []


async def test_private_replies_are_ephemeral_and_shared_ones_are_not(team: Team) -> None:
    await team.member(BOB).runs("help")
    await team.settled()
    assert team.api.responses[-1]["response_type"] == "ephemeral"
    assert "/kata" in team.api.responses[-1]["text"] or "setup" in team.api.responses[-1]["text"]

    # A member who is not an admin cannot set the channel up; the refusal is private.
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.settled()
    await team.member(BOB).runs("pause")
    await team.settled()
    refusal = team.api.responses[-1]
    assert refusal["response_type"] == "ephemeral"
    assert "Only workspace admins" in refusal["text"]


async def test_an_export_arrives_as_a_csv_file_in_a_direct_message(team: Team) -> None:
    await team.member(BOB).runs("export")
    await team.settled()
    assert team.api.responses[-1]["response_type"] == "ephemeral"
    [shared] = team.api.shared_files
    assert shared["channel"] == "D" + BOB and shared["title"].endswith(".csv")
    assert b"," in team.api.uploads[shared["id"]]  # the CSV's bytes reached the upload URL


async def test_a_known_members_late_reply_gets_the_closed_round_note_and_a_new_answer_its_tick(
    team: Team,
) -> None:
    """A member the bot has already seen takes the short way in (no task per message): the
    note and the ✅ still follow once the batch is written."""
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.settled()
    await team.h.advance(hours=1)  # Mon 09:00 Berlin: round 1
    [first] = [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]
    await team.member(BOB).says("Scope: logged-in users only.", first.ts)
    await team.settled()
    await team.h.advance(days=1)  # Tue 09:00: round 2
    await team.settled()
    [_, second] = [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]

    late, late_ack = await team.member(BOB).says("Latency: p99 under 80 ms.", first.ts)
    fresh, _ = await team.member(BOB).says("Scope: every market at once.", second.ts)
    await team.settled()

    assert late_ack.status == 200
    [note] = team.api.calls_to("chat.postEphemeral")
    assert note.params["user"] == BOB and note.params["thread_ts"] == first.ts
    assert "That round has closed" in note.params["text"]
    ticked = {ts for (_, ts, emoji) in team.api.reactions if emoji == "white_check_mark"}
    assert fresh.ts in ticked and late.ts not in ticked
    assert [a.text for a in await answers_in(team.h)] == [
        "logged-in users only.",
        "every market at once.",
    ], "each under its stage (the 'Scope:' label chose it); the late reply is not stored"
