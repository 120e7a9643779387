"""A team's first week: settings answer in one line, say what they did, and read naturally."""

from __future__ import annotations

import ast
import re

from bot.settings import PROJECT_ROOT
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


def suggestions(text: str) -> list[str]:
    m = re.search(r"Did you mean (.+?)\?", text)
    return [s.strip() for s in m.group(1).replace(" or ", ", ").split(",")] if m else []


# ---------------------------------------------------------------- 21: plurals


async def test_counts_read_naturally_for_one_and_many(harness: Harness, chat: MemoryChat) -> None:
    lead = chat.member("lea", admin=True)
    await chat.start_round("09:00 Europe/Berlin daily", "drip 1")
    prompt = chat.prompt_post().text
    assert "a new stage every minute" in prompt and "1 minutes" not in prompt
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: an answer")
    await chat.reply(bo, "scope: an answer")
    await chat.command(ana, "feedback bo strength: clear scope improve: name a latency budget")
    streak_board = (await chat.command(ana, "leaderboard streak")).text
    assert "1. ana: 1 round\n" in streak_board + "\n", streak_board
    assert "1. ana: 1 review" in (await chat.command(ana, "leaderboard reviews")).text
    streak = (await chat.command(ana, "streak")).text
    assert "(s)" not in streak and "1 round in a row" in streak, streak
    assert "6 more rounds in a row" in streak
    await harness.advance(minutes=20)
    wrapup = chat.in_thread()[-1].text
    assert "ana: 1 stage:" in wrapup and "(s)" not in wrapup, wrapup
    pace = await chat.command(lead, "pace drip 1")
    assert "every minute" in pace.text, pace.text


def test_no_message_in_the_code_hedges_a_plural_with_s_in_brackets() -> None:
    hedged = []
    for folder in ("bot", "adapters"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                text = node.value if isinstance(node, ast.Constant) else None
                if isinstance(text, str) and re.search(r"(?<!http)(?<!ws)\(s\)", text):
                    hedged.append(f"{path.name}: {text!r}")
    assert hedged == []
