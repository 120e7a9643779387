"""Design Kata in Discord servers (discord.py 2.x). See README.md in this folder."""

from adapters.discord.adapter import DiscordAdapter, DiscordStartError

__all__ = ["DiscordAdapter", "DiscordStartError"]
