"""Members' messages in a round's thread -> the core's MessagePosted/Edited/Deleted.

Edits and deletions come from the raw gateway events, so a message posted before a restart
(and so missing from discord.py's cache) still counts. The core deduplicates on the message
id, which is why every translation keeps Discord's id: a resumed gateway that replays an
event records nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from adapters.discord.threads import ThreadParents
from adapters.discord.translate import (
    COUNTED_TYPES,
    counts,
    message_deleted,
    message_edited,
    message_posted,
)
from bot.chat import Actor, InboundEvent, MessageRef, Outcome
from bot.port import ChatPort

log = logging.getLogger(__name__)

HandleEvent = Callable[[InboundEvent], Awaitable[Outcome]]


class Messages:
    """Hands gateway message events to the core and acts on its outcome through the port."""

    def __init__(
        self,
        handle: HandleEvent,
        port: ChatPort,
        threads: ThreadParents,
        bot_id: Callable[[], int | None],
        tick: Callable[[MessageRef, str], None],
    ) -> None:
        self._tick = tick
        """Queues the ✅ for `adapters.ticks`, which sends it within Discord's rate."""
        self._handle = handle
        self._port = port
        self._threads = threads
        self._bot_id = bot_id

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or not counts(message.author, message.guild.id, self._bot_id()):
            return
        if message.type not in COUNTED_TYPES:
            return
        if not message.content.strip():
            return  # no content intent, or an attachment only: nothing to record
        thread = await self._threads.thread_ref(
            message.guild.id, message.channel.id, message.channel
        )
        if thread is None:
            return
        event = message_posted(
            thread, message.id, message.author, message.content, message.created_at
        )
        await self._deliver(event, event.message)

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = payload.data
        if payload.guild_id is None or data.get("author") is None or "content" not in data:
            return
        message = payload.message
        if not counts(message.author, payload.guild_id, self._bot_id()):
            return
        if not message.content.strip():
            return
        thread = await self._threads.thread_ref(payload.guild_id, payload.channel_id)
        if thread is None:
            return
        event = message_edited(thread, payload.message_id, message.author, message.content)
        await self._deliver(event, event.message)

    async def on_delete(self, guild_id: int | None, channel_id: int, message_id: int) -> None:
        if guild_id is None:
            return
        thread = await self._threads.thread_ref(guild_id, channel_id)
        if thread is None:
            return
        await self._deliver(message_deleted(thread, message_id), None)

    async def _deliver(self, event: InboundEvent, ref: MessageRef | None) -> None:
        try:
            outcome = await self._handle(event)
        except Exception:
            log.exception("Discord: the core failed on %s", type(event).__name__)
            return
        await self.act_on(outcome, ref, getattr(event, "actor", None))

    async def act_on(self, outcome: Outcome, ref: MessageRef | None, actor: Actor | None) -> None:
        """Reactions go on the member's message; public replies into the thread, private
        ones as a direct message (Discord has no ephemeral reply to a plain message)."""
        try:
            if outcome.react and ref is not None:
                self._tick(ref, outcome.react)
            for reply in outcome.replies:
                if reply.private and actor is not None:
                    await self._port.send_private(actor.user, reply.message)
                elif ref is not None and ref.thread is not None:
                    await self._port.post_in_thread(ref.thread, reply.message)
        except Exception:
            log.exception("Discord: could not act on the core's answer to a message")
