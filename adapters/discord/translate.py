"""Pure translation of discord.py objects into the core's refs and events.

No client, no I/O: each rule (who is an admin, which messages count, what a command's
channel is) is a small function tests can feed objects to. The messages and interactions
parts look thread parents up and call the core; this file only says what things mean.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot import chat
from bot.chat import Actor, ChannelRef, MessageRef, ThreadRef, UserRef

PLATFORM = "discord"
COUNTED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
"""Message types a member writes; joins, pins and thread notices are not answers."""


def is_admin(permissions: discord.Permissions | None) -> bool:
    """Manage Server or Administrator makes a member a Design Kata admin."""
    return bool(permissions and (permissions.manage_guild or permissions.administrator))


def actor_of(
    user: discord.abc.User, guild_id: int, permissions: discord.Permissions | None
) -> Actor:
    return Actor(
        user=UserRef(platform=PLATFORM, workspace_id=str(guild_id), user_id=str(user.id)),
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


def counts(author: discord.abc.User, guild_id: int | None, bot_id: int | None) -> bool:
    """Whether a message by `author` can be an answer: in a server, by a member, not by us."""
    return guild_id is not None and not author.bot and author.id != bot_id


def thread_in(guild_id: int, parent_id: int, thread_id: int) -> ThreadRef:
    channel = ChannelRef(platform=PLATFORM, workspace_id=str(guild_id), channel_id=str(parent_id))
    return ThreadRef(channel=channel, thread_id=str(thread_id))


def message_in(thread: ThreadRef, message_id: int) -> MessageRef:
    return MessageRef(channel=thread.channel, message_id=str(message_id), thread=thread)


def message_posted(
    thread: ThreadRef, message_id: int, author: discord.abc.User, text: str, at: datetime
) -> chat.MessagePosted:
    guild_id = int(thread.channel.workspace_id)
    actor = actor_of(author, guild_id, member_permissions(author))
    return chat.MessagePosted(message=message_in(thread, message_id), actor=actor, text=text, at=at)


def message_edited(
    thread: ThreadRef, message_id: int, author: discord.abc.User, text: str
) -> chat.MessageEdited:
    guild_id = int(thread.channel.workspace_id)
    actor = actor_of(author, guild_id, member_permissions(author))
    return chat.MessageEdited(message=message_in(thread, message_id), actor=actor, text=text)


def message_deleted(thread: ThreadRef, message_id: int) -> chat.MessageDeleted:
    return chat.MessageDeleted(message=message_in(thread, message_id))


def interaction_channel(interaction: discord.Interaction) -> ChannelRef | None:
    """The channel an interaction concerns: a thread's parent, or the channel itself."""
    if interaction.guild_id is None or interaction.channel_id is None:
        return None
    channel = interaction.channel
    channel_id = interaction.channel_id
    if isinstance(channel, discord.Thread) and channel.parent_id:
        channel_id = channel.parent_id
    return ChannelRef(PLATFORM, str(interaction.guild_id), str(channel_id))


def interaction_thread(interaction: discord.Interaction) -> ThreadRef | None:
    """The round's thread an interaction happened in, if any."""
    channel = interaction.channel
    if not isinstance(channel, discord.Thread) or not channel.parent_id:
        return None
    if interaction.guild_id is None:
        return None
    return thread_in(interaction.guild_id, channel.parent_id, channel.id)


def interaction_actor(interaction: discord.Interaction) -> Actor:
    assert interaction.guild_id is not None
    return actor_of(interaction.user, interaction.guild_id, interaction.permissions)


def channel_name(interaction: discord.Interaction) -> str | None:
    """The practice channel's name; from inside a round's thread, its parent's."""
    channel = interaction.channel
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    name = getattr(channel, "name", None)
    return name if isinstance(name, str) and name else None
