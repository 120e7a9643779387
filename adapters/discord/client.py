"""The discord.py client the adapter drives, and the error start-up raises."""

from __future__ import annotations

from typing import Protocol

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
