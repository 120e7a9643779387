"""Reading a round's thread back (`conversations.replies`), for the core's reconciliation."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import MemberDirectory
from adapters.slack.inbound import NEW_MESSAGE_SUBTYPES
from bot.chat import ThreadRef
from bot.port import ThreadMessage, ThreadPage


async def read_replies(
    client: AsyncWebClient,
    members: MemberDirectory,
    thread: ThreadRef,
    after: str | None,
    limit: int,
) -> ThreadPage:
    """One page of a thread's replies after ts `after`, members' messages only."""
    args: dict[str, Any] = {"channel": thread.channel.channel_id, "ts": thread.thread_id}
    args["limit"] = limit
    if after:
        args["oldest"] = after
    response = await client.conversations_replies(**args)
    raw: list[dict[str, Any]] = list(response.get("messages") or [])
    messages: list[ThreadMessage] = []
    for message in raw:
        ts = str(message.get("ts") or "")
        if not ts or ts == thread.thread_id or (after and float(ts) <= float(after)):
            continue
        if message.get("subtype") not in NEW_MESSAGE_SUBTYPES:
            continue
        if message.get("bot_id") or not message.get("user"):
            continue
        actor = await members.actor(thread.channel.workspace_id, str(message["user"]))
        text = str(message.get("text") or "")
        messages.append(ThreadMessage(ts, actor, text, edited="edited" in message))
    last = str(raw[-1].get("ts") or "") if raw else ""
    more = last if response.get("has_more") and last and last != after else None
    present = frozenset(str(m.get("ts")) for m in raw if m.get("ts"))
    return ThreadPage(messages, more, present)
