"""Fixtures: the web page's routes on a local aiohttp server over the real core, a team that
practised in it, and (where Debian's chromium is installed) a real headless browser."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from adapters.web import add_routes
from bot.settings import Settings
from bot.web_links import LinkSigner
from tests.support.fake_server import LocalServer
from tests.support.harness import Harness

SECRET = "web-test-secret"
LINK = re.compile(r"https?://\S+/kata/web/\S+")


@dataclass
class Site:
    url: str
    signer: LinkSigner

    def link_in(self, text: str) -> str:
        found = LINK.search(text)
        assert found, f"no link in: {text}"
        return found.group(0)


@pytest.fixture
async def site(harness: Harness, tmp_path: Path) -> AsyncIterator[Site]:
    from aiohttp import web

    app = web.Application()
    settings = Settings(
        _env_file=None,
        kata_web_secret=SECRET,
        kata_public_url="http://127.0.0.1",
        kata_web_secret_file=tmp_path / "unused-secret",
    )
    add_routes(app, harness.kata, settings)
    server = LocalServer()
    await server.serve(app)
    signer = LinkSigner(SECRET.encode(), server.url())
    harness.kata.web_links = signer  # the public URL is only known once the port is
    yield Site(server.url(), signer)
    await server.close()


class Browser:
    """A headless chromium driven by selenium. Selenium blocks, and the site under test
    runs on this test's event loop, so every browser call goes to a worker thread."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    async def open(self, url: str, width: int, height: int, mobile: bool = False) -> None:
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}
        await asyncio.to_thread(
            self.driver.execute_cdp_cmd, "Emulation.setDeviceMetricsOverride", metrics
        )
        await asyncio.to_thread(self.driver.get, url)

    async def text(self) -> str:
        from selenium.webdriver.common.by import By

        body = await asyncio.to_thread(self.driver.find_element, By.TAG_NAME, "body")
        return str(await asyncio.to_thread(lambda: body.text))

    async def run(self, script: str) -> Any:
        return await asyncio.to_thread(self.driver.execute_script, script)

    async def screenshot(self) -> Image.Image:
        png = await asyncio.to_thread(self.driver.get_screenshot_as_png)
        return Image.open(io.BytesIO(png)).convert("RGB")


def _chromium() -> tuple[str, str] | None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    found = _chromium()
    if found is None:
        pytest.skip(
            "chromium and chromium-driver are not installed (apt-get install chromium "
            "chromium-driver; .ci/run does)"
        )
    try:
        from selenium import webdriver
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    os.environ.setdefault("SE_AVOID_STATS", "true")  # selenium sends nothing anywhere
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(found[1]))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: Any) -> Browser:
    return Browser(chromium)
