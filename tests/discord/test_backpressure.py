"""When the core's answer queue is full, the Discord adapter stops reading the gateway
until there is room: discord.py runs each event handler as its own task, so only holding
the read itself keeps a burst from piling up in memory."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from tests.discord.conftest import settings_for
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person
from tests.discord.story import answers, round_running
from tests.discord.test_sharding import sharded
from tests.support.harness import Harness
from tests.support.platform_fixtures import attached


class Socket:
    """Stands in for discord.py's gateway socket: what it was handed, in order."""

    def __init__(self) -> None:
        self.handled: list[Any] = []

    async def received_message(self, frame: Any) -> None:
        self.handled.append(frame)


async def test_a_full_answer_queue_holds_the_gateway_read_until_there_is_room(
    fake: FakeDiscord, harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = DiscordAdapter(harness.kata, settings_for(fake))
    full, waiting = asyncio.Event(), asyncio.Event()

    async def room_for_answers(limit_seconds: float) -> bool:
        waiting.set()
        await full.wait()
        return True

    monkeypatch.setattr(harness.kata, "answer_room", room_for_answers)  # a full queue
    socket = Socket()
    adapter.client.ws = socket  # discord.py sets this for each connection it opens

    reading = asyncio.create_task(adapter.client.ws.received_message("MESSAGE_CREATE"))
    await waiting.wait()
    assert socket.handled == []  # the frame waits while the queue is full

    full.set()
    await reading
    assert socket.handled == ["MESSAGE_CREATE"]


async def test_with_shards_a_full_answer_queue_holds_each_shards_gateway_read(
    fake: FakeDiscord, harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = DiscordAdapter(harness.kata, sharded(fake, 1, "0"), guild_ready_timeout=0.05)
    await attached(harness, adapter)
    try:
        _, thread = await round_running(fake, Person(fake, "lea", admin=True))
        full, waiting = asyncio.Event(), asyncio.Event()

        async def room_for_answers(limit_seconds: float) -> bool:
            waiting.set()
            await full.wait()
            return True

        monkeypatch.setattr(harness.kata, "answer_room", room_for_answers)
        said = await Person(fake, "bo").says("Scope: new sign-ups in one region.", thread["id"])
        await asyncio.wait_for(waiting.wait(), 5)  # the shard's read waits for room
        assert await answers(harness) == {}

        full.set()
        await fake.wait_for(lambda: (thread["id"], said) in fake.reactions)
        assert list(await answers(harness)) == [said]
    finally:
        await adapter.close()
