"""Discord gateway sharding: processes given disjoint DISCORD_SHARD_IDS of one
DISCORD_SHARD_COUNT each identify as their own shards, so Discord sends each server's events
to exactly one of them.

Discord's OpenAPI description covers REST only, so the IDENTIFY payload is checked against
Discord's gateway documentation: `shard` is `[shard_id, num_shards]` with
`0 <= shard_id < num_shards`, and a server's events go to shard `(guild_id >> 22) % num_shards`.
"""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord import DiscordAdapter, DiscordStartError
from bot.settings import Settings
from tests.discord.conftest import settings_for
from tests.discord.fake_discord import FakeDiscord
from tests.support.harness import Harness
from tests.support.platform_fixtures import attached


def shard_problems(identify: dict[str, Any]) -> list[str]:
    """What Discord's gateway documentation would refuse in an IDENTIFY's `shard` field."""
    shard = identify.get("shard")
    if shard is None:
        return []
    if not (isinstance(shard, list) and len(shard) == 2 and all(type(n) is int for n in shard)):
        return [f"shard must be [shard_id, num_shards], got {shard!r}"]
    shard_id, count = shard
    if not 0 <= shard_id < count:
        return [f"shard id {shard_id} is outside 0..{count - 1}"]
    return []


def sharded(fake: FakeDiscord, count: int | None, ids: str | None) -> Settings:
    return settings_for(fake).model_copy(
        update={"discord_shard_count": count, "discord_shard_ids": ids}
    )


def shard_of(guild_id: str, count: int) -> int:
    return (int(guild_id) >> 22) % count


async def test_two_processes_identify_as_the_two_halves_of_the_bot(
    fake: FakeDiscord, harness: Harness
) -> None:
    first = DiscordAdapter(harness.kata, sharded(fake, 2, "0"), guild_ready_timeout=0.05)
    second = DiscordAdapter(harness.kata, sharded(fake, 2, "1"), guild_ready_timeout=0.05)
    try:
        await attached(harness, first)
        await attached(harness, second)
        assert first.client.is_ready() and second.client.is_ready()
        assert first.client.shard_count == second.client.shard_count == 2
        # The server reaches exactly one of them: the one its id routes to.
        owner, other = (first, second) if shard_of(fake.guild_id, 2) == 0 else (second, first)
        assert [g.id for g in owner.client.guilds] == [int(fake.guild_id)]
        assert list(other.client.guilds) == []
        assert fake.synced == [fake.guild_id], "only the owner publishes /kata there"
    finally:
        await second.close()
        await first.close()
    identifies = fake.gateway.identifies
    assert sorted(i["shard"] for i in identifies) == [[0, 2], [1, 2]]
    assert [p for i in identifies for p in shard_problems(i)] == []
    assert {i["token"] for i in identifies} == {"fake-bot-token"}
    assert fake.problems == []


async def test_a_process_with_a_shard_count_and_no_ids_runs_every_shard(
    fake: FakeDiscord, harness: Harness
) -> None:
    adapter = DiscordAdapter(harness.kata, sharded(fake, 1, None), guild_ready_timeout=0.05)
    try:
        await attached(harness, adapter)
    finally:
        await adapter.close()
    [identify] = fake.gateway.identifies
    assert identify["shard"] == [0, 1]
    assert shard_problems(identify) == []


async def test_without_shard_settings_the_bot_connects_unsharded(
    fake: FakeDiscord, harness: Harness
) -> None:
    adapter = DiscordAdapter(harness.kata, settings_for(fake), guild_ready_timeout=0.05)
    try:
        await attached(harness, adapter)
    finally:
        await adapter.close()
    [identify] = fake.gateway.identifies
    assert "shard" not in identify


@pytest.mark.parametrize(
    ("count", "ids", "named"),
    [
        (2, "2", "DISCORD_SHARD_IDS must be numbers from 0 to 1"),
        (2, "0,one", "DISCORD_SHARD_IDS must be shard numbers"),
        (None, "0", "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        (0, None, "DISCORD_SHARD_COUNT must be 1 or more"),
    ],
)
def test_shard_settings_that_cannot_work_are_named_before_connecting(
    fake: FakeDiscord, harness: Harness, count: int | None, ids: str | None, named: str
) -> None:
    with pytest.raises(DiscordStartError, match=named):
        DiscordAdapter(harness.kata, sharded(fake, count, ids))
    assert fake.gateway.identifies == []
