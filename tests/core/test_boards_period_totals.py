"""A workspace's week and month boards, once kept by the database, stay the boards the rows
give: answers added, edited and deleted, reviews sent and sent again, a member forgetting
themselves and a week turning over, in a workspace with one practice channel, whose own
boards read the rows themselves."""

from __future__ import annotations

from datetime import timedelta

from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

ASKED = ("points week", "points month", "reviews week", "reviews month")


async def boards_agree(chat: MemoryChat) -> list[str]:
    """Each workspace board (title aside) is the channel's; returns the workspace boards."""
    asker = chat.member("zed")
    shown = []
    for words in ASKED:
        wide = (await chat.command(asker, f"leaderboard {words} workspace")).text
        here = (await chat.command(asker, f"leaderboard {words}")).text
        assert wide.splitlines()[1:] == here.splitlines()[1:], (words, wide, here)
        shown.append(wide)
    return shown


async def test_the_kept_workspace_boards_follow_every_change_to_points_and_reviews(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo, cy = chat.member("ana"), chat.member("bo"), chat.member("cy")
    await chat.reply(ana, "scope: everyone in the EU")
    first = await boards_agree(chat)  # the first ask registers this week and month
    assert "ana: 7 pts" in first[0]

    await chat.reply(bo, "scope: only new users")
    await chat.command(lead, "next")
    cy_answer, _ = await chat.reply(cy, "functional: a ranked list")
    await chat.command(bo, "feedback ana problem=3 strength: clear goal improve: add numbers")
    await chat.command(bo, "feedback ana problem=4 strength: clearer improve: add numbers")
    await chat.command(cy, "feedback bo data=2 strength: sharp improve: say why")
    shown = await boards_agree(chat)
    assert "bo: 10 pts" in shown[0] and "cy: 10 pts" in shown[0]

    await chat.edit(cy, cy_answer, "functional: a ranked list of ten")
    await chat.delete(cy_answer)
    shown = await boards_agree(chat)
    assert "cy: 3 pts" in shown[0]

    await chat.command(bo, "forgetme confirm")
    shown = await boards_agree(chat)
    assert "bo:" not in shown[0] and "bo:" not in shown[2] and "cy: 1" in shown[2]

    await harness.advance(timedelta(days=7))
    await chat.command(lead, "now")
    await chat.reply(ana, "scope: one region")
    shown = await boards_agree(chat)
    assert "ana: 7 pts" in shown[0]
