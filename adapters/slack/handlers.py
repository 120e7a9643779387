"""Bolt listeners: Slack requests in, the core's `Kata.handle` in the middle, replies out.

Every listener acknowledges first and works after, because Slack gives a request three
seconds. The one exception is a modal submit, whose errors can only be shown inline in the
ack: the core gets up to `FORM_ACK_BUDGET` seconds there before the modal is closed anyway.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import action_of, clip, render_message
from adapters.slack.client import retry_handlers
from adapters.slack.directory import MemberDirectory
from adapters.slack.inbound import action_thread, channel_ref, read_message_event
from adapters.slack.pacing import DeliveryLog, InFlight
from adapters.slack.posting import SlackPort
from adapters.slack.views import (
    FORM_CALLBACK_PREFIX,
    FormOrigin,
    form_origin,
    render_form,
    render_home,
    submitted_values,
)
from bot.chat import (
    Actor,
    ButtonPressed,
    ChannelRef,
    CommandInvoked,
    FormSubmitted,
    InboundEvent,
    MessageRef,
    Outcome,
    OutgoingMessage,
    Reply,
    ThreadRef,
    text_message,
)

log = logging.getLogger(__name__)

COMMAND = "/kata"
MESSAGE_EVENTS = ("message.channels", "message.groups")
"""The manifest's message subscriptions; bolt sees them all as the `message` event."""
HANDLED_EVENTS = ("message", "app_home_opened")
FORM_ACK_BUDGET = 2.5
SORRY = text_message("Something went wrong on our side; please try again in a minute.")


class SlackInbound:
    """Owns the listeners; `kata` is the core, `port` the adapter's outbound half."""

    def __init__(
        self, kata: Any, port: SlackPort, members: MemberDirectory, inflight: InFlight
    ) -> None:
        self.kata = kata
        self.port = port
        self.members = members
        self.inflight = inflight
        self.deliveries = DeliveryLog()

    def register(self, app: AsyncApp) -> None:
        """Attach the listeners to a bolt app (dispatching through `dispatch`)."""
        claim = [self._claim]
        app.event("message", middleware=claim)(self.on_message)
        app.event("app_home_opened", middleware=claim)(self.on_home_opened)
        app.command(COMMAND, middleware=claim)(self.on_command)
        app.action(re.compile(r"^kata_"), middleware=claim)(self.on_button)
        view_ids = re.compile(f"^{re.escape(FORM_CALLBACK_PREFIX)}")
        app.view(view_ids, middleware=claim)(self.on_form_submit)

    async def dispatch(self, app: AsyncApp, request: AsyncBoltRequest) -> BoltResponse:
        """Run bolt's dispatch, counting the request as in flight until its listener ends.

        Bolt answers Slack as soon as a listener acks and keeps the listener running; the
        count lets `close()` and tests wait for that tail. A request no listener claims
        (unhandled, or refused by the signature check) is uncounted right away.
        """
        self.inflight.begin()
        request.context["kata_inflight"] = True
        try:
            response = await AsyncApp.async_dispatch(app, request)
        finally:
            if not request.context.get("kata_claimed"):
                self._done(request.context)
        return response

    async def _claim(self, context: Any, next: Any) -> None:
        """Listener middleware: runs only for the matched listener, before bolt answers."""
        context["kata_claimed"] = True
        await next()

    def _done(self, context: Any) -> None:
        if context.get("kata_inflight"):
            context["kata_inflight"] = False
            self.inflight.end()

    async def _handle(self, event: InboundEvent) -> Outcome | None:
        try:
            return await self.kata.handle(event)
        except Exception:
            log.exception("the core failed on %s", type(event).__name__)
            return None

    # ------------------------------------------------------------------ events

    async def on_message(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        event_id = body.get("event_id")
        try:
            if not self.deliveries.claim(event_id):
                log.info("event %s delivered again; already handled", event_id)
                return
            change = read_message_event(str(body.get("team_id") or ""), event)
            if change is None or change.thread is None:
                return
            actor = None
            if change.kind != "deleted" and change.user_id:
                actor = await self.members.actor(change.channel.workspace_id, change.user_id)
            outcome = await self.kata.handle(change.to_event(actor))
            if outcome.react:
                await self._react(change.ref(), outcome.react)
            for reply in outcome.replies:
                thread_ts = change.thread.thread_id
                await self._reply_in_channel(change.channel, change.user_id, thread_ts, reply)
        except Exception:
            self.deliveries.release(event_id)
            log.exception("failed to handle message event %s", event_id)
        finally:
            self._done(context)

    async def on_home_opened(
        self, body: dict[str, Any], event: dict[str, Any], context: Any
    ) -> None:
        try:
            if event.get("tab", "home") != "home" or not event.get("user"):
                return
            actor = await self.members.actor(str(body.get("team_id") or ""), event["user"])
            message = await self.kata.home(actor)
            await self.port.client.views_publish(user_id=event["user"], view=render_home(message))
        except Exception:
            log.exception("could not refresh the App Home for %s", event.get("user"))
        finally:
            self._done(context)

    # ------------------------------------------------------------------ commands and buttons

    async def on_command(self, ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
        try:
            await ack()
            team_id = str(body.get("team_id") or "")
            channel = channel_ref(team_id, str(body.get("channel_id") or ""))
            actor = await self.members.actor(team_id, body["user_id"], body.get("user_name"))
            command = CommandInvoked(
                channel=channel,
                actor=actor,
                text=str(body.get("text") or "").strip(),
                request_id=body.get("trigger_id"),
            )
            outcome = await self._handle(command) or Outcome(replies=[Reply(SORRY)])
            await self._deliver(outcome, body, channel, actor, None)
        finally:
            self._done(context)

    async def on_button(self, ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
        try:
            await ack()
            action = (body.get("actions") or [{}])[0]
            name = action_of(str(action.get("action_id") or ""))
            channel_id = (body.get("channel") or {}).get("id")
            team_id = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
            user = body.get("user") or {}
            if not name or not channel_id or not user.get("id"):
                return
            channel = channel_ref(team_id, channel_id)
            actor = await self.members.actor(team_id, user["id"], user.get("name"))
            thread = action_thread(channel, body)
            pressed = ButtonPressed(
                channel=channel,
                actor=actor,
                action=name,
                value=str(action.get("value") or ""),
                thread=thread,
            )
            outcome = await self._handle(pressed) or Outcome(replies=[Reply(SORRY)])
            await self._deliver(outcome, body, channel, actor, thread.thread_id if thread else None)
        finally:
            self._done(context)

    async def on_form_submit(self, ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
        acked = False
        try:
            view = body.get("view") or {}
            origin = form_origin(view)
            user = body.get("user") or {}
            team_id = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
            actor = await self.members.actor(team_id, user["id"], user.get("name"))
            submitted = FormSubmitted(
                actor=actor,
                form_id=origin.form_id,
                context=origin.context,
                values=submitted_values(view),
            )
            work = asyncio.ensure_future(self._handle(submitted))
            try:
                outcome = await asyncio.wait_for(asyncio.shield(work), FORM_ACK_BUDGET)
            except TimeoutError:
                await ack()
                acked = True
                outcome = await work
            outcome = outcome or Outcome(replies=[Reply(SORRY)])
            if outcome.form_errors and not acked:
                await ack(response_action="errors", errors=self._inline_errors(view, outcome))
                acked = True
                return
            if not acked:
                await ack()
                acked = True
            await self._after_form(outcome, origin, actor)
        except Exception:
            log.exception("failed to handle a form submit")
        finally:
            if not acked:
                await ack()
            self._done(context)

    @staticmethod
    def _inline_errors(view: dict[str, Any], outcome: Outcome) -> dict[str, str]:
        """Map the core's field errors onto the modal's block ids (unknown keys: first block)."""
        block_ids = [b.get("block_id") for b in view.get("blocks") or [] if b.get("block_id")]
        errors: dict[str, str] = {}
        for key, message in outcome.form_errors.items():
            target = key if key in block_ids else (block_ids[0] if block_ids else key)
            errors[target] = clip(
                f"{errors[target]} {message}" if target in errors else message, 150
            )
        return errors

    async def _after_form(self, outcome: Outcome, origin: FormOrigin, actor: Actor) -> None:
        replies = outcome.replies or [Reply(text_message(m)) for m in outcome.form_errors.values()]
        for reply in replies:
            if origin.channel_id:
                channel = channel_ref(actor.user.workspace_id, origin.channel_id)
                await self._reply_in_channel(channel, actor.user.user_id, origin.thread_ts, reply)
            else:
                await self.port.send_private(actor.user, reply.message)

    # ------------------------------------------------------------------ replies

    async def _deliver(
        self,
        outcome: Outcome,
        body: dict[str, Any],
        channel: ChannelRef,
        actor: Actor,
        thread_ts: str | None,
    ) -> None:
        """Send an Outcome for a command or button: form first (the trigger expires), then
        replies through the response_url, falling back to the Web API."""
        if outcome.form is not None:
            origin = FormOrigin(
                outcome.form.form_id, outcome.form.context, channel.channel_id, thread_ts
            )
            try:
                view = render_form(outcome.form, origin)
                await self.port.client.views_open(trigger_id=body.get("trigger_id"), view=view)
            except (SlackApiError, ValueError) as error:
                log.warning("could not open the %s form: %s", outcome.form.form_id, error)
                note = "That form could not open in time; please press the button again."
                outcome.replies.insert(0, Reply(text_message(note)))
        for reply in outcome.replies:
            if not await self._respond(body.get("response_url"), reply):
                await self._reply_in_channel(channel, actor.user.user_id, thread_ts, reply)
            if reply.message.attachments:
                await self.port.send_direct(actor.user, _files_only(reply.message))

    async def _respond(self, response_url: str | None, reply: Reply) -> bool:
        """Answer through Slack's response_url; False when there is none or it failed."""
        if not response_url:
            return False
        client = AsyncWebhookClient(url=response_url, retry_handlers=retry_handlers())
        ok = True
        for page in render_message(reply.message):
            result = await client.send(
                text=page["text"],
                blocks=page.get("blocks"),
                response_type="ephemeral" if reply.private else "in_channel",
                replace_original=False,
            )
            ok = ok and result.status_code == 200
        return ok

    async def _reply_in_channel(
        self, channel: ChannelRef, user_id: str | None, thread_ts: str | None, reply: Reply
    ) -> None:
        message = reply.message
        if reply.private and user_id:
            actor_ref = (await self.members.actor(channel.workspace_id, user_id)).user
            await self.port.send_private(actor_ref, message, channel, thread_ts)
        elif thread_ts:
            await self.port.post_in_thread(ThreadRef(channel, thread_ts), message)
        else:
            await self.port.post_in_channel(channel, message)

    async def _react(self, message: MessageRef, emoji: str) -> None:
        try:
            await self.port.react(message, emoji)
        except Exception as error:
            log.warning("could not react to %s: %s", message.message_id, error)


def _files_only(message: OutgoingMessage) -> OutgoingMessage:
    """A DM that carries a reply's files, since ephemeral messages cannot hold files."""
    note = text_message("Here are the files you asked for.")
    return OutgoingMessage(sections=note.sections, attachments=message.attachments)
