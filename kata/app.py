"""Putting the bot together: a core from settings, the configured adapters attached to it,
served until a signal (or, for the console, until the input ends)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.content import load_content
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import JobQueue, SchedulerJobQueue
from bot.port import ChatPort
from bot.settings import Settings

log = logging.getLogger("kata")


class Closable(Protocol):
    async def close(self) -> None: ...


class Platform(ChatPort, Closable, Protocol):
    """An adapter that connects on its own: Slack and Discord (the console runs instead)."""

    async def start(self, listen: bool = True) -> None: ...


@dataclass
class Runtime:
    kata: Kata
    engine: AsyncEngine

    async def close(self) -> None:
        await self.kata.close()
        await self.engine.dispose()


def build(settings: Settings, clock: Clock | None = None, jobs: JobQueue | None = None) -> Runtime:
    content = load_content(settings.content_dir)
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    kata = Kata(
        make_sessions(engine),
        content,
        clock or SystemClock(),
        jobs or SchedulerJobQueue(),
        eager=jobs is None,
        concurrency=settings.worker_concurrency,
        poll=timedelta(seconds=settings.worker_poll_seconds),
    )
    return Runtime(kata, engine)


async def serve(settings: Settings, use_console: bool, listen: bool = True) -> int:
    """Run the bot until it is told to stop; the exit status for `kata run`. `listen=False`
    is `kata worker`: it posts scheduled work through the platforms and takes no events."""
    runtime = build(settings)
    kata = runtime.kata
    started: list[Closable] = []
    try:
        if use_console:
            from adapters.console.adapter import ConsoleAdapter

            console = ConsoleAdapter(kata)
            kata.attach(console)
            await kata.start()
            await console.run()
            return 0
        try:
            await _start_platforms(kata, settings, started, listen)
        except RuntimeError as exc:  # the adapters' setup errors say what to fix
            print(f"Could not start: {exc}", file=sys.stderr)
            return 2
        await kata.start()
        await _wait_for_signal()
        return 0
    finally:
        for adapter in started:
            with contextlib.suppress(Exception):
                await adapter.close()
        await runtime.close()


async def _start_platforms(
    kata: Kata, settings: Settings, started: list[Closable], listen: bool = True
) -> None:
    """Start every configured platform; each goes on `started` before it starts, so a failure
    in one still closes what was opened (closing a half-started adapter is safe)."""
    platforms = (
        (settings.slack_configured, "Slack", _slack),
        (settings.discord_configured, "Discord", _discord),
    )
    for configured, name, make in platforms:
        if not configured:
            continue
        adapter = make(kata, settings)
        started.append(adapter)
        kata.attach(adapter)
        await adapter.start(listen=listen)
        log.info("%s adapter started%s", name, "" if listen else " (posting only)")


def _slack(kata: Kata, settings: Settings) -> Platform:
    from adapters.slack import SlackAdapter

    return SlackAdapter(kata, settings)


def _discord(kata: Kata, settings: Settings) -> Platform:
    from adapters.discord import DiscordAdapter

    return DiscordAdapter(kata, settings)


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
