"""Reading a round's thread back (`GET /channels/{thread}/messages?after=`), for the core's
reconciliation."""

from __future__ import annotations

from typing import Any

import discord

from bot.chat import Actor, ThreadRef, UserRef
from bot.port import ThreadMessage, ThreadPage

COUNTED_TYPE_VALUES = (discord.MessageType.default.value, discord.MessageType.reply.value)


def _actor(guild_id: str, author: dict[str, Any], member: dict[str, Any] | None) -> Actor:
    name = (member or {}).get("nick") or author.get("global_name") or author.get("username")
    user = UserRef(platform="discord", workspace_id=guild_id, user_id=str(author["id"]))
    return Actor(user=user, display_name=str(name or author["id"]))


def page_of(
    thread: ThreadRef, raw: list[dict[str, Any]], limit: int, bot_id: int | None
) -> ThreadPage:
    """Members' messages of one REST page, oldest first; Discord sends newest first."""
    ordered = sorted(raw, key=lambda m: int(m["id"]))
    messages: list[ThreadMessage] = []
    for message in ordered:
        author = message.get("author") or {}
        if author.get("bot") or not author.get("id") or str(author["id"]) == str(bot_id):
            continue
        if message.get("type", 0) not in COUNTED_TYPE_VALUES:
            continue
        text = str(message.get("content") or "")
        if not text.strip():
            continue
        actor = _actor(thread.channel.workspace_id, author, message.get("member"))
        edited = bool(message.get("edited_timestamp"))
        messages.append(ThreadMessage(str(message["id"]), actor, text, edited))
    more = str(ordered[-1]["id"]) if len(raw) >= limit and ordered else None
    return ThreadPage(messages, more, frozenset(str(m["id"]) for m in raw if m.get("id")))
