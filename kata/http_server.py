"""The process's HTTP surface: one web server carrying the operations routes, and whatever
the adapters (Slack's events) and later pages mount on it before it starts.

- `GET /healthz`: liveness. Answered by the event loop itself, so a 200 means the loop runs.
- `GET /healthz/ready` (or `/healthz?ready=1`): readiness. The database answers and its
  schema is at the code's Alembic head, and the core has started; a short JSON names what
  failed, with status 503. The check is cached for a moment and bounded by a timeout, so a
  probe storm or a hung database never holds the loop or piles up connections.
- `GET /metrics`: Prometheus text from `bot.metrics`, the scrape-time gauges read first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from adapters.web_server import WebServer
from bot import metrics
from bot.db import make_engine, without_password
from bot.migrate import alembic_config

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
READY_CACHE_SECONDS = 2.0


def head_revision(database_url: str) -> str:
    """The newest migration the code ships (read from the migration files, not the DB)."""
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head() or ""


@dataclass(frozen=True)
class ReadyReport:
    ready: bool
    checks: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {"ready": self.ready, **self.checks}


class Readiness:
    """Whether this process should get traffic; one check at a time, its answer reused for
    `READY_CACHE_SECONDS`."""

    def __init__(
        self,
        engine: AsyncEngine,
        database_url: str,
        head: str,
        *,
        timeout: float = CHECK_TIMEOUT_SECONDS,
        cache_seconds: float = READY_CACHE_SECONDS,
        owns_engine: bool = False,
    ) -> None:
        self.engine = engine
        """The engine checks run on: best one of its own (`probe_engine`), so a check never
        queues behind busy work for the bot's connections."""
        self._owns_engine = owns_engine
        self.database_url = database_url
        self.head = head
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self.started = False
        """Set once the core has started (timers built, work being claimed)."""
        self.stopping = False
        """Set on SIGTERM: a stopping process is never ready."""
        self._last: tuple[float, ReadyReport] | None = None
        self._running: asyncio.Task[ReadyReport] | None = None

    async def report(self) -> ReadyReport:
        loop = asyncio.get_running_loop()
        if self._last is not None and loop.time() - self._last[0] < self.cache_seconds:
            return self._with_state(self._last[1])
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._check())
        database = await asyncio.shield(self._running)
        self._last = (loop.time(), database)
        return self._with_state(database)

    def _with_state(self, database: ReadyReport) -> ReadyReport:
        checks = dict(database.checks)
        checks["core"] = "stopping" if self.stopping else "ok" if self.started else "starting"
        return ReadyReport(database.ready and checks["core"] == "ok", checks)

    async def _check(self) -> ReadyReport:
        try:
            current = await asyncio.wait_for(self._revision(), self.timeout)
        except TimeoutError:
            return ReadyReport(False, {"database": f"no answer within {self.timeout:g} s"})
        except Exception as exc:  # any failure to reach the database means: not ready
            text = " ".join(str(exc).split()) or type(exc).__name__
            shown = without_password(text, self.database_url)[:200]
            return ReadyReport(False, {"database": f"unreachable: {shown}"})
        if current != self.head:
            migration = f"at {current or 'nothing'}, the code needs {self.head}: run kata migrate"
            return ReadyReport(False, {"database": "ok", "migration": migration})
        return ReadyReport(True, {"database": "ok", "migration": current})

    async def close(self) -> None:
        if self._owns_engine:
            await self.engine.dispose()

    async def _revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )


class OperationsRoutes:
    """The routes an operator's probes and Prometheus call."""

    def __init__(
        self, readiness: Readiness, engine: AsyncEngine, now: Callable[[], datetime]
    ) -> None:
        self.readiness = readiness
        self.engine = engine
        self.now = now

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/healthz", self.health),
            web.get("/healthz/ready", self.ready),
            web.get("/metrics", self.metrics),
        ]

    async def health(self, request: web.Request) -> web.Response:
        if request.query.get("ready") not in (None, "", "0", "false"):
            return await self.ready(request)
        return web.Response(text="ok")

    async def ready(self, request: web.Request) -> web.Response:
        report = await self.readiness.report()
        return web.json_response(report.as_json(), status=200 if report.ready else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(
                metrics.refresh_gauges(self.engine, self.now(), self.readiness.engine),
                CHECK_TIMEOUT_SECONDS,
            )
        except Exception as exc:  # the counters are still worth serving without the gauges
            log.warning("metrics: could not read the database gauges (%s)", type(exc).__name__)
        body = metrics.current().render()
        return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


def probe_engine(engine: AsyncEngine, database_url: str) -> AsyncEngine | None:
    """An engine of its own on the bot's database for checks (one at a time, so it keeps one
    idle connection); None when the bot's engine must be shared (an in-memory SQLite
    database exists only on its one connection)."""
    if isinstance(engine.sync_engine.pool, StaticPool):
        return None
    return make_engine(database_url)


def operations_server(
    host: str,
    port: int,
    engine: AsyncEngine,
    database_url: str,
    now: Callable[[], datetime],
) -> tuple[WebServer, Readiness]:
    """A web server with the operations routes mounted; mount more before `start()`.
    Close the readiness after the server: it holds the checks' own engine."""
    probe = probe_engine(engine, database_url)
    readiness = Readiness(
        probe or engine, database_url, head_revision(database_url), owns_engine=probe is not None
    )
    server = WebServer(host, port)
    server.add_routes(OperationsRoutes(readiness, engine, now).routes())
    return server, readiness
