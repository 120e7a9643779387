"""Pictures reach Slack through files.uploadV2: a member's `stats` pictures come by DM (Slack
cannot attach files to an ephemeral message, and the reply says so); a closed week's bar chart
goes into the channel under the final board. Every step is checked by the fake Slack."""

from __future__ import annotations

import io

from PIL import Image

from bot.pictures import bars, heatmap
from tests.slack.conftest import ALICE, BOB, CHANNEL, Team


def png_size(content: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(content)).size


async def a_round_bob_answers(team: Team) -> None:
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.settled()
    await team.h.advance(hours=1)
    [prompt] = [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]
    await team.member(BOB).says("scope: every new sign-up, web and mobile", prompt.ts)
    await team.settled()


async def test_stats_pictures_arrive_by_direct_message_with_alt_text(team: Team) -> None:
    await a_round_bob_answers(team)
    await team.member(BOB).runs("stats")
    await team.settled()
    reply = team.api.responses[-1]
    assert reply["response_type"] == "ephemeral"
    assert "your pictures are in your direct messages" in reply["text"]
    [calendar] = team.api.shared_files
    assert calendar["channel"] == "D" + BOB
    assert calendar["filename"] == "practice-calendar.png"
    assert calendar["alt_txt"].startswith("Practice calendar of Bob")
    asked = team.api.upload_requests[calendar["id"]]
    assert int(asked["length"]) == len(team.api.uploads[calendar["id"]])
    assert png_size(team.api.uploads[calendar["id"]]) == (heatmap.WIDTH, heatmap.HEIGHT)
    [dm_note] = [m for m in team.api.bot_posts("D" + BOB)]
    assert "pictures you asked for" in dm_note.text


async def test_a_final_board_shares_its_bar_chart_in_the_channel(team: Team) -> None:
    await a_round_bob_answers(team)
    await team.h.advance(days=7)  # the next Monday's round closes the week
    await team.settled()
    assert [m for m in team.api.bot_posts(CHANNEL) if "Final board" in m.text]
    [chart] = [f for f in team.api.shared_files if f["channel"] == CHANNEL]
    assert chart["thread_ts"] is None  # in the channel, under the board, not in a thread
    assert chart["alt_txt"].startswith("Final board for the week of Mon 23 Nov")
    assert "Bob 7 pts" in chart["alt_txt"]
    assert png_size(team.api.uploads[chart["id"]]) == (bars.WIDTH, bars.height(1))
