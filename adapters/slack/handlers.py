"""Bolt listeners: Slack requests in, the core's `Core.handle` in the middle, replies out.

Every listener acknowledges first and works after, because Slack gives a request three
seconds. The one exception is a modal submit, whose errors can only be shown inline in the
ack: the core gets up to `FORM_ACK_BUDGET` seconds there before the modal is closed anyway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from adapters.slack.blocks import action_of
from adapters.slack.directory import MemberDirectory
from adapters.slack.inbound import (
    MessageChange,
    action_thread,
    channel_ref,
    read_message_event,
)
from adapters.slack.pacing import DeliveryLog, InFlight
from adapters.slack.posting import SlackPort
from adapters.slack.reaction_votes import REACTION_EVENTS, on_reaction
from adapters.slack.replies import ReplyRouter, user_ref
from adapters.slack.setup_form import LIVE_FIELDS, with_hint
from adapters.slack.views import (
    FORM_CALLBACK_PREFIX,
    form_origin,
    inline_errors,
    render_home,
    submitted_values,
)
from adapters.ticks import ReactionSender, TickBudget
from bot.chat import (
    SCHEDULE_CONTROLS,
    SCHEDULE_FORM_ID,
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    InboundEvent,
    Outcome,
    Reply,
    text_message,
)
from bot.port import Core

log = logging.getLogger(__name__)

COMMAND = "/kata"
MESSAGE_EVENTS = ("message.channels", "message.groups")
"""The manifest's message subscriptions; bolt sees them all as the `message` event."""
HANDLED_EVENTS = ("message", "app_home_opened", *REACTION_EVENTS)
FORM_ACK_BUDGET = 2.5
ANSWER_ROOM_WAIT = 2.0
"""How long a thread message waits for room in the core's answer queue before it is
acknowledged anyway (Slack wants an answer within 3 s); the core reads it back later."""
TICKS_PER_MINUTE, TICK_BURST = 50.0, 50
"""Slack's rate for `reactions.add`: 50+ calls a minute per workspace, bursts allowed."""
SORRY = text_message("Something went wrong on our side; please try again in a minute.")


class SlackInbound:
    """Owns the listeners; `kata` is the core, `port` the adapter's outbound half."""

    def __init__(
        self,
        kata: Core,
        port: SlackPort,
        members: MemberDirectory,
        inflight: InFlight,
        signing_secret: str | None = None,
    ) -> None:
        self.kata = kata
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        """HTTP mode checks message events' signatures itself (see `dispatch`); Socket Mode
        needs no check."""
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = port
        self.members = members
        self.inflight = inflight
        self.deliveries = DeliveryLog()
        self.replies = ReplyRouter(port)
        self.reactions = ReactionSender(
            port, inflight, budget=TickBudget(TICKS_PER_MINUTE, TICK_BURST)
        )
        self.form_ack_budget = FORM_ACK_BUDGET
        self.answer_room_wait = ANSWER_ROOM_WAIT

    def register(self, app: AsyncApp) -> None:
        """Attach the listeners to a bolt app (dispatching through `dispatch`)."""
        claim = [self._claim]
        app.event("message", middleware=claim)(self.on_message)
        app.event("app_home_opened", middleware=claim)(self.on_home_opened)
        for name in REACTION_EVENTS:
            app.event(name, middleware=claim)(self.on_reaction)
        app.command(COMMAND, middleware=claim)(self.on_command)
        app.action(re.compile(r"^kata_"), middleware=claim)(self.on_button)
        live = re.compile(f"^({'|'.join(LIVE_FIELDS)})$")
        app.action(live, middleware=claim)(self.on_filter_change)
        view_ids = re.compile(f"^{re.escape(FORM_CALLBACK_PREFIX)}")
        app.view(view_ids, middleware=claim)(self.on_form_submit)

    async def dispatch(self, app: AsyncApp, request: AsyncBoltRequest) -> BoltResponse:
        """Answer Slack, counting the request as in flight until its listener ends.

        Thread messages, the one kind that comes in bursts, take a short path: the same
        signature check bolt makes, then the ack, with the message handed to `on_message`
        in a task; bolt's middleware and listener matching would cost more than the answer
        itself (issue 9 measures it). Everything else goes through bolt's dispatch, which
        answers Slack as soon as a listener acks. The in-flight count lets `close()` and
        tests wait for the tail; a request nothing claims (unhandled, or refused by the
        signature check) is uncounted right away.
        """
        self.inflight.begin()
        request.context["kata_inflight"] = True
        try:
            if _is_message_event(request.body):
                return await self._take_message(request)
            response = await AsyncApp.async_dispatch(app, request)
        finally:
            if not request.context.get("kata_claimed"):
                self._done(request.context)
        return response

    async def take_http(self, raw: str, timestamp: str, signature: str) -> BoltResponse | None:
        """The short path one step earlier, for HTTP mode: a thread message is recognised in
        the raw body, so the burst never builds a bolt request at all; None hands anything
        else to bolt."""
        if '"event_callback"' not in raw or '"message"' not in raw:
            return None
        try:
            body = json.loads(raw)
        except ValueError:
            return None
        if not _is_message_event(body):
            return None
        self.inflight.begin()
        context: dict[str, Any] = {"kata_inflight": True}
        try:
            return await self._take(raw, body, timestamp, signature, context)
        finally:
            if not context.get("kata_claimed"):
                self._done(context)

    async def _take_message(self, request: AsyncBoltRequest) -> BoltResponse:
        return await self._take(
            request.raw_body,
            request.body,
            request.headers.get("x-slack-request-timestamp", ["0"])[0],
            request.headers.get("x-slack-signature", [""])[0],
            request.context,
        )

    async def _take(
        self,
        raw: str,
        body: dict[str, Any],
        timestamp: str,
        signature: str,
        context: Any,
    ) -> BoltResponse:
        if self._verifier is not None and not self._verifier.is_valid(raw, timestamp, signature):
            return BoltResponse(status=401, body='{"error":"invalid request"}')
        if self._record_now(body, context):
            return BoltResponse(status=200, body="")
        if not await self.kata.answer_room(self.answer_room_wait):
            log.warning("answer queue full: acknowledged an event to be read back later")
            return BoltResponse(status=200, body="")
        context["kata_claimed"] = True
        self._spawn(self.on_message(body, body["event"], context))
        return BoltResponse(status=200, body="")

    def _record_now(self, body: dict[str, Any], context: Any) -> bool:
        """`on_message` for the common case, without a task: a thread message (or its edit
        or deletion) by a member already in the directory, with room in the core's queue.
        The ✅ and any note follow when its batch is written. False, with nothing done, for
        anything else, which then takes `on_message`'s way."""
        change = read_message_event(str(body.get("team_id") or ""), body["event"])
        if change is None or change.thread is None:
            return False
        actor = None
        if change.kind != "deleted":
            actor = self.members.known(change.channel.workspace_id, change.user_id or "")
            if actor is None:
                return False
        event_id = body.get("event_id")
        if not self.deliveries.claim(event_id):
            return False
        try:
            recorded = self.kata.record(change.to_event(actor))
        except Exception:
            recorded = None
        if recorded is None:
            self.deliveries.release(event_id)
            return False
        context["kata_claimed"] = True
        recorded.add_done_callback(lambda done: self._recorded(change, context, done))
        return True

    def _recorded(self, change: MessageChange, context: Any, done: asyncio.Future[Outcome]) -> None:
        """A message taken by `_record_now` is written: add its ✅ and send its notes. A
        cancelled one was not written before the core stopped; the thread is read back
        at the next start."""
        if done.cancelled():
            self._done(context)
            return
        outcome = done.result()
        if outcome.react:
            self.reactions.add(change.ref(), outcome.react)
        if not outcome.replies:
            self._done(context)
            return
        self._spawn(self._send_replies_then_done(change, outcome.replies, context))

    async def _send_replies(self, change: MessageChange, replies: list[Reply]) -> None:
        """The core's notes about a thread message, to its author or into its thread."""
        author = user_ref(change.channel.workspace_id, change.user_id or "")
        for reply in replies:
            await self.replies.to_channel(change.channel, author, change.thread_id, reply)

    async def _send_replies_then_done(
        self, change: MessageChange, replies: list[Reply], context: Any
    ) -> None:
        try:
            await self._send_replies(change, replies)
        except Exception:
            log.exception("could not answer a message in %s", change.channel.channel_id)
        finally:
            self._done(context)

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
        try:
            handled = await self._record_message(body, event)
            if handled is None:
                return
            change, outcome = handled
            if outcome.react:
                self.reactions.add(change.ref(), outcome.react)
            await self._send_replies(change, outcome.replies)
        except Exception:
            log.exception("could not answer message event %s", body.get("event_id"))
        finally:
            self._done(context)

    async def _record_message(
        self, body: dict[str, Any], event: dict[str, Any]
    ) -> tuple[MessageChange, Outcome] | None:
        """Hand a thread message (or its edit or deletion) to the core, once per event id."""
        event_id = body.get("event_id")
        if not self.deliveries.claim(event_id):
            log.info("event %s delivered again; already handled", event_id)
            return None
        try:
            change = read_message_event(str(body.get("team_id") or ""), event)
            if change is None or change.thread is None:
                return None
            actor = None
            if change.kind != "deleted" and change.user_id:
                actor = await self.members.actor(change.channel.workspace_id, change.user_id)
            return change, await self.kata.handle(change.to_event(actor))
        except Exception:
            self.deliveries.release(event_id)  # not recorded: let Slack's retry try again
            raise

    async def on_reaction(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        await on_reaction(self, body, event, context)

    async def on_home_opened(
        self, body: dict[str, Any], event: dict[str, Any], context: Any
    ) -> None:
        try:
            if event.get("tab", "home") != "home" or not event.get("user"):
                return
            await self._publish_home(str(body.get("team_id") or ""), event["user"])
        except Exception:
            log.exception("could not refresh the App Home for %s", event.get("user"))
        finally:
            self._done(context)

    async def _publish_home(self, team_id: str, user_id: str) -> None:
        actor = await self.members.actor(team_id, user_id)
        message = await self.kata.home(actor)
        await self.port.client.views_publish(user_id=user_id, view=render_home(message))

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
                channel_name=_visible_name(body.get("channel_name")),
            )
            outcome = await self._handle(command) or Outcome(replies=[Reply(SORRY)])
            await self.replies.deliver(outcome, body, channel, actor.user, None)
        except Exception:
            log.exception("failed to handle /kata %s", body.get("text"))
            await self.replies.respond(body.get("response_url"), Reply(SORRY))
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
            from_home = (body.get("container") or {}).get("type") == "view"
            if from_home and name in SCHEDULE_CONTROLS:  # the App Home names no channel
                channel_id = str(action.get("value") or "") or None
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
                request_id=body.get("trigger_id"),
            )
            outcome = await self._handle(pressed) or Outcome(replies=[Reply(SORRY)])
            thread_ts = thread.thread_id if thread else None
            await self.replies.deliver(outcome, body, channel, actor.user, thread_ts)
            if from_home:
                await self._publish_home(team_id, user["id"])
        except Exception:
            log.exception("failed to handle a button press")
            await self.replies.respond(body.get("response_url"), Reply(SORRY))
        finally:
            self._done(context)

    async def on_filter_change(self, ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
        """A filter in the open set-up form changed: say how many prompts it leaves."""
        try:
            await ack()
            view = body.get("view") or {}
            origin = form_origin(view)
            team_id = str((body.get("team") or {}).get("id") or "")
            if origin.form_id != SCHEDULE_FORM_ID or not origin.channel_id or not view.get("id"):
                return
            values = submitted_values(view)
            hint = await self.kata.filter_hint(
                channel_ref(team_id, origin.channel_id),
                values.get("tags", ""),
                values.get("difficulty", ""),
            )
            await self.port.client.views_update(
                view_id=view["id"], hash=view.get("hash"), view=with_hint(view, hint)
            )
        except Exception:
            log.exception("could not update the set-up form's prompt count")
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
                outcome = await asyncio.wait_for(asyncio.shield(work), self.form_ack_budget)
            except TimeoutError:
                await ack()
                acked = True
                outcome = await work
            outcome = outcome or Outcome(replies=[Reply(SORRY)])
            if outcome.form_errors and not acked:
                await ack(response_action="errors", errors=inline_errors(view, outcome.form_errors))
                acked = True
                return
            if not acked:
                await ack()
                acked = True
            await self.replies.after_form(outcome, origin, actor.user)
            if origin.form_id == SCHEDULE_FORM_ID:  # the App Home shows the schedule
                await self._publish_home(team_id, user["id"])
        except Exception:
            log.exception("failed to handle a form submit")
        finally:
            if not acked:
                await ack()
            self._done(context)


def _is_message_event(body: object) -> bool:
    """A signed `message` event, the kind that may carry an answer."""
    if not isinstance(body, dict) or body.get("type") != "event_callback":
        return False
    event = body.get("event")
    return isinstance(event, dict) and event.get("type") == "message"


def _visible_name(name: object) -> str | None:
    """Slack sends placeholders instead of names for DMs and some private channels."""
    if not isinstance(name, str) or name in ("", "directmessage", "privategroup", "mpdm"):
        return None
    return name
