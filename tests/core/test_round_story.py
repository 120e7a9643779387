"""A team's first round, told through commands, replies and buttons."""

from __future__ import annotations

from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def test_a_team_sets_up_starts_a_round_and_answers_each_stage(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    out = await chat.command(lead, "setup 09:30 Europe/Berlin mon-fri")
    assert "set up" in out.text
    assert "09:30 Europe/Berlin, Mon-Fri" in out.text

    await chat.command(lead, "pace manual")
    out = await chat.command(lead, "now")
    assert "posted" in out.text
    prompt = chat.prompt_post()
    assert prompt.message.title.startswith("Design Kata #1: ")
    assert {b.action for b in prompt.message.buttons} == {"next", "feedback", "stats", "vote"}
    assert chat.stage_titles() == []

    await chat.press(lead, "next")
    assert chat.stage_titles() == ["Stage 1/10: " + harness.kata.content.stages[0].title]
    _, outcome = await chat.reply(lead, "Who is it for: all members, worldwide.")
    assert outcome.react == "white_check_mark"
