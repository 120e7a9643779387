"""Which text channel a thread belongs to, remembered so most lookups cost nothing.

A message event only carries its channel id; the core wants the round's thread and its
channel. The parent comes from discord.py's cache, or from the API after a restart.
"""

from __future__ import annotations

import logging

import discord

from adapters.discord.translate import thread_in
from bot.chat import ThreadRef

log = logging.getLogger(__name__)

PARENT_CACHE_LIMIT = 10_000


class ThreadParents:
    """A bounded map thread id -> parent channel id (None: the channel is no thread)."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client
        self._parents: dict[int, int | None] = {}

    def remember(self, thread_id: int, parent_id: int | None) -> None:
        if len(self._parents) >= PARENT_CACHE_LIMIT:
            for key in list(self._parents)[: PARENT_CACHE_LIMIT // 2]:
                del self._parents[key]
        self._parents[thread_id] = parent_id

    async def parent_of(self, channel_id: int, hint: object = None) -> int | None:
        """The text channel a thread belongs to, or None when `channel_id` is no thread."""
        if channel_id in self._parents:
            return self._parents[channel_id]
        channel = hint if hint is not None else self._client.get_channel(channel_id)
        if isinstance(channel, discord.Thread):
            parent: int | None = channel.parent_id
        elif isinstance(channel, discord.abc.GuildChannel):
            parent = None
        else:
            try:
                fetched = await self._client.fetch_channel(channel_id)
            except discord.HTTPException as exc:
                log.info("Discord: cannot look up channel %s: %s", channel_id, exc)
                return None
            parent = fetched.parent_id if isinstance(fetched, discord.Thread) else None
        self.remember(channel_id, parent)
        return parent

    async def thread_ref(
        self, guild_id: int, channel_id: int, hint: object = None
    ) -> ThreadRef | None:
        parent = await self.parent_of(channel_id, hint)
        return None if parent is None else thread_in(guild_id, parent, channel_id)
