"""Members' messages in a round's thread -> the core's MessagePosted/Edited/Deleted.

Edits and deletions come from the raw gateway events, so a message posted before a restart
(and so missing from discord.py's cache) still counts. The core deduplicates on the message
id, which is why every translation keeps Discord's id: a resumed gateway that replays an
event records nothing twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.chat import (
    Actor,
    ChannelRef,
    InboundEvent,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    Outcome,
    ThreadRef,
    UserRef,
)

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)

PARENT_CACHE_LIMIT = 10_000
THREAD_TYPES = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)


def is_admin(permissions: discord.Permissions | None) -> bool:
    """Manage Server or Administrator makes a member a Design Kata admin."""
    return bool(permissions and (permissions.manage_guild or permissions.administrator))


def actor_of(
    user: discord.abc.User, guild_id: int, permissions: discord.Permissions | None
) -> Actor:
    return Actor(
        user=UserRef(platform="discord", workspace_id=str(guild_id), user_id=str(user.id)),
        display_name=getattr(user, "display_name", None) or user.name,
        is_admin=is_admin(permissions),
    )


def member_permissions(user: discord.abc.User) -> discord.Permissions | None:
    """Server-wide permissions of a message author, when discord.py knows the roles."""
    if isinstance(user, discord.Member):
        try:
            return user.guild_permissions
        except Exception:  # roles of an uncached guild
            return None
    return None


class Inbound:
    """Translates gateway message events for the core and acts on its outcome."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter
        self._parents: dict[int, int | None] = {}

    # ------------------------------------------------------------------ threads

    def remember_thread(self, thread_id: int, parent_id: int | None) -> None:
        if len(self._parents) >= PARENT_CACHE_LIMIT:
            for key in list(self._parents)[: PARENT_CACHE_LIMIT // 2]:
                del self._parents[key]
        self._parents[thread_id] = parent_id

    async def parent_of(self, channel_id: int, hint: object = None) -> int | None:
        """The text channel a thread belongs to, or None when `channel_id` is no thread."""
        if channel_id in self._parents:
            return self._parents[channel_id]
        channel = hint if hint is not None else self.adapter.client.get_channel(channel_id)
        if isinstance(channel, discord.Thread):
            parent: int | None = channel.parent_id
        elif isinstance(channel, discord.abc.GuildChannel):
            parent = None
        else:
            try:
                fetched = await self.adapter.client.fetch_channel(channel_id)
            except discord.HTTPException as exc:
                log.info("Discord: cannot look up channel %s: %s", channel_id, exc)
                return None
            parent = fetched.parent_id if isinstance(fetched, discord.Thread) else None
        self.remember_thread(channel_id, parent)
        return parent

    async def thread_ref(
        self, guild_id: int, channel_id: int, hint: object = None
    ) -> ThreadRef | None:
        parent = await self.parent_of(channel_id, hint)
        if parent is None:
            return None
        channel = ChannelRef(platform="discord", workspace_id=str(guild_id), channel_id=str(parent))
        return ThreadRef(channel=channel, thread_id=str(channel_id))

    # ------------------------------------------------------------------ events

    def _counts(self, author: discord.abc.User, guild_id: int | None) -> bool:
        me = self.adapter.client.user
        return guild_id is not None and not author.bot and (me is None or author.id != me.id)

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or not self._counts(message.author, message.guild.id):
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        if not message.content.strip():
            return  # no content intent, or an attachment only: nothing to record
        thread = await self.thread_ref(message.guild.id, message.channel.id, message.channel)
        if thread is None:
            return
        ref = MessageRef(channel=thread.channel, message_id=str(message.id), thread=thread)
        actor = actor_of(message.author, message.guild.id, member_permissions(message.author))
        event = MessagePosted(message=ref, actor=actor, text=message.content, at=message.created_at)
        await self._deliver(event, ref)

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = payload.data
        author_data = data.get("author")
        if payload.guild_id is None or author_data is None or "content" not in data:
            return
        message = payload.message
        if not self._counts(message.author, payload.guild_id) or not message.content.strip():
            return
        thread = await self.thread_ref(payload.guild_id, payload.channel_id)
        if thread is None:
            return
        ref = MessageRef(channel=thread.channel, message_id=str(payload.message_id), thread=thread)
        actor = actor_of(message.author, payload.guild_id, member_permissions(message.author))
        await self._deliver(MessageEdited(message=ref, actor=actor, text=message.content), ref)

    async def on_delete(self, guild_id: int | None, channel_id: int, message_id: int) -> None:
        if guild_id is None:
            return
        thread = await self.thread_ref(guild_id, channel_id)
        if thread is None:
            return
        ref = MessageRef(channel=thread.channel, message_id=str(message_id), thread=thread)
        await self._deliver(MessageDeleted(message=ref), None)

    async def _deliver(self, event: InboundEvent, ref: MessageRef | None) -> None:
        try:
            outcome = await self.adapter.kata.handle(event)
        except Exception:
            log.exception("Discord: the core failed on %s", type(event).__name__)
            return
        await self.act_on(outcome, ref, getattr(event, "actor", None))

    async def act_on(self, outcome: Outcome, ref: MessageRef | None, actor: Actor | None) -> None:
        """Reactions go on the member's message; public replies into the thread, private
        ones as a direct message (Discord has no ephemeral reply to a plain message)."""
        try:
            if outcome.react and ref is not None:
                await self.adapter.react(ref, outcome.react)
            for reply in outcome.replies:
                if reply.private and actor is not None:
                    await self.adapter.send_private(actor.user, reply.message)
                elif ref is not None and ref.thread is not None:
                    await self.adapter.post_in_thread(ref.thread, reply.message)
        except Exception:
            log.exception("Discord: could not act on the core's answer to a message")
