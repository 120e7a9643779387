"""Starting the bot against the local Discord."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord


async def test_start_logs_in_identifies_and_publishes_kata(bot: DiscordAdapter, fake: FakeDiscord):
    assert bot.client.is_ready()
    identify = fake.gateway.identifies[0]
    assert identify["token"] == "fake-bot-token"
    assert identify["intents"] & (1 << 15), "asks for message content when the app has it"
    assert fake.gateway.heartbeats >= 1
    assert [c.path for c in fake.calls[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake.synced == [fake.guild_id]
    sync = next(c for c in fake.calls if c.method == "PUT")
    (kata,) = sync.body
    names = {o["name"] for o in kata["options"]}
    assert {"setup", "answer", "leaderboard", "feedback", "prompts", "filter"} <= names
