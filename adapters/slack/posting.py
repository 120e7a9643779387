"""The core's ChatPort on Slack's Web API: prompts, thread posts, private notes, reactions.

Errors Slack gives for a channel the bot can no longer use become `ChannelUnavailable` so the
core pauses that channel; rate limits and 5xx are retried inside the SDK client; anything else
propagates and the core treats it as transient.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import render_message
from adapters.slack.inbound import PLATFORM
from adapters.slack.pacing import ChannelPacer
from bot.chat import (
    Attachment,
    ChannelRef,
    MessageRef,
    Once,
    OutgoingMessage,
    Picture,
    ThreadRef,
    UserRef,
)
from bot.port import ChannelUnavailable

log = logging.getLogger(__name__)

UNAVAILABLE_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "invalid_auth",
        "token_revoked",
        "account_inactive",
    }
)
EPHEMERAL_FALLBACK_ERRORS = UNAVAILABLE_ERRORS | {"user_not_in_channel"}
METADATA_EVENT = "design_kata_post"
"""The metadata event type our scheduled posts carry, with their work key as payload."""
POST_TRIES = 3
RETRY_PAUSE = 0.5
LOOKBACK_PAGES = 3
"""A retry comes minutes after the lost post: 3 pages of 200 messages reach far enough back."""


def slack_error(error: SlackApiError) -> str:
    return str(error.response.get("error") or error.response.status_code)


class SlackPort:
    """ChatPort methods; `platform` routes the core's calls to this adapter."""

    platform = PLATFORM

    def __init__(
        self, client: AsyncWebClient, pacer: ChannelPacer, retry_pause: float | None = None
    ) -> None:
        self.client = client
        self.pacer = pacer
        self.retry_pause = RETRY_PAUSE if retry_pause is None else retry_pause
        self.workspace_url: str | None = None
        """`https://<workspace>.slack.com/`, from `auth.test` at start: permalinks start here."""

    def message_link(self, message: MessageRef) -> str | None:
        """The message's permalink, made without a call: the workspace URL, `/archives/`, the
        channel and `p` + the `ts` without its dot; a reply adds `thread_ts` and `cid`."""
        if not self.workspace_url:
            return None
        channel = message.channel.channel_id
        ts = message.message_id.replace(".", "")
        link = f"{self.workspace_url.rstrip('/')}/archives/{channel}/p{ts}"
        thread = message.thread
        if thread is not None and thread.thread_id != message.message_id:
            link += f"?thread_ts={thread.thread_id}&cid={channel}"
        return link

    async def _call(self, ref: ChannelRef, method: str, **kwargs: Any) -> dict[str, Any]:
        """One Web API call on behalf of channel `ref`, mapping dead-channel errors."""
        try:
            response = await getattr(self.client, method)(**kwargs)
        except SlackApiError as error:
            reason = slack_error(error)
            if reason in UNAVAILABLE_ERRORS:
                log.warning(
                    "Slack channel %s unavailable (%s from %s); the core pauses it",
                    ref.channel_id,
                    reason,
                    method,
                )
                raise ChannelUnavailable(ref, reason) from None
            raise
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def _post(
        self,
        channel: ChannelRef,
        message: OutgoingMessage,
        thread_ts: str | None,
        once: Once | None = None,
    ) -> str:
        """Post every page of `message`; returns the first page's ts. Extra pages of a top-level
        post go into the first page's thread, so a long prompt stays one thread.

        With `once`, every page carries the key in its message metadata, and a retry first
        reads the channel (or the thread) back for a page carrying it: a post Slack accepted
        before its answer was lost is found instead of posted twice."""
        if once is not None and once.retry:
            earlier = await self._find_posted(channel, thread_ts, once.key)
            if earlier is not None:
                log.info("found %s already posted in %s as %s", once.key, channel, earlier)
                return earlier
        first_ts: str | None = None
        for page in render_message(message):
            await self.pacer.wait_turn(channel.channel_id)
            reply_to = thread_ts or first_ts
            args: dict[str, Any] = {"channel": channel.channel_id, **page}
            if reply_to:
                args["thread_ts"] = reply_to
            if once is not None:
                args["metadata"] = {
                    "event_type": METADATA_EVENT,
                    "event_payload": {"key": once.key},
                }
            response = await self._post_page(channel, args, once if first_ts is None else None)
            first_ts = first_ts or str(response.get("ts"))
        assert first_ts is not None
        await self.share_files(channel, message, thread_ts, files_thread_ts=thread_ts or first_ts)
        return first_ts

    async def _post_page(
        self, channel: ChannelRef, args: dict[str, Any], once: Once | None
    ) -> dict[str, Any]:
        """One chat.postMessage, tried up to `POST_TRIES` times on a 5xx or a dropped
        connection. Those may come after Slack accepted the post, so before each new try a
        keyed post is looked for (and returned if found)."""
        for attempt in range(1, POST_TRIES + 1):
            try:
                return await self._call(channel, "chat_postMessage", **args)
            except (TimeoutError, SlackApiError, aiohttp.ClientError) as error:
                if isinstance(error, SlackApiError) and error.response.status_code < 500:
                    raise
                if attempt == POST_TRIES:
                    raise
                log.info("chat.postMessage in %s failed (%r); trying again", channel, error)
                await asyncio.sleep(self.retry_pause * attempt)
                if once is not None:
                    ts = await self._find_posted(channel, args.get("thread_ts"), once.key)
                    if ts is not None:
                        return {"ts": ts}
        raise AssertionError("unreachable")

    async def _find_posted(
        self, channel: ChannelRef, thread_ts: str | None, key: str
    ) -> str | None:
        """The ts of the first message carrying `key` in its metadata: among the thread's
        replies, or the channel's recent history. Reads at most `LOOKBACK_PAGES` pages."""
        method = "conversations_replies" if thread_ts else "conversations_history"
        args: dict[str, Any] = {
            "channel": channel.channel_id,
            "include_all_metadata": True,
            "limit": 200,
        }
        if thread_ts:
            args["ts"] = thread_ts
        found: list[str] = []
        for _ in range(LOOKBACK_PAGES):
            response = await self._call(channel, method, **args)
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                    found.append(str(message["ts"]))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
            args["cursor"] = cursor
        return min(found, key=float) if found else None

    async def share_files(
        self,
        channel: ChannelRef,
        message: OutgoingMessage,
        thread_ts: str | None,
        files_thread_ts: str | None = None,
    ) -> None:
        """Upload a message's pictures into `channel` (its thread, if given), right under
        the message, and its files into `files_thread_ts` (default: the same place)."""
        for attachment in message.attachments:
            await self._upload(
                channel, channel.channel_id, attachment, files_thread_ts or thread_ts
            )
        for picture in message.pictures:
            await self._upload_picture(channel, picture, thread_ts)

    async def _upload_picture(
        self, channel: ChannelRef, picture: Picture, thread_ts: str | None
    ) -> None:
        """files.uploadV2: `files.getUploadURLExternal` (with the alt text), the bytes to the
        upload URL, then `files.completeUploadExternal` into the channel or thread."""
        args: dict[str, Any] = {
            "channel": channel.channel_id,
            "filename": picture.filename,
            "title": picture.filename.removesuffix(".png").replace("-", " ").capitalize(),
            "content": picture.png,
            "alt_txt": picture.alt[:1000],
        }
        if thread_ts:
            args["thread_ts"] = thread_ts
        await self._call(channel, "files_upload_v2", **args)

    async def _upload(
        self,
        channel: ChannelRef,
        conversation_id: str,
        attachment: Attachment,
        thread_ts: str | None = None,
    ) -> None:
        args: dict[str, Any] = {
            "channel": conversation_id,
            "filename": attachment.filename,
            "title": attachment.filename,
            "content": attachment.content,
        }
        if thread_ts:
            args["thread_ts"] = thread_ts
        await self._call(channel, "files_upload_v2", **args)

    async def post_prompt(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> ThreadRef:
        ts = await self._post(channel, message, None, once)
        return ThreadRef(channel=channel, thread_id=ts)

    async def post_in_thread(
        self, thread: ThreadRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        ts = await self._post(thread.channel, message, thread.thread_id, once)
        return MessageRef(channel=thread.channel, message_id=ts, thread=thread)

    async def post_in_channel(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        ts = await self._post(channel, message, None, once)
        return MessageRef(channel=channel, message_id=ts)

    async def send_private(
        self,
        user: UserRef,
        message: OutgoingMessage,
        channel: ChannelRef | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Ephemeral in `channel` when possible, else a DM; a DM that fails is only logged."""
        if channel is not None and not message.attachments and not message.pictures:
            try:
                await self.post_ephemeral(channel, user.user_id, message, thread_ts)
                return
            except SlackApiError as error:
                if slack_error(error) not in EPHEMERAL_FALLBACK_ERRORS:
                    raise
                log.info(
                    "ephemeral to %s failed (%s); sending a DM", user.user_id, slack_error(error)
                )
        try:
            await self.send_direct(user, message)
        except (SlackApiError, ChannelUnavailable) as error:
            reason = error.reason if isinstance(error, ChannelUnavailable) else slack_error(error)
            log.warning("could not DM %s (%s); dropping a private note", user.user_id, reason)

    async def post_ephemeral(
        self, channel: ChannelRef, user_id: str, message: OutgoingMessage, thread_ts: str | None
    ) -> None:
        """Every page of `message` as an ephemeral message; raises SlackApiError unmapped."""
        for page in render_message(message):
            args: dict[str, Any] = {"channel": channel.channel_id, "user": user_id, **page}
            if thread_ts:
                args["thread_ts"] = thread_ts
            await self.client.chat_postEphemeral(**args)

    async def send_direct(self, user: UserRef, message: OutgoingMessage) -> None:
        """A DM: `conversations.open`, then the pages and any files."""
        opened = await self.client.conversations_open(users=user.user_id)
        dm_id = str((opened.get("channel") or {}).get("id"))
        dm = ChannelRef(platform=PLATFORM, workspace_id=user.workspace_id, channel_id=dm_id)
        await self._post(dm, message, None)

    async def react_now(self, message: MessageRef, emoji: str) -> None:
        """One `reactions.add`, unpaced: `react` (the adapter's) queues it within the budget."""
        try:
            await self._call(
                message.channel,
                "reactions_add",
                channel=message.channel.channel_id,
                timestamp=message.message_id,
                name=emoji,
            )
        except SlackApiError as error:
            if slack_error(error) != "already_reacted":
                raise
