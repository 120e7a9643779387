"""The discord.py client the adapter drives, and the error start-up raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from adapters.discord.components import FormPageButton, RoundButton
from adapters.discord.render import NO_PINGS

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter


class DiscordStartError(RuntimeError):
    """Discord could not be reached or refused the bot; the message says what to fix."""


def _text_only() -> None:
    """Design Kata never joins a voice channel, so discord.py's start-up warnings about
    missing voice libraries (PyNaCl, davey) would only alarm whoever reads the log."""
    for flag in ("warn_nacl", "warn_dave"):
        if hasattr(discord.VoiceClient, flag):
            setattr(discord.VoiceClient, flag, False)


class KataClient(discord.Client):
    """A discord.Client that knows its adapter (buttons reach it through the interaction)."""

    def __init__(
        self, adapter: DiscordAdapter, intents: discord.Intents, guild_ready_timeout: float
    ) -> None:
        _text_only()
        super().__init__(
            intents=intents, allowed_mentions=NO_PINGS, guild_ready_timeout=guild_ready_timeout
        )
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(RoundButton, FormPageButton)
