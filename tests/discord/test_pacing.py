"""A burst of sends is spread out, never more than the pacer's rate."""

from __future__ import annotations

import asyncio

from adapters.discord.pacing import Pacer


async def test_a_burst_is_spread_at_the_configured_rate() -> None:
    pacer = Pacer(per_second=100.0, in_flight=3)
    loop = asyncio.get_running_loop()
    started: list[float] = []
    busy = 0
    most = 0

    async def send() -> None:
        nonlocal busy, most
        async with pacer.slot():
            started.append(loop.time())
            busy += 1
            most = max(most, busy)
            await asyncio.sleep(0)  # hand the loop to the other senders while holding a slot
            busy -= 1

    begin = loop.time()
    await asyncio.gather(*(send() for _ in range(10)))
    # Sleeps never end early, so the 10th send cannot start before 9 gaps of 10 ms have
    # passed; a loaded machine may only make it later (which is why this is not a timing test
    # of individual gaps, which can bunch up when two sleepers wake together).
    assert max(started) - begin >= 9 * 0.010 - 0.001
    assert len(started) == 10
    assert most <= 3
