"""A member asks for `/kata web`, opens the private link in a real browser on a desktop and
on a phone, and reads the boards, the pictures and the past rounds; a forged, an expired or an
other-workspace link opens nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
import numpy as np
from PIL import Image

from bot.pictures import heatmap, radar
from bot.web_links import Link
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat
from tests.web.conftest import Browser, Site

DESKTOP = (1280, 900)
PHONE = (390, 844)


async def two_weeks_of_practice(harness: Harness, chat: MemoryChat) -> None:
    """ana and bo answer; cy answers then opts out; a second round comes the next week."""
    await chat.start_round("09:00 Europe/Berlin mon-fri")
    ana, bo, cy = chat.member("ana"), chat.member("bo"), chat.member("cy")
    await chat.reply(ana, "scope: one region first")
    await chat.reply(ana, "metrics: retention at 28 days")
    await chat.reply(bo, "scope: every region")
    await chat.reply(cy, "scope: cy's answer")
    await chat.command(cy, "optout")
    await harness.advance(days=7, hours=1)  # the next Monday's round
    await chat.reply(bo, "scope: back again")
    reviewed = await chat.command(
        ana, "feedback bo problem=4 data=3 modelling=2 strength: sharp scope improve: numbers"
    )
    assert "bo" in reviewed.text


def share_of(image: Image.Image, colour: tuple[int, int, int], near: int = 40) -> float:
    """The share of pixels within `near` of `colour` on every channel."""
    small = np.asarray(image.resize((image.width // 2, image.height // 2)), dtype=np.int16)
    close = (np.abs(small[:, :, :3] - np.array(colour)) <= near).all(axis=2)
    return float(close.mean())


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


async def link_for(chat: MemoryChat, site: Site, text: str = "web") -> str:
    out = await chat.command(chat.member("ana"), text)
    assert out.replies[0].private
    return site.link_in(out.text)


def not_blank(image: Image.Image) -> bool:
    """A real page: many colours, and plenty of pixels that are not the background."""
    small = image.resize((image.width // 4, image.height // 4))
    colours = small.getcolors(maxcolors=1 << 16) or []
    background = max(colours)[1] if colours else None
    other = sum(n for n, c in colours if c != background)
    return len(colours) > 20 and other > small.width * small.height * 0.05


async def test_a_member_reads_the_channel_page_on_a_desktop_and_on_a_phone(
    harness: Harness, chat: MemoryChat, site: Site, browser: Browser
) -> None:
    await two_weeks_of_practice(harness, chat)
    url = await link_for(chat, site)
    prompts = [p.message.title or "" for p in chat.prompts()]
    for (width, height), mobile in ((DESKTOP, False), (PHONE, True)):
        await browser.open(url, width, height, mobile)
        text = await browser.text()
        assert "Design Kata: channel C1" in text
        assert "Points: this week" in text and "Points: all time" in text
        assert "bo" in text and "ana" in text
        assert "cy" not in text.split(), "an opted-out member is listed"
        assert "Week of Mon 23 Nov 2026" in text  # the closed week, with its leaders
        assert "1. ana (9), 2. bo (7)" in text
        for title in prompts:
            assert title.split(": ", 1)[1] in text  # the archive lists both rounds' prompts
        pictures = await browser.run(
            "return [...document.images].map(i => [i.alt, i.complete && i.naturalWidth > 0])"
        )
        assert len(pictures) == 5
        assert all(loaded and alt for alt, loaded in pictures), pictures
        assert pictures[0][0].startswith("Practice calendar of channel C1")
        assert pictures[1][0].startswith("Rubric radar of channel C1's average")
        assert "Problem understanding 4.0 (workspace 4.0)" in pictures[1][0]
        overflow = await browser.run("return document.documentElement.scrollWidth")
        assert overflow <= width, f"the page scrolls sideways at {width} px"
        shot = await browser.screenshot()
        assert shot.size == (width, height)
        assert not_blank(shot)
        # Scrolled to the radar, the screenshot shows the channel's blue shape.
        await browser.run("document.querySelector('img[alt^=\"Rubric\"]').scrollIntoView()")
        assert share_of(await browser.screenshot(), rgb(radar.MEMBER)) > 0.002


async def test_the_workspace_page_lists_every_channel_with_its_own_link(
    harness: Harness, chat: MemoryChat, site: Site, browser: Browser
) -> None:
    await two_weeks_of_practice(harness, chat)
    await chat.start_round("10:00 Europe/Berlin mon-fri", channel="C2")
    await chat.reply(
        chat.member("dee"), "scope: from the other channel", thread=chat.latest_thread("C2")
    )
    url = await link_for(chat, site, "web workspace")
    await browser.open(url, *DESKTOP)
    text = await browser.text()
    assert "Design Kata: Every channel" in text
    assert "dee" in text and "channel C2" in text
    pictures = await browser.run(
        "return [...document.images].map(i => [i.alt, i.complete && i.naturalWidth > 0])"
    )
    calendar_alt, loaded = pictures[0]
    assert loaded and calendar_alt.startswith("Practice calendar of every channel")
    assert "2 answered" in calendar_alt  # C1 on two Mondays, C2 on the second too
    await browser.run("document.images[0].scrollIntoView()")
    assert share_of(await browser.screenshot(), rgb(heatmap.COLOURS["answered"]), 20) > 0.0001
    links = await browser.run("return [...document.querySelectorAll('nav a')].map(a => a.href)")
    assert len(links) == 2
    await browser.open(links[1], *DESKTOP)
    assert "Design Kata: channel C2" in await browser.text()
    assert "ana" not in await browser.text()  # C2's own boards


async def test_forged_expired_and_other_workspace_links_open_nothing(
    harness: Harness, chat: MemoryChat, site: Site, browser: Browser
) -> None:
    await two_weeks_of_practice(harness, chat)
    other = MemoryChat(harness.kata, workspace_id="W2")
    await other.start_round("09:00 UTC mon-fri", channel="C9")
    await other.reply(
        other.member("zed"), "scope: another team's answer", other.latest_thread("C9")
    )
    url = await link_for(chat, site)
    theirs = site.link_in((await other.command(other.member("zed"), "web", channel="C9")).text)
    parts, their_parts = urlsplit(url), urlsplit(theirs)
    _, _, _, ws, channel = parts.path.split("/")
    _, _, _, their_ws, their_channel = their_parts.path.split("/")
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    swapped = f"{site.url}/kata/web/{their_ws}/{their_channel}?{parts.query}"
    link = Link(int(ws), their_channel, harness.clock.now() + timedelta(days=1))
    elsewhere = site.signer.url(link)  # a real signature, but the channel is another team's
    cases = {
        forged: (403, "This link does not open anything"),
        swapped: (403, "This link does not open anything"),
        elsewhere: (403, "not part of its workspace"),
        f"{site.url}/kata/web/{ws}/{channel}": (403, "This link does not open anything"),
        url: (200, "ana"),  # the real link still opens, and shows no other team
    }
    async with aiohttp.ClientSession() as http:
        async with http.get(url.replace("?", "/calendar.png?")) as response:
            assert response.content_type == "image/png"
            calendar = Image.open(io.BytesIO(await response.read()))
            assert calendar.size == (heatmap.WIDTH, heatmap.HEIGHT)
            assert response.headers["Referrer-Policy"] == "no-referrer"  # the link never leaks
            assert "script-src" not in response.headers["Content-Security-Policy"]
        for address, (status, words) in cases.items():
            async with http.get(address) as response:
                assert response.status == status, address
                page = await response.text()
            assert words in page
            assert "zed" not in page
            await browser.open(address, *PHONE, mobile=True)
            assert words in await browser.text()
        harness.clock.set(harness.clock.now() + timedelta(days=8))
        for address in (url, url.replace("?", "/points-week.png?")):
            async with http.get(address) as response:
                assert response.status == 410
                assert "This link has expired" in await response.text()
        await browser.open(url, *DESKTOP)
        assert "This link has expired" in await browser.text()
