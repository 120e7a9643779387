"""Putting the bot together: a core from settings, the configured adapters attached to it,
one HTTP server for them and the operations routes, served until a signal (or, for the
console, until the input ends).

SIGTERM or SIGINT: readiness turns false, the server stops accepting, then the adapters, the
core (its engine stops claiming and releases held work) and the database close, within
`CLOSE_BUDGET_SECONDS`. A watchdog thread ends the process at `SHUTDOWN_LIMIT_SECONDS` if
anything still hangs; a second signal ends it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.web_server import WebServer, WebServerError
from bot.clock import Clock, SystemClock
from bot.content import load_content
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import JobQueue, SchedulerJobQueue
from bot.port import ChatPort
from bot.settings import Settings
from kata.http_server import Readiness, operations_server

log = logging.getLogger("kata")

CLOSE_BUDGET_SECONDS = 8.0
SHUTDOWN_LIMIT_SECONDS = 10.0
YOUNG_OBJECTS_PER_COLLECTION = 10_000


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


RouteSet = Callable[[Runtime], Iterable[web.RouteDef]]
"""Extra routes for the process's web server (a page, say), made once the core exists."""


async def serve(
    settings: Settings,
    use_console: bool,
    route_sets: Sequence[RouteSet] = (),
    listen: bool = True,
) -> int:
    """Run the bot until it is told to stop; the exit status for `kata run`. `listen=False`
    is `kata worker`: it posts scheduled work through the platforms and takes no events
    (its server keeps only the operations routes)."""
    runtime = build(settings)
    if use_console:
        return await _serve_console(runtime)
    kata = runtime.kata
    signals = StopSignals()
    server: WebServer | None = None
    readiness: Readiness | None = None
    if settings.http_enabled:
        server, readiness = operations_server(
            settings.http_host, settings.port, runtime.engine, settings.database_url, kata.clock.now
        )
    started: list[Closable] = []

    async def start() -> None:
        await _start_platforms(kata, settings, started, server, listen)
        if server is not None:
            if listen and settings.kata_public_url:  # no link reaches the page without it
                from adapters.web import add_routes as add_web_page

                add_web_page(server.app, kata, settings)
            for route_set in route_sets:
                server.add_routes(route_set(runtime))
            await server.start()
        await kata.start()

    try:
        try:
            if not await signals.unless_stopped(start()):
                log.info("kata: stopped while starting")
                return 0
        except (RuntimeError, WebServerError) as exc:  # setup errors say what to fix
            print(f"Could not start: {exc}", file=sys.stderr)
            return 2
        if readiness is not None:
            readiness.started = True
        # What start-up built (modules, mappers, content) lives as long as the process: frozen,
        # a full garbage collection no longer walks it, which took tens of milliseconds in
        # whatever command set one off (bench.boards saw it in `export channel`).
        gc.freeze()
        # A burst of answers allocates a few objects per event that live for a batch (tens
        # of ms). At the default threshold of 700 the young generation was collected 60-90
        # times a second in the answers bench, which moved those objects into older
        # generations for full passes to walk again: 5% of the bot's time. At 10,000 most
        # die before a collection looks at them (1-2%), and a pass stays a few ms.
        gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, 10, 10)
        log.info("kata: running")
        await signals.stop.wait()
        log.info("kata: stopping")
        return 0
    finally:
        if readiness is not None:
            readiness.stopping = True
        try:
            await asyncio.wait_for(
                _close(runtime, started, server, readiness), CLOSE_BUDGET_SECONDS
            )
        except TimeoutError:
            log.error("kata: closing took over %g s; exiting anyway", CLOSE_BUDGET_SECONDS)
        signals.disarm()


async def _serve_console(runtime: Runtime) -> int:
    """Ctrl-C (or SIGTERM) ends the session with status 0 once the line in hand is done,
    through `StopSignals` as for the platforms: the event loop's own handler, which the
    kernel may hand to any thread. A plain Python handler waits for the main thread's loop
    to wake, and at an idle prompt, with the thread reading the terminal taking the signal,
    that was minutes (one CI run hung). Cancelling the line in hand instead could leave
    the close waiting past the 10 s watchdog."""
    from adapters.console.adapter import ConsoleAdapter

    signals = StopSignals()
    try:
        console = ConsoleAdapter(runtime.kata)
        runtime.kata.attach(console)
        await runtime.kata.start()
        await console.run(signals.stop)
        return 0
    finally:
        await runtime.close()
        signals.disarm()


async def _close(
    runtime: Runtime,
    started: list[Closable],
    server: WebServer | None,
    readiness: Readiness | None,
) -> None:
    """Stop taking requests, let the adapters finish theirs, then close the core (which stops
    claiming work and releases what it holds) and the database."""
    if server is not None:
        with contextlib.suppress(Exception):
            await server.stop_accepting()
    for adapter in started:
        with contextlib.suppress(Exception):
            await adapter.close()
    try:
        await runtime.close()
    finally:
        if server is not None:
            await server.close()
        if readiness is not None:
            await readiness.close()


async def _start_platforms(
    kata: Kata,
    settings: Settings,
    started: list[Closable],
    server: WebServer | None = None,
    listen: bool = True,
) -> None:
    """Start every configured platform; each goes on `started` before it starts, so a failure
    in one still closes what was opened (closing a half-started adapter is safe). Slack's
    HTTP mode mounts its route on `server` (or, without one, listens itself)."""
    platforms = (
        (settings.slack_configured, "Slack", _slack),
        (settings.discord_configured, "Discord", _discord),
    )
    for configured, name, make in platforms:
        if not configured:
            continue
        adapter = make(kata, settings, server if listen else None)
        started.append(adapter)
        kata.attach(adapter)
        await adapter.start(listen=listen)
        log.info("%s adapter started%s", name, "" if listen else " (posting only)")


def _slack(kata: Kata, settings: Settings, server: WebServer | None) -> Platform:
    from adapters.slack import SlackAdapter

    return SlackAdapter(kata, settings, host=settings.http_host, server=server)


def _discord(kata: Kata, settings: Settings, server: WebServer | None) -> Platform:
    from adapters.discord import DiscordAdapter

    return DiscordAdapter(kata, settings)


class StopSignals:
    """SIGTERM and SIGINT set `stop`; the first also arms a watchdog that ends the process
    at `SHUTDOWN_LIMIT_SECONDS`, a second ends it at once. `disarm` once closed cleanly."""

    def __init__(self) -> None:
        self.stop = asyncio.Event()
        self._watchdog: threading.Timer | None = None
        self._loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                self._loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        if self.stop.is_set():
            _exit_now(1, f"kata: {sig.name} again; exiting now")
        log.info("kata: %s received", sig.name)
        self.stop.set()
        late = f"kata: not stopped within {SHUTDOWN_LIMIT_SECONDS:g} s; exiting"
        self._watchdog = threading.Timer(SHUTDOWN_LIMIT_SECONDS - 0.5, _exit_now, (1, late))
        self._watchdog.daemon = True
        self._watchdog.start()

    async def unless_stopped(self, work: Coroutine[Any, Any, None]) -> bool:
        """Run `work` unless a signal comes first (then cancel it): whether it finished.
        Start-up can wait a minute for a platform; a SIGTERM meanwhile must not."""
        running = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(self.stop.wait())
        await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if running.done():
            running.result()
            return True
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await running
        return False

    def disarm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                self._loop.remove_signal_handler(sig)


def _exit_now(status: int, why: str) -> None:
    """Leave without waiting for anything: the last resort of a bounded shutdown."""
    with contextlib.suppress(Exception):
        sys.stderr.write(why + "\n")
        sys.stderr.flush()
    os._exit(status)
