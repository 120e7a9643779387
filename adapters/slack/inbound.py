"""Pure translation of Slack payloads into the core's refs and events.

Kept free of I/O so each rule (which message subtypes count, what a thread is, what an edit
looks like) is a small function that tests can feed recorded payloads to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.chat import (
    Actor,
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    ThreadRef,
)

PLATFORM = "slack"

NEW_MESSAGE_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}
"""Subtypes written by a member that can be answers; joins, topics and bot posts are not."""


def channel_ref(team_id: str, channel_id: str) -> ChannelRef:
    return ChannelRef(platform=PLATFORM, workspace_id=team_id, channel_id=channel_id)


def thread_ref(channel: ChannelRef, thread_ts: str | None, ts: str | None) -> ThreadRef | None:
    """A reply's thread; None for top-level messages (and for a thread's parent itself)."""
    if not thread_ts or thread_ts == ts:
        return None
    return ThreadRef(channel=channel, thread_id=thread_ts)


def at_of(ts: str | None) -> datetime | None:
    """Slack's `ts` ("1718000000.000100") as an aware datetime."""
    try:
        return datetime.fromtimestamp(float(ts or ""), UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class MessageChange:
    """What a `message` event means, before the author is looked up."""

    kind: str  # "posted" | "edited" | "deleted"
    channel: ChannelRef
    ts: str
    thread: ThreadRef | None
    user_id: str | None
    text: str = ""

    @property
    def thread_id(self) -> str | None:
        return self.thread.thread_id if self.thread else None

    def ref(self) -> MessageRef:
        return MessageRef(channel=self.channel, message_id=self.ts, thread=self.thread)

    def to_event(self, actor: Actor | None) -> MessagePosted | MessageEdited | MessageDeleted:
        if self.kind == "deleted":
            return MessageDeleted(message=self.ref())
        if actor is None:
            raise ValueError("a posted or edited message needs its author")
        if self.kind == "edited":
            return MessageEdited(message=self.ref(), actor=actor, text=self.text)
        return MessagePosted(message=self.ref(), actor=actor, text=self.text, at=at_of(self.ts))


def _from_member(message: dict[str, Any]) -> bool:
    return bool(message.get("user")) and not message.get("bot_id")


def read_message_event(team_id: str, event: dict[str, Any]) -> MessageChange | None:
    """Classify a `message` event; None when it cannot be an answer or a change to one."""
    channel_id = event.get("channel")
    if not channel_id or event.get("channel_type") == "im":
        return None
    channel = channel_ref(team_id, channel_id)
    subtype = event.get("subtype")

    if subtype == "message_changed":
        new = event.get("message") or {}
        old = event.get("previous_message") or {}
        if not _from_member(new) or new.get("text") == old.get("text"):
            return None  # link unfurls and bot edits also arrive as message_changed
        ts = new.get("ts") or ""
        thread = thread_ref(channel, new.get("thread_ts"), ts)
        return MessageChange("edited", channel, ts, thread, new.get("user"), new.get("text") or "")

    if subtype == "message_deleted":
        old = event.get("previous_message") or {}
        ts = event.get("deleted_ts") or old.get("ts") or ""
        thread = thread_ref(channel, old.get("thread_ts"), ts)
        if not ts:
            return None
        return MessageChange("deleted", channel, ts, thread, old.get("user"))

    if subtype not in NEW_MESSAGE_SUBTYPES or not _from_member(event):
        return None
    ts = event.get("ts") or ""
    thread = thread_ref(channel, event.get("thread_ts"), ts)
    return MessageChange("posted", channel, ts, thread, event.get("user"), event.get("text") or "")


def display_name_of(user: dict[str, Any]) -> str:
    """The name Slack shows for a member: display name, then real name, then handle."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if candidate:
            return str(candidate)
    return str(user.get("id") or "someone")


def is_admin_user(user: dict[str, Any]) -> bool:
    """Workspace admins and owners count as admins for the core."""
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def action_thread(channel: ChannelRef, body: dict[str, Any]) -> ThreadRef | None:
    """The round thread a button belongs to: the prompt's own ts, or the thread it sits in."""
    message = body.get("message") or {}
    container = body.get("container") or {}
    thread_ts = message.get("thread_ts") or container.get("thread_ts")
    ts = message.get("ts") or container.get("message_ts")
    root = thread_ts or ts
    return ThreadRef(channel=channel, thread_id=root) if root else None
