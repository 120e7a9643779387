"""The READMEs' screenshots, made by the project's own code from a team's made-up practice.

    python -m bench.screenshots [--out docs/pictures] [--weeks 10]

A team of four practises in one channel for `--weeks` weeks on the real core (SQLite in a
temporary folder, a fake clock, the in-memory chat the tests use), answering and reviewing
in a fixed pattern. Then:

- `calendar.png` and `radar.png` are the pictures `/kata stats` gives one member;
- `final-board.png` is the bar chart of the last closed week's final board;
- `web-page.png` and `web-page-phone.png` are the channel's web page (served by the bot's
  own routes) in headless chromium at 1280 and 390 pixels wide, shrunk to stay small.

Needs Debian's `chromium` and `chromium-driver` and selenium for the page (the pictures are
made without them). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from PIL import Image
from sqlalchemy import update

from adapters.web import add_routes
from bot.chat import Picture
from bot.models import Channel
from bot.settings import PROJECT_ROOT, Settings
from bot.web_links import LinkSigner
from tests.support.fake_server import LocalServer
from tests.support.harness import Harness, make_harness
from tests.support.memory_chat import MemoryChat

SECRET = "screenshots"
TEAM = ("ana", "bo", "cy", "dee")
ANSWERS = (
    "scope: one region and new users first; success is one goal we agree on",
    "metrics: retention at 28 days offline, then an A/B test on watch time",
    "data: the signals we already log, with a daily snapshot for training",
    "serving: a two-stage ranker behind a cache, p95 under 100 ms",
)
REVIEW = (
    "problem={p} data={d} modelling={m} deployment={m} communication=4 "
    "strength: clear scope improve: name a latency budget"
)
PAGE_SIZES = {"web-page.png": (1280, 1600, False), "web-page-phone.png": (390, 1400, True)}
PAGE_SCALE = {"web-page.png": 0.6, "web-page-phone.png": 0.8}


def start_of(weeks: int) -> datetime:
    """A Monday morning `weeks` weeks before the suite's usual Monday, 07:00 UTC."""
    return datetime(2026, 11, 23, 7, 0, tzinfo=UTC) - timedelta(weeks=weeks)


async def practise(h: Harness, chat: MemoryChat, weeks: int) -> None:
    """Every weekday's round for `weeks` weeks: most members answer most days, some days
    nobody does, and a teammate reviews an answer now and then."""
    await chat.start_round("09:00 Europe/Berlin mon-fri", pace="all")
    await h.advance(hours=3)  # 10:00 UTC: Monday's round is out
    for day in range(weeks * 7 + 3):  # ends on a Wednesday, so this week has a board
        if day:
            await h.advance(days=1)
        if day % 7 >= 5 or day % 11 == 4:
            continue  # the weekend, and the odd day nobody had time
        thread = chat.latest_thread()
        for index, name in enumerate(TEAM):
            if (day + index * 3) % 5 == 4:
                continue
            await chat.reply(chat.member(name), ANSWERS[(day + index) % len(ANSWERS)], thread)
        if day % 3 == 0:
            levels = {"p": 2 + day % 3, "d": 1 + day % 4, "m": 3}
            await chat.command(chat.member("bo"), f"feedback ana {REVIEW.format(**levels)}")
            await chat.command(chat.member("ana"), f"feedback cy {REVIEW.format(p=3, d=2, m=2)}")


def final_board(chat: MemoryChat) -> Picture:
    for post in reversed(chat.posts):
        if post.message.pictures and "final" in (post.message.title or "").lower():
            return post.message.pictures[0]
    for post in reversed(chat.posts):
        if post.where == "channel" and post.message.pictures:
            return post.message.pictures[0]
    raise LookupError("no final board was posted; practise for more than a week")


def save(picture: Picture, path: Path) -> None:
    """The bot's PNG in 256 colours (the same picture to the eye, a third of the bytes)."""
    image = Image.open(io.BytesIO(picture.png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    print(f"{path} ({path.stat().st_size:,} bytes): {picture.alt[:100]}")


async def page_shots(h: Harness, chat: MemoryChat, out: Path, folder: Path) -> None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (found and driver_path):
        print("chromium or chromedriver is missing: no page screenshots")
        return
    from selenium import webdriver

    app = web.Application()
    settings = Settings(
        _env_file=None,
        kata_web_secret=SECRET,
        kata_public_url="http://127.0.0.1",
        kata_web_secret_file=folder / "secret",
    )
    add_routes(app, h.kata, settings)
    server = LocalServer()
    await server.serve(app)
    h.kata.web_links = LinkSigner(SECRET.encode(), server.url())
    said = (await chat.command(chat.member("ana"), "web")).text
    url = next(word for word in said.split() if "/kata/web/" in word)
    os.environ.setdefault("SE_AVOID_STATS", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = found
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(flag)
    options.add_argument("--force-color-profile=srgb")
    driver: Any = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))
    try:
        for name, (width, height, mobile) in PAGE_SIZES.items():
            metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
            await asyncio.to_thread(
                driver.execute_cdp_cmd, "Emulation.setDeviceMetricsOverride", metrics
            )
            await asyncio.to_thread(driver.get, url)
            png = await asyncio.to_thread(driver.get_screenshot_as_png)
            shot = Image.open(io.BytesIO(png)).convert("RGB")
            scale = PAGE_SCALE[name]
            small = shot.resize((int(shot.width * scale), int(shot.height * scale)))
            small = small.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
            small.save(out / name, optimize=True)
            print(f"{out / name} ({(out / name).stat().st_size:,} bytes): {width} px wide")
    finally:
        driver.quit()
        await server.close()


async def main(out: Path, weeks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        h = await make_harness(f"sqlite+aiosqlite:///{folder}/kata.db", start=start_of(weeks))
        try:
            chat = MemoryChat(h.kata)
            await h.start()
            await practise(h, chat, weeks)
            async with h.kata.sessions() as session, session.begin():
                await session.execute(update(Channel).values(name="design-practice"))
            stats = await chat.command(chat.member("ana"), "stats")
            pictures = {p.filename: p for r in stats.replies for p in r.message.pictures}
            calendar = next(p for n, p in pictures.items() if "radar" not in n)
            save(calendar, out / "calendar.png")
            save(pictures["rubric-radar.png"], out / "radar.png")
            save(final_board(chat), out / "final-board.png")
            await page_shots(h, chat, out, folder)
        finally:
            await h.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "pictures")
    parser.add_argument("--weeks", type=int, default=10)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(args.out, args.weeks))
