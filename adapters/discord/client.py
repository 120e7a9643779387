"""The discord.py client the adapter drives, and the error start-up raises."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any, Protocol

import aiohttp
import discord
import discord.shard
from discord import app_commands

from adapters.discord.render import NO_PINGS
from bot import metrics

PLATFORM = "discord"
_ROUTE_WORD = re.compile(r"@?[a-z][a-z_-]{0,31}")


class DiscordStartError(RuntimeError):
    """Discord could not be reached or refused the bot; the message says what to fix."""


def _text_only() -> None:
    """Design Kata never joins a voice channel, so discord.py's start-up warnings about
    missing voice libraries (PyNaCl, davey) would only alarm whoever reads the log."""
    for flag in ("warn_nacl", "warn_dave"):
        if hasattr(discord.VoiceClient, flag):
            setattr(discord.VoiceClient, flag, False)


class ButtonHandler(Protocol):
    """What a pressed button calls; buttons are rebuilt from custom ids, so they find it
    through the interaction's client."""

    async def on_button(self, interaction: discord.Interaction, action: str, value: str) -> None:
        """One of the core's buttons (next stage, give feedback, my stats)."""
        ...

    async def open_form_page(self, interaction: discord.Interaction, token: str, page: int) -> None:
        """A "continue the form" button."""
        ...


def route_of(method: str, path: str) -> str:
    """`POST /channels/{id}/messages` for `POST /api/v10/channels/1234/messages`: ids, tokens
    and emoji become `{id}`, so a metric has one series per route, not one per message."""
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) > 1 and parts[1].startswith("v"):
        parts = parts[2:]
    shown = [p if _ROUTE_WORD.fullmatch(p) else "{id}" for p in parts]
    return f"{method} /{'/'.join(shown)}"


def call_counter() -> aiohttp.TraceConfig:
    """Counts every REST request discord.py makes (its retries after a 429 too), and 429s."""
    trace = aiohttp.TraceConfig()

    async def ended(
        _session: aiohttp.ClientSession, _context: SimpleNamespace, params: Any
    ) -> None:
        metrics.platform_call(PLATFORM, route_of(params.method, params.url.path))
        if params.response.status == 429:
            metrics.rate_limited(PLATFORM)

    async def failed(
        _session: aiohttp.ClientSession, _context: SimpleNamespace, params: Any
    ) -> None:
        metrics.platform_call(PLATFORM, route_of(params.method, params.url.path))

    trace.on_request_end.append(ended)
    trace.on_request_exception.append(failed)
    return trace


class KataClient(discord.Client):
    """A discord.Client that holds the handler its buttons call."""

    def __init__(
        self, intents: discord.Intents, guild_ready_timeout: float, **options: Any
    ) -> None:
        _text_only()
        super().__init__(
            intents=intents,
            allowed_mentions=NO_PINGS,
            guild_ready_timeout=guild_ready_timeout,
            http_trace=call_counter(),
            **options,
        )
        self.buttons: ButtonHandler | None = None
        """Set by the adapter once its interactions part exists."""
        self.tree = app_commands.CommandTree(self)

    before_frame: Callable[[], Awaitable[None]] | None = None
    """Awaited before each gateway frame is handled: back-pressure from the core. discord.py
    runs every event handler as its own task, so waiting in a handler would not slow the
    read; waiting here does."""


def _current_ws(holder: Any) -> Any:
    return holder.__dict__.get("_kata_ws")


def _set_ws(holder: Any, ws: Any) -> None:
    """discord.py sets `ws` for every (re)connection, on the client or, sharded, on each
    shard: each new socket of one of our clients gets the wait. A socket knows its client
    by the `dispatch` it was given (discord.py's `DiscordWebSocket.from_client`)."""
    client = getattr(getattr(ws, "_dispatch", None), "__self__", None)
    if isinstance(holder, KataClient):
        client = holder
    if ws is not None and isinstance(client, KataClient) and client.before_frame is not None:
        ws.received_message = _waiting(ws.received_message, client.before_frame)
    holder.__dict__["_kata_ws"] = ws


# discord.py declares `ws` as a plain attribute; a property in its place sees every socket
# the client (or a shard of an AutoShardedClient) opens. Set here, not in the class body,
# where it would shadow that declaration.
setattr(KataClient, "ws", property(_current_ws, _set_ws))  # noqa: B010
setattr(discord.shard.Shard, "ws", property(_current_ws, _set_ws))  # noqa: B010


def _waiting(
    handle: Callable[[Any], Awaitable[None]], wait: Callable[[], Awaitable[None]]
) -> Callable[[Any], Awaitable[None]]:
    async def received_message(message: Any) -> None:
        await wait()
        await handle(message)

    return received_message


class ShardedKataClient(KataClient, discord.AutoShardedClient):
    """The client for a process that runs some of the bot's gateway shards
    (`DISCORD_SHARD_IDS` of `DISCORD_SHARD_COUNT`): Discord sends each server's events to
    shard `(guild_id >> 22) % shard_count`, so processes with disjoint ids split the servers."""


def make_client(
    intents: discord.Intents,
    guild_ready_timeout: float,
    shard_count: int | None,
    shard_ids: list[int] | None,
) -> KataClient:
    """One unsharded connection unless a shard count is set."""
    if shard_count is None:
        return KataClient(intents, guild_ready_timeout)
    return ShardedKataClient(
        intents, guild_ready_timeout, shard_count=shard_count, shard_ids=shard_ids
    )
