"""The kit the local fakes share, and the rule that platform tests wait on signals.

A platform test that sleeps, or asserts how long something took, flakes on a busy machine;
the kit's gates, recorded calls and the adapters' idle signals make waiting deterministic.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.support.fake_server import Gate, LocalServer, Recorder, ScriptedFailures

TESTS = Path(__file__).resolve().parents[1]
PLATFORM_SUITES = [TESTS / "slack", TESTS / "discord", TESTS / "support"]
WALL_CLOCK = re.compile(
    r"asyncio\.sleep\((?!0\))|time\.sleep\(|assert[^\n]*(monotonic|perf_counter|time\.time)\(\)"
)


def test_platform_tests_neither_sleep_nor_time_what_they_assert() -> None:
    found = [
        f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
        for folder in PLATFORM_SUITES
        for path in sorted(folder.glob("*.py"))
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert found == []


def test_the_wall_clock_rule_sees_a_sleep_and_a_timed_assert() -> None:
    assert WALL_CLOCK.search("    await asyncio.sleep(0.02)")
    assert WALL_CLOCK.search("    assert time.monotonic() - started < 0.5")
    assert not WALL_CLOCK.search("    await asyncio.sleep(0)  # yield")


async def test_a_local_server_records_calls_and_answers_scripted_failures() -> None:
    recorder: Recorder[str] = Recorder()
    failures: ScriptedFailures[str] = ScriptedFailures()
    failures.add(lambda path: path == "/busy", lambda: web.Response(status=503), times=1)

    async def handle(request: web.Request) -> web.Response:
        await recorder.record(request.path)
        return failures.answer(request.path) or web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    server = LocalServer()
    port = await server.serve(app)
    try:
        assert port > 0
        async with aiohttp.ClientSession() as session:
            statuses = []
            for path in ("/busy", "/busy", "/calm"):
                async with session.get(server.url(path=path)) as response:
                    statuses.append(response.status)
        assert statuses == [503, 200, 200]
        assert await recorder.wait_for(lambda: len(recorder.calls) == 3)
        assert recorder.calls == ["/busy", "/busy", "/calm"]
    finally:
        await server.close()


async def test_a_gate_holds_a_call_until_released() -> None:
    gate = Gate()
    passed = asyncio.Event()

    async def call() -> None:
        await gate.passes()
        passed.set()

    task = asyncio.create_task(call())
    await gate.held.wait()
    assert not passed.is_set()
    gate.release()
    await task
    assert passed.is_set()
