"""The discord.py client the adapter drives, and the error start-up raises."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.render import NO_PINGS


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


class KataClient(discord.Client):
    """A discord.Client that holds the handler its buttons call."""

    def __init__(self, intents: discord.Intents, guild_ready_timeout: float) -> None:
        _text_only()
        super().__init__(
            intents=intents, allowed_mentions=NO_PINGS, guild_ready_timeout=guild_ready_timeout
        )
        self.buttons: ButtonHandler | None = None
        """Set by the adapter once its interactions part exists."""
        self.tree = app_commands.CommandTree(self)

    before_frame: Callable[[], Awaitable[None]] | None = None
    """Awaited before each gateway frame is handled: back-pressure from the core. discord.py
    runs every event handler as its own task, so waiting in a handler would not slow the
    read; waiting here does."""


def _current_ws(client: KataClient) -> Any:
    return client.__dict__.get("_kata_ws")


def _set_ws(client: KataClient, ws: Any) -> None:
    """discord.py sets `ws` for every (re)connection: each new socket gets the wait."""
    if ws is not None and client.before_frame is not None:
        ws.received_message = _waiting(ws.received_message, client.before_frame)
    client.__dict__["_kata_ws"] = ws


# discord.py declares `ws` as a plain attribute; a property in its place sees every socket
# the client opens (set here, not in the class body, where it would shadow that declaration).
setattr(KataClient, "ws", property(_current_ws, _set_ws))  # noqa: B010


def _waiting(
    handle: Callable[[Any], Awaitable[None]], wait: Callable[[], Awaitable[None]]
) -> Callable[[Any], Awaitable[None]]:
    async def received_message(message: Any) -> None:
        await wait()
        await handle(message)

    return received_message
