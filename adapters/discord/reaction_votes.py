"""Raw reaction gateway events -> the core: a 🏆 added to or removed from an answer in a
round's thread votes for (or withdraws the vote for) its author (`bot.votes`).

The raw events (`MESSAGE_REACTION_ADD` / `_REMOVE`, the Guild Message Reactions intent that
`Intents.default()` includes) arrive for every message, cached or not, so a vote on an answer
posted before a restart still counts. The core's confirmation is not sent on: Discord has no
private reply to a reaction, and a direct message for every vote would be noise.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from adapters.discord.threads import ThreadParents
from adapters.discord.translate import PLATFORM, message_in
from bot.chat import Actor, InboundEvent, Outcome, ReactionChanged, UserRef

log = logging.getLogger(__name__)

NAMES = {"\U0001f3c6": "trophy"}
"""Unicode emoji -> the core's names, for the reactions the core acts on."""


def emoji_name(emoji: discord.PartialEmoji) -> str:
    name = emoji.name or ""
    return NAMES.get(name, name)


class ReactionVotes:
    def __init__(
        self,
        handle: Callable[[InboundEvent], Awaitable[Outcome]],
        threads: ThreadParents,
        bot_id: Callable[[], int | None],
    ) -> None:
        self._handle = handle
        self._threads = threads
        self._bot_id = bot_id

    async def on_reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        if payload.guild_id is None or payload.user_id == self._bot_id():
            return
        name = emoji_name(payload.emoji)
        if name not in NAMES.values():
            return  # only the vote emoji means anything to the core
        member = payload.member
        if member is not None and member.bot:
            return
        thread = await self._threads.thread_ref(payload.guild_id, payload.channel_id)
        if thread is None:
            return
        display = (member.display_name if member is not None else "") or ""
        actor = Actor(UserRef(PLATFORM, str(payload.guild_id), str(payload.user_id)), display)
        event = ReactionChanged(message_in(thread, payload.message_id), actor, name, added)
        try:
            outcome = await self._handle(event)
        except Exception:
            log.exception("Discord: the core failed on a reaction")
            return
        if outcome.replies:
            log.info("Discord: reaction vote by %s: %s", payload.user_id, outcome.text[:200])
