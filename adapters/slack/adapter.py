"""The Slack adapter: a bolt AsyncApp wired to the core, in Socket Mode or over HTTP."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError

from adapters.slack.client import build_client
from adapters.slack.directory import MemberDirectory
from adapters.slack.handlers import SlackInbound
from adapters.slack.history import read_replies
from adapters.slack.pacing import ChannelPacer, InFlight
from adapters.slack.posting import SlackPort, slack_error
from adapters.web_server import WebServer, WebServerError
from bot.chat import MessageRef, ThreadRef
from bot.port import Core, ThreadPage
from bot.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SOCKET_CONNECT_SECONDS = 30


class SlackSetupError(RuntimeError):
    """The environment lacks what the chosen connection mode needs."""


def _one_client_only(record: logging.LogRecord) -> bool:
    """Drop bolt's note that the client wins over `SLACK_BOT_TOKEN`: bolt reads that variable
    itself even when given a client, and ours is built from that very token."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


class _KataBoltApp(AsyncApp):
    """bolt's AsyncApp whose dispatch (HTTP and Socket Mode alike) goes through the adapter,
    which counts requests still being handled after their ack."""

    inbound: SlackInbound | None = None

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        if self.inbound is None:
            return await super().async_dispatch(req)
        return await self.inbound.dispatch(self, req)


class SlackAdapter(SlackPort):
    """Runs Design Kata in one Slack workspace.

    Socket Mode when `SLACK_APP_TOKEN` is set (no public URL needed); otherwise events,
    commands and interactivity arrive at `/slack/events` on the process's web server
    (`server`, which its owner starts), each request checked against
    `SLACK_SIGNING_SECRET`. Without a `server`, HTTP mode listens on `PORT` itself, with a
    `/healthz` of its own.
    """

    def __init__(
        self,
        kata: Core,
        settings: Settings,
        *,
        host: str = "0.0.0.0",
        pacing_seconds: float = 1.0,
        retry_backoff_seconds: float | None = None,
        server: WebServer | None = None,
    ) -> None:
        if not settings.slack_bot_token:
            raise SlackSetupError("SLACK_BOT_TOKEN is not set")
        if not (settings.slack_app_token or settings.slack_signing_secret):
            raise SlackSetupError(
                "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)"
            )
        client = build_client(
            settings.slack_bot_token, settings.slack_api_url, retry_backoff_seconds
        )
        super().__init__(client, ChannelPacer(pacing_seconds), retry_backoff_seconds)
        self.settings = settings
        self.host = host
        self.socket_mode = bool(settings.slack_app_token)
        self.inflight = InFlight()
        bolt_log = logging.getLogger("adapters.slack.bolt")
        bolt_log.addFilter(_one_client_only)
        self.app = _KataBoltApp(
            client=client,
            signing_secret=settings.slack_signing_secret or "",
            request_verification_enabled=not self.socket_mode,
            logger=bolt_log,
        )
        self.inbound = SlackInbound(
            kata,
            self,
            MemberDirectory(client),
            self.inflight,
            None if self.socket_mode else settings.slack_signing_secret,
        )
        self.inbound.register(self.app)
        self.app.inbound = self.inbound
        self._socket: AsyncSocketModeHandler | None = None
        self._web: WebServer | None = None
        self._owns_web = False
        if not self.socket_mode:
            self._owns_web = server is None
            self._web = server or WebServer(host, settings.port)
            self._web.add_routes(self.routes())
            if self._owns_web:
                self._web.add_routes([web.get("/healthz", self._health)])

    def routes(self) -> list[web.RouteDef]:
        """What HTTP mode serves: events, slash commands and interactivity on one path."""
        return [web.post(EVENTS_PATH, self._serve)]

    @property
    def port(self) -> int | None:
        """The port HTTP mode listens on, once listening; None in Socket Mode."""
        return self._web.port if self._web is not None and self._web.started else None

    async def start(self, listen: bool = True) -> None:
        """Connect (Socket Mode) or start listening (HTTP); returns once requests can arrive.
        `listen=False` (`kata worker`): only check the token, to post scheduled work.

        Raises SlackSetupError, with what to fix, when a token is refused, Slack cannot be
        reached or the port is taken.
        """
        if self.client.session is None:
            # One connection pool for every Web API call: the SDK opens a session per call
            # otherwise, paying a TCP (and TLS) handshake for each post and reaction.
            self.client.session = aiohttp.ClientSession()
        await self._check_bot_token()
        if not listen:
            return
        if self.socket_mode:
            await self._connect_socket()
        elif self._owns_web:
            await self._listen()

    async def _check_bot_token(self) -> None:
        try:
            identity = await self.client.auth_test()
        except SlackApiError as error:
            raise SlackSetupError(
                f"Slack refused SLACK_BOT_TOKEN ({slack_error(error)}): copy the Bot User "
                "OAuth Token (xoxb-...) from the app's OAuth & Permissions page"
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise SlackSetupError(
                f"cannot reach the Slack Web API at {self.client.base_url}: {error}"
            ) from None
        self.workspace_url = str(identity.get("url") or "") or None
        log.info("Slack: signed in as %s in %s", identity.get("user"), identity.get("team"))

    async def _connect_socket(self) -> None:
        """Ask for the websocket URL ourselves first: the SDK would retry a refused app token
        forever, while here it becomes one clear error."""
        token = self.settings.slack_app_token
        if not token:
            raise SlackSetupError("SLACK_APP_TOKEN is not set")
        try:
            opened = await self.client.apps_connections_open(app_token=token)
        except SlackApiError as error:
            raise SlackSetupError(
                f"Slack refused SLACK_APP_TOKEN ({slack_error(error)}): generate an app-level "
                "token (xapp-...) with the connections:write scope under Basic Information"
            ) from None
        self._socket = AsyncSocketModeHandler(self.app, token, web_client=self.client)
        self._socket.client.wss_uri = str(opened["url"])
        try:
            await asyncio.wait_for(self._socket.connect_async(), SOCKET_CONNECT_SECONDS)
        except TimeoutError:
            await self._socket.close_async()
            self._socket = None
            raise SlackSetupError(
                f"the Socket Mode websocket did not open within {SOCKET_CONNECT_SECONDS} s"
            ) from None
        log.info("Slack: connected in Socket Mode")

    async def _listen(self) -> None:
        assert self._web is not None
        try:
            await self._web.start()
        except WebServerError as error:
            raise SlackSetupError(str(error)) from None
        log.info("Slack: listening on %s:%s%s", self.host, self.port, EVENTS_PATH)

    async def _serve(self, request: web.Request) -> web.Response:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if not (timestamp.isascii() and timestamp.isdigit()):
            # slack_sdk's verifier calls int() on it before checking anything and raises.
            return web.json_response({"error": "invalid request"}, status=401)
        if request.content_type == "application/json":
            fast = await self.inbound.take_http(
                await request.text(), timestamp, request.headers.get("X-Slack-Signature", "")
            )
            if fast is not None:
                return web.Response(status=fast.status, text=fast.body or None)
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Queued within the ticks' budget, like the live answers' ticks, so a thread read
        back after a restart cannot burst past Slack's `reactions.add` limit."""
        self.inbound.reactions.add(message, emoji)

    async def read_thread(
        self, thread: ThreadRef, after: str | None = None, limit: int = 100
    ) -> ThreadPage:
        """Members' replies in a round's thread, for the core's reconciliation."""
        return await read_replies(self.client, self.inbound.members, thread, after, limit)

    async def wait_idle(self, limit_seconds: float = 10.0) -> None:
        """Wait until every acknowledged request has been fully handled."""
        await self.inflight.wait_idle(limit_seconds)

    async def close(self) -> None:
        """Stop taking requests, let running work finish briefly, then release connections."""
        if self._socket is not None:
            await self._socket.disconnect_async()
        if self._owns_web and self._web is not None:
            await self._web.stop_accepting()
        try:
            await self.inflight.wait_idle(5.0)
        except TimeoutError:
            log.warning("Slack: closing with requests still being handled")
        await self.inbound.reactions.close()
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._owns_web and self._web is not None:
            await self._web.close()
        session = getattr(self.client, "session", None)
        if session is not None and not session.closed:
            await session.close()
