"""Best answer in Slack: the Vote button opens a modal of teammates who answered, `/kata vote`
works too, and the wrap-up digest lands in the thread within Block Kit's limits."""

from __future__ import annotations

from adapters.ticks import TickBudget
from tests.slack.conftest import ALICE, BOB, CAROL, CHANNEL, Team


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and b.get("text")]


async def test_a_team_votes_and_the_wrap_up_names_the_best_answer(team: Team) -> None:
    api = team.api
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.member(ALICE).runs("pace manual")
    await team.member(ALICE).runs("now")
    await team.settled()
    [prompt] = [m for m in api.bot_posts(CHANNEL) if m.thread_ts is None]
    await team.member(BOB).says("Scope: every new sign-up, worldwide.", prompt.ts)
    await team.member(ALICE).says("Scope: sign-ups in the EU first.", prompt.ts)
    await team.settled()

    await team.member(CAROL).presses(prompt, "vote")
    await team.settled()
    [modal] = api.opened_views
    assert modal["callback_id"] == "kata_form:vote"
    options = modal["blocks"][0]["element"]["options"]
    assert sorted(o["value"] for o in options) == [ALICE, BOB]
    accepted = await team.member(CAROL).submits(modal, {"nominee": BOB})
    assert accepted.status == 200 and accepted.body == ""
    await team.settled()
    to_carol = [e for e in api.ephemerals if e["user"] == CAROL]
    assert any("Your vote for Bob is counted" in e["text"] for e in to_carol)

    await team.member(ALICE).runs(f"vote <@{BOB}>")
    await team.settled()
    assert "Your vote for Bob is counted" in api.responses[-1]["text"]
    assert api.responses[-1]["response_type"] == "ephemeral"

    for _ in range(11):
        await team.member(ALICE).runs("next")
        await team.settled()
    wrap = api.bot_replies(CHANNEL, prompt.ts)[-1]
    assert wrap.blocks[0]["text"]["text"].startswith("Wrap-up")
    texts = section_texts(wrap.blocks)
    assert any("Bob, with 2 votes (+5 points)." in t for t in texts), texts
    assert len(wrap.blocks) <= 50 and all(len(t) <= 3000 for t in texts)
    actions = [b for b in wrap.blocks if b["type"] == "actions"][0]["elements"]
    assert [a["action_id"].split("_")[1] for a in actions] == ["feedback", "stats"]


async def test_a_crowded_round_wraps_up_in_one_slack_message_within_block_kit_limits(
    team: Team,
) -> None:
    api = team.api
    team.adapter.inbound.reactions.budget = TickBudget(
        per_minute=50, burst=200
    )  # ticks are not the story
    people = [f"UMEMBER{i:02}" for i in range(25)]
    for i, user in enumerate(people):
        api.add_user(user, f"Member {i:02}")
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.member(ALICE).runs("pace manual")
    await team.member(ALICE).runs("now")
    await team.settled()
    [prompt] = [m for m in api.bot_posts(CHANNEL) if m.thread_ts is None]
    for user in people:
        for stage in ("scope", "metrics", "data", "serving", "monitoring"):
            await team.member(user).says(f"{stage}: " + "a long considered answer " * 60, prompt.ts)
    await team.settled()
    for _ in range(11):
        await team.member(ALICE).runs("next")
        await team.settled()
    replies = api.bot_replies(CHANNEL, prompt.ts)
    wraps = [i for i, m in enumerate(replies) if m.blocks[0]["text"]["text"].startswith("Wrap-up")]
    assert wraps == [len(replies) - 1], "the wrap-up is one message, the last in the thread"
    wrap = replies[-1]
    texts = section_texts(wrap.blocks)
    assert len(wrap.blocks) <= 50 and all(len(t) <= 3000 for t in texts)
    assert sum("more answers in the thread" in t for t in texts) == 5
