"""Pictures on Discord: a member's `stats` reply shows the calendar as an embed's image
(`attachment://…`) on the ephemeral answer, and a closed week's final board shows its bar
chart the same way in the channel; the fake checks each file came with its message."""

from __future__ import annotations

import io
import re

from PIL import Image

from adapters.discord import DiscordAdapter
from bot.pictures import bars, heatmap
from bot.web_links import LinkSigner
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.people import Person
from tests.support.harness import Harness

EPHEMERAL = 1 << 6


def png_size(content: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(content)).size


async def a_round_bo_answers(fake: FakeDiscord) -> Person:
    lea, bo = Person(fake, "lea", admin=True), Person(fake, "bo")
    await fake.reply_to(await lea.slash("setup", time="09:00", timezone="Europe/Berlin"))
    await fake.reply_to(await lea.slash("pace", mode="manual"))
    await fake.reply_to(await lea.slash("now"))
    (thread,) = fake.threads()
    answer = await bo.says("scope: members in Europe first", where=thread["id"])
    await fake.wait_for(lambda: (thread["id"], answer) in fake.reactions)
    return bo


async def test_stats_shows_the_calendar_inside_the_private_answer(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    bo = await a_round_bo_answers(fake)
    reply = (await fake.reply_to(await bo.slash("stats")))["data"]
    assert reply["flags"] & EPHEMERAL
    text, image = reply["embeds"]
    assert text["title"] == "Stats for Bo"
    assert image["image"]["url"] == "attachment://practice-calendar.png"
    [attachment] = reply["attachments"]
    assert attachment["filename"] == "practice-calendar.png"
    assert attachment["description"].startswith("Practice calendar of Bo")
    [sent] = fake.uploaded("practice-calendar.png")
    assert png_size(sent) == (heatmap.WIDTH, heatmap.HEIGHT)


async def test_a_final_board_shows_its_bar_chart_in_the_channel(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    await a_round_bo_answers(fake)
    await harness.advance(days=7, hours=2)  # the next Monday's round closes the week
    board = await fake.wait_for(
        lambda: next((m for m in fake.posts if "Final board" in text_of(m)), None)
    )
    assert "1. Bo: 7 pts" in text_of(board)
    assert board["embeds"][-1]["image"]["url"] == "attachment://top-members.png"
    assert [a["filename"] for a in board["attachments"]] == ["top-members.png"]
    [sent] = fake.uploaded("top-members.png")
    assert png_size(sent) == (bars.WIDTH, bars.height(1))


async def test_kata_web_answers_privately_with_a_signed_link_for_the_channel_or_everywhere(
    bot: DiscordAdapter, fake: FakeDiscord, harness: Harness
) -> None:
    harness.kata.web_links = LinkSigner(b"test-secret", "https://kata.example.org/")
    bo = await a_round_bo_answers(fake)
    here = (await fake.reply_to(await bo.slash("web")))["data"]
    everywhere = (await fake.reply_to(await bo.slash("web", scope="workspace")))["data"]
    assert here["flags"] & EPHEMERAL and everywhere["flags"] & EPHEMERAL
    assert re.search(r"https://kata\.example\.org/kata/web/\d+/\d+\?until=\d+&sig=", text_of(here))
    assert re.search(r"/kata/web/\d+/all\?until=\d+&sig=[0-9a-f]{64}", text_of(everywhere))
