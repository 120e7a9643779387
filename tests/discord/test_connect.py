"""Starting the bot against the local Discord."""

from __future__ import annotations

import pytest

from adapters.discord import DiscordAdapter, DiscordStartError
from tests.discord.conftest import settings_for
from tests.discord.fake_discord import FakeDiscord
from tests.support.harness import Harness


async def test_start_logs_in_identifies_and_publishes_kata(bot: DiscordAdapter, fake: FakeDiscord):
    assert bot.client.is_ready()
    identify = fake.gateway.identifies[0]
    assert identify["token"] == "fake-bot-token"
    assert identify["intents"] & (1 << 15), "asks for message content when the app has it"
    assert fake.gateway.heartbeats >= 1
    assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake.synced == [fake.guild_id]
    sync = next(c for c in fake.calls if c.method == "PUT")
    published = {c["name"]: {o["name"] for o in c["options"]} for c in sync.body}
    assert set(published) == {"kata", "kata-admin"}
    assert {"setup", "answer", "leaderboard", "feedback", "prompts"} <= published["kata"]
    assert {"pause", "pace", "filter", "skip"} <= published["kata-admin"]


async def test_a_rejected_token_stops_start_up_with_a_clear_message(
    fake: FakeDiscord, harness: Harness
) -> None:
    fake.rest.fail("GET", r"^/users/@me$", 401, {"message": "401: Unauthorized", "code": 0})
    adapter = DiscordAdapter(harness.kata, settings_for(fake), guild_ready_timeout=0.05)
    with pytest.raises(DiscordStartError, match="DISCORD_TOKEN"):
        await adapter.start()
    await adapter.close()
    assert fake.gateway.identifies == []


async def test_an_intent_the_portal_refuses_stops_start_up_with_a_clear_message(
    fake: FakeDiscord, harness: Harness
) -> None:
    fake.gateway.refuse_intents = 1 << 15  # flags say yes, the gateway says no
    adapter = DiscordAdapter(harness.kata, settings_for(fake), guild_ready_timeout=0.05)
    with pytest.raises(DiscordStartError, match="Message Content intent"):
        await adapter.start()
    await adapter.close()
