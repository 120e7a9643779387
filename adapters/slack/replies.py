"""Getting the core's answer back to the member: response_url, ephemeral, thread or DM.

A command or button carries a `response_url` (works even where the bot is not a member); a
modal submit or a thread reply does not, so those go through the Web API. Nothing here raises:
a reply that cannot be delivered is logged, the request is still answered.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import render_message
from adapters.slack.client import retry_handlers
from adapters.slack.inbound import PLATFORM, channel_ref
from adapters.slack.posting import SlackPort
from adapters.slack.views import FormOrigin, render_form
from bot.chat import (
    ChannelRef,
    Outcome,
    OutgoingMessage,
    Reply,
    Section,
    ThreadRef,
    UserRef,
    text_message,
)
from bot.port import ChannelUnavailable

log = logging.getLogger(__name__)


def user_ref(team_id: str, user_id: str) -> UserRef:
    return UserRef(platform=PLATFORM, workspace_id=team_id, user_id=user_id)


class ReplyRouter:
    def __init__(self, port: SlackPort) -> None:
        self.port = port

    async def deliver(
        self,
        outcome: Outcome,
        body: dict[str, Any],
        channel: ChannelRef,
        user: UserRef,
        thread_ts: str | None,
    ) -> None:
        """An Outcome for a command or button: the form first (its trigger expires within
        3 s), then the replies through the response_url, falling back to the Web API."""
        if outcome.form is not None:
            form = outcome.form
            origin = FormOrigin(form.form_id, form.context, channel.channel_id, thread_ts)
            try:
                view = render_form(form, origin)
                await self.port.client.views_open(trigger_id=body.get("trigger_id"), view=view)
            except (SlackApiError, ValueError) as error:
                log.warning("could not open the %s form: %s", form.form_id, error)
                note = "That form could not open in time; please press the button again."
                outcome.replies.insert(0, Reply(text_message(note)))
        for reply in outcome.replies:
            reply = with_picture_note(reply)
            try:
                if not await self.respond(body.get("response_url"), reply):
                    await self.to_channel(channel, user, thread_ts, reply)
                elif reply.private and (reply.message.attachments or reply.message.pictures):
                    await self.port.send_direct(user, _files_only(reply.message))
                elif reply.message.attachments or reply.message.pictures:
                    await self.port.share_files(channel, reply.message, thread_ts)
            except (SlackApiError, ChannelUnavailable) as error:
                log.warning("could not deliver a reply in %s: %s", channel.channel_id, error)

    async def respond(self, response_url: str | None, reply: Reply) -> bool:
        """Answer through Slack's response_url; False when there is none or it failed."""
        if not response_url:
            return False
        client = AsyncWebhookClient(url=response_url, retry_handlers=retry_handlers())
        for page in render_message(reply.message):
            try:
                result = await client.send(
                    text=page["text"],
                    blocks=page.get("blocks"),
                    response_type="ephemeral" if reply.private else "in_channel",
                    replace_original=False,
                )
            except Exception as error:  # network trouble: fall back to the Web API
                log.warning("response_url failed: %s", error)
                return False
            if result.status_code != 200:
                log.warning("response_url answered %s: %s", result.status_code, result.body)
                return False
        return True

    async def to_channel(
        self, channel: ChannelRef, user: UserRef | None, thread_ts: str | None, reply: Reply
    ) -> None:
        """A private reply as an ephemeral (or DM); a shared one in the thread or channel."""
        if reply.private and user is not None:
            await self.port.send_private(user, reply.message, channel, thread_ts)
        elif thread_ts:
            await self.port.post_in_thread(ThreadRef(channel, thread_ts), reply.message)
        else:
            await self.port.post_in_channel(channel, reply.message)

    async def after_form(self, outcome: Outcome, origin: FormOrigin, user: UserRef) -> None:
        """Replies to a modal submit, next to where the modal was opened."""
        replies = outcome.replies or [Reply(text_message(m)) for m in outcome.form_errors.values()]
        for reply in replies:
            try:
                if origin.channel_id:
                    channel = channel_ref(user.workspace_id, origin.channel_id)
                    await self.to_channel(channel, user, origin.thread_ts, reply)
                else:
                    await self.port.send_private(user, reply.message)
            except (SlackApiError, ChannelUnavailable) as error:
                log.warning("could not deliver a reply after a form: %s", error)


def _files_only(message: OutgoingMessage) -> OutgoingMessage:
    """A DM that carries a reply's files, since ephemeral messages cannot hold files."""
    what = "files" if message.attachments else "pictures"
    note = text_message(f"Here are the {what} you asked for.")
    return OutgoingMessage(
        sections=note.sections, attachments=message.attachments, pictures=message.pictures
    )


PICTURE_NOTE = (
    "Slack cannot attach pictures to a message only you see, so your pictures are in your "
    "direct messages with Design Kata."
)


def with_picture_note(reply: Reply) -> Reply:
    """A private reply with pictures says where they went (a DM), and what they show."""
    if not reply.private or not reply.message.pictures:
        return reply
    seen = "\n".join(f"- {p.alt}" for p in reply.message.pictures)
    note = Section(heading="Pictures", text=f"{PICTURE_NOTE}\n{seen}")
    return replace(reply, message=replace(reply.message, sections=(*reply.message.sections, note)))
