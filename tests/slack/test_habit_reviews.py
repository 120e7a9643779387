"""Assigned reviews, reaction votes and digest links in Slack: the reviewer's DM carries a
button that opens the review modal, a 🏆 reaction on an answer votes (and its removal
withdraws the vote), and the wrap-up links the answers with permalinks, within Block Kit's
limits."""

from __future__ import annotations

from tests.slack.conftest import ALICE, BOB, CAROL, CHANNEL, Team
from tests.slack.fake_web_api import Posted

WORKSPACE_URL = "https://kata.example.slack.com"


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b.get("type") == "section" and b.get("text")]


async def react(team: Team, user: str, answer: Posted, added: bool = True) -> None:
    kind = "reaction_added" if added else "reaction_removed"
    event = {
        "type": kind,
        "user": user,
        "reaction": "trophy",
        "item_user": answer.user,
        "item": {"type": "message", "channel": answer.channel, "ts": answer.ts},
        "event_ts": team.api.next_ts(),
    }
    delivered = await team.slack.send_event(team.slack.event_callback(event))
    assert delivered.status == 200
    await team.settled()


async def round_with_answers(team: Team) -> tuple[Posted, Posted, Posted]:
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.member(ALICE).runs("pace manual")
    await team.member(ALICE).runs("now")
    await team.settled()
    [prompt] = [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]
    bob, _ = await team.member(BOB).says("Scope: every new sign-up, worldwide.", prompt.ts)
    carol, _ = await team.member(CAROL).says("Scope: sign-ups in the EU first.", prompt.ts)
    await team.settled()
    return prompt, bob, carol


async def wrap_up(team: Team, prompt: Posted) -> Posted:
    for _ in range(11):
        await team.member(ALICE).runs("next")
        await team.settled()
    await team.h.run_due()  # the worker's next drain: the reviewers' notes
    await team.settled()
    wrap = team.api.bot_replies(CHANNEL, prompt.ts)[-1]
    assert wrap.blocks[0]["text"]["text"].startswith("Wrap-up")
    return wrap


async def test_a_trophy_reaction_votes_and_removing_it_withdraws(team: Team) -> None:
    prompt, bob_answer, _ = await round_with_answers(team)
    await react(team, ALICE, bob_answer)
    to_alice = [e["text"] for e in team.api.ephemerals if e["user"] == ALICE]
    assert any("Your vote for Bob is counted" in t for t in to_alice), to_alice
    await react(team, ALICE, bob_answer, added=False)
    to_alice = [e["text"] for e in team.api.ephemerals if e["user"] == ALICE]
    assert "Your vote for Bob is withdrawn" in to_alice[-1]
    await react(team, CAROL, bob_answer)
    wrap = await wrap_up(team, prompt)
    assert any("Bob, with 1 vote (+5 points)." in t for t in section_texts(wrap.blocks))


async def test_the_wrap_up_links_answers_and_each_reviewer_gets_a_dm_with_a_review_button(
    team: Team,
) -> None:
    prompt, bob_answer, carol_answer = await round_with_answers(team)
    wrap = await wrap_up(team, prompt)
    texts = section_texts(wrap.blocks)
    link = (
        f"<{WORKSPACE_URL}/archives/{CHANNEL}/p{bob_answer.ts.replace('.', '')}"
        f"?thread_ts={prompt.ts}&amp;cid={CHANNEL}|Bob>"
    )
    assert any(link in t for t in texts), texts
    assert any("Assigned reviews" in t and "Bob reviews Carol: waiting" in t for t in texts)
    assert len(wrap.blocks) <= 50 and all(len(t) <= 3000 for t in texts)

    [note] = team.api.bot_posts("D" + BOB)
    assert "Please review Carol's answers (round #1)" in note.blocks[0]["text"]["text"]
    assert any(
        f"The round: {WORKSPACE_URL}/archives/{CHANNEL}/p{prompt.ts.replace('.', '')}" in t
        for t in section_texts(note.blocks)
    )
    [button] = [e for b in note.blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Review Carol" and button["style"] == "primary"
    await team.member(BOB).presses(note, "feedback")
    await team.settled()
    [modal] = team.api.opened_views
    assert modal["callback_id"] == "kata_form:feedback"
    options = modal["blocks"][0]["element"]["options"]
    assert [o["value"] for o in options] == [CAROL]
