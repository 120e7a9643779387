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
            await asyncio.sleep(0.005)
            busy -= 1

    await asyncio.gather(*(send() for _ in range(10)))
    gaps = [b - a for a, b in zip(sorted(started), sorted(started)[1:], strict=False)]
    assert min(gaps) >= 0.009  # 100 a second: at least 10 ms apart (timer slack allowed)
    assert most <= 3
