"""Fixtures: a fake Discord on 127.0.0.1, the real core on SQLite, and the adapter between."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord import DiscordAdapter
from bot.settings import Settings
from tests.discord.fake_discord import FakeDiscord
from tests.support.harness import Harness
from tests.support.platform_fixtures import attached, harness


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


def settings_for(fake: FakeDiscord) -> Settings:
    return Settings(
        _env_file=None,
        discord_token="fake-bot-token",
        discord_client_id=fake.app_id,
        discord_api_url=fake.api_url,
        discord_gateway_url=fake.gateway_url,
    )


async def connect(fake: FakeDiscord, harness: Harness) -> DiscordAdapter:
    adapter = DiscordAdapter(harness.kata, settings_for(fake), guild_ready_timeout=0.05)
    return await attached(harness, adapter)


@pytest.fixture
async def bot(fake: FakeDiscord, harness: Harness) -> AsyncIterator[DiscordAdapter]:
    adapter = await connect(fake, harness)
    yield adapter
    await adapter.close()
    assert fake.problems == [], "the bot sent what Discord would reject"


__all__ = ["harness"]
