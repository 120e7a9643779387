"""The one HTTP server of a `kata` process: every route set is mounted on it before it starts.

The composition root owns it and mounts the operations routes (`/healthz`, `/metrics`),
Slack's events route in HTTP mode, and any later page; an adapter started on its own (as its
tests do) makes one for itself. aiohttp freezes an application's routes when it starts, so
`add_routes` after `start` is a programming error and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiohttp import web

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 3.0
"""How long requests already being answered get once the server stops accepting."""


class WebServerError(RuntimeError):
    """The server could not listen; the message names the host, port and what to change."""


class WebServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        """The configured port until `start`, then the bound one (a configured 0 picks one)."""
        self.app = web.Application()
        self._runner: web.AppRunner | None = None

    @property
    def started(self) -> bool:
        return self._runner is not None

    def add_routes(self, routes: Iterable[web.RouteDef]) -> None:
        if self.started:
            raise RuntimeError("routes must be added before the web server starts")
        self.app.add_routes(list(routes))

    async def start(self) -> None:
        """Listen; raises WebServerError when the address cannot be bound."""
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise WebServerError(
                f"cannot listen on {self.host}:{self.port} ({error.strerror}): "
                "set PORT to a free port"
            ) from None
        self._runner = runner
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("HTTP: listening on %s:%s", self.host, self.port)

    async def stop_accepting(self) -> None:
        """Close the listening socket; requests in progress carry on."""
        if self._runner is not None:
            for site in list(self._runner.sites):
                await site.stop()

    async def close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
