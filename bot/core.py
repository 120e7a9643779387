"""`Kata`: the one entry point for everything inbound, and the owner of timers and ports.

Adapters call `handle(event)` for every message, command, button and form, and deliver the
`Outcome` it returns. Scheduled work arrives through the job queue as plain action names.
Nothing here raises into an adapter: bad input becomes a friendly reply, and an unexpected
error becomes a short apology plus a log line with the traceback.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import (
    answers,
    feedback,
    reconcile,
    replays,
    schedule_form,
    stats,
    votes,
)
from bot.answer_writer import AnswerWriter, ThreadEvent, clean_thread_event
from bot.chat import (
    Actor,
    ButtonPressed,
    ChannelRef,
    CommandInvoked,
    FormSubmitted,
    InboundEvent,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Outcome,
    OutgoingMessage,
    ReactionChanged,
    Reply,
    ThreadRef,
    text_message,
)
from bot.clock import Clock
from bot.commands import CommandError, Invocation, dispatch, usage_message
from bot.commands.catalogue import COMMANDS, lookup, parse
from bot.content import Content
from bot.echo import clip
from bot.inbound_text import clean_event
from bot.jobs import Action, JobQueue
from bot.port import ChatPort
from bot.prompt_bank import workspace_prompts
from bot.rounds import startup
from bot.unit import Unit, open_unit
from bot.web_links import LinkSigner
from bot.worker import Worker

log = logging.getLogger(__name__)

SORRY = "Something went wrong on my side and nothing was changed. Please try again in a minute."
ALREADY_DONE = "That request arrived twice; I carried it out the first time only."
MAX_ERROR_CHARS = 600
"""Errors are our own short sentences; this cap only bites if one quotes too much input."""


class Kata:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        content: Content,
        clock: Clock,
        jobs: JobQueue,
        *,
        eager: bool = False,
        concurrency: int = 8,
        poll: timedelta | None = None,
        worker_name: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.content = content
        self.clock = clock
        self.jobs = jobs
        self.worker = Worker(
            self, name=worker_name, concurrency=concurrency, poll=poll, eager=eager
        )
        self.commands = COMMANDS
        self.rubric = content.framework.rubric
        self._ports: dict[str, ChatPort] = {}
        self.web_links: LinkSigner | None = None
        """Set by the web page's routes when they are mounted (`adapters.web.add_routes`);
        until then `/kata web` says the page is off."""
        jobs.bind(self._run_job)
        self.answers = AnswerWriter(self)
        self.reconciler = reconcile.Reconciler(self, self.answers)

    # ------------------------------------------------------------ lifecycle

    def attach(self, port: ChatPort) -> None:
        self._ports[port.platform] = port

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(self._ports)

    def port_for(self, platform: str) -> ChatPort:
        try:
            return self._ports[platform]
        except KeyError:
            raise LookupError(f"no adapter attached for platform {platform!r}") from None

    async def start(self, *, work: bool = True) -> None:
        """Make sure every scheduled channel has its next round planned, then (unless this
        process only listens) wake the worker: rounds missed while the bot was down are due.
        Open rounds' threads are read back for answers that arrived while it was down."""
        await startup.plan_missing(self)
        if work:
            self.jobs.start()
            self.worker.poke()
        else:
            self.worker.claiming = False
        self.reconciler.start()

    async def close(self, grace: float = 8.0) -> None:
        """Stop claiming work and hand back what this process holds (within `grace` s)."""
        await self.worker.stop(grace)
        self.jobs.shutdown()
        await self.reconciler.stop()
        await self.answers.close()

    async def settle(self) -> None:
        await self.worker.settle()

    async def _run_job(self, action: str, kwargs: dict[str, Any]) -> None:
        if action != Action.WAKE:
            log.error("unknown job action %r", action)
            return
        try:
            await self.worker.wake()
        except Exception:
            log.exception("the worker's drain failed; it runs again at the next wake")
            if self.worker.claiming:
                self.jobs.run_at("wake", self.clock.now() + timedelta(seconds=30), Action.WAKE)

    # ------------------------------------------------------------ inbound

    async def handle(self, event: InboundEvent) -> Outcome:
        if isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
            try:
                return await self.answers.submit(clean_thread_event(event))
            except Exception:
                log.exception("handling %s failed", type(event).__name__)
                return Outcome(replies=[Reply(text_message(SORRY))])
        event = clean_event(event)
        request = _request_of(event)
        try:
            if request is not None and not await replays.claim(
                self.sessions, *request, self.clock.now()
            ):
                return _reply(text_message(ALREADY_DONE))
            async with open_unit(self, _channel_of(event), _actor_of(event)) as unit:
                return await self._dispatch(unit, event)
        except CommandError as exc:
            spec = exc.spec or (lookup(exc.usage_of) if exc.usage_of else None)
            message = usage_message(clip(str(exc), MAX_ERROR_CHARS), spec)
            return Outcome(replies=[Reply(message)])
        except Exception:
            log.exception("handling %s failed", type(event).__name__)
            if request is not None:
                await self._release(request)
            return Outcome(replies=[Reply(text_message(SORRY))])

    async def _release(self, request: tuple[str, str]) -> None:
        try:
            await replays.release(self.sessions, *request)
        except Exception:
            log.warning("could not release request %s for a retry", request, exc_info=True)

    async def _dispatch(self, unit: Unit, event: InboundEvent) -> Outcome:
        if isinstance(event, CommandInvoked):
            return await self._command(unit, event)
        if isinstance(event, ButtonPressed):
            return await self._button(unit, event)
        if isinstance(event, FormSubmitted):
            return await self._form(unit, event)
        if isinstance(event, ReactionChanged):
            return await votes.reaction(unit, event)
        return Outcome()

    async def _command(self, unit: Unit, cmd: CommandInvoked) -> Outcome:
        """Parse and look up, then the registry checks access, runs the handler and posts the
        reply publicly or privately as the command declares."""
        return await dispatch.run(unit, Invocation(cmd, parse(cmd.text)))

    async def _button(self, unit: Unit, event: ButtonPressed) -> Outcome:
        if schedule_form.is_control(event.action):
            return await schedule_form.press(unit, self.commands, event)
        try:
            round_id = int(event.value)
        except ValueError:
            return _reply(text_message("That button is out of date."))
        if event.action == "next":
            pressed = CommandInvoked(event.channel, event.actor, "next", event.thread)
            return await dispatch.run(unit, Invocation(pressed, parse("next"), round_id))
        if event.action == "feedback":
            return await feedback.open_form(unit, round_id)
        if event.action == "stats":
            return _reply(await stats.stats_message(unit))
        if event.action == "vote":
            return await votes.open_form(unit, round_id)
        return _reply(text_message("That button is not one I know."))

    async def _form(self, unit: Unit, event: FormSubmitted) -> Outcome:
        if event.form_id == schedule_form.FORM_ID and event.context:
            return await schedule_form.submit(unit, self.commands, event.values)
        if event.form_id == votes.FORM_ID and event.context.isdigit():
            return await votes.submit(unit, int(event.context), event.values)
        if event.form_id != feedback.FORM_ID or not event.context.isdigit():
            return Outcome(form_errors={"form": "This form is out of date; open it again."})
        return await feedback.submit(unit, int(event.context), event.values)

    def record(self, event: ThreadEvent) -> asyncio.Future[Outcome] | None:
        """`handle` for a thread message, queued without a task of its own; None when the
        answer queue is full (then `handle` waits for room)."""
        return self.answers.offer(clean_thread_event(event))

    async def answer_room(self, limit_seconds: float) -> bool:
        """Wait (at most `limit_seconds`) until the answer queue takes more."""
        if await self.answers.room(limit_seconds):
            return True
        self.reconciler.soon()
        return False

    async def reconcile(self) -> int:
        """Read every open round's thread back from its platform and record what is missing
        (one pass; the reconciler also runs this at start and every few minutes)."""
        return await self.reconciler.run_once()

    # ------------------------------------------------------------ queries for adapters

    async def home(self, actor: Actor) -> OutgoingMessage:
        try:
            async with open_unit(self, actor=actor) as unit:
                return await schedule_form.with_panel(unit, await stats.home_message(unit))
        except Exception:
            log.exception("building home for %s failed", actor.user)
            return text_message(SORRY)

    async def open_thread(self, channel: ChannelRef) -> ThreadRef | None:
        """Where a reply goes on a platform without threads of its own (the console)."""
        async with open_unit(self, channel) as unit:
            return await answers.open_thread(unit)

    async def filter_hint(self, channel: ChannelRef, tags: str, levels: str) -> str:
        async with open_unit(self, channel) as unit:
            return await schedule_form.live_hint(unit, tags, levels)

    async def known_tags(self, channel: ChannelRef) -> list[str]:
        async with open_unit(self, channel) as unit:
            ws_id = await unit.find_workspace_id()
            views = await workspace_prompts(unit.session, self.content, ws_id)
        return sorted({t for v in views for t in v.tags})


def _request_of(event: InboundEvent) -> tuple[str, str] | None:
    """(platform, request id) of a command or button press that carries one."""
    if isinstance(event, CommandInvoked | ButtonPressed) and event.request_id:
        return event.channel.platform, event.request_id
    return None


def _channel_of(event: InboundEvent) -> ChannelRef | None:
    if isinstance(event, CommandInvoked | ButtonPressed):
        return event.channel
    if isinstance(event, MessagePosted | MessageEdited | MessageDeleted | ReactionChanged):
        return event.message.channel
    if isinstance(event, FormSubmitted) and event.form_id == schedule_form.FORM_ID:
        return schedule_form.channel_of(event) if event.context else None
    return None


def _actor_of(event: InboundEvent) -> Actor | None:
    return None if isinstance(event, MessageDeleted) else event.actor


def _reply(message: OutgoingMessage, private: bool = True) -> Outcome:
    return Outcome(replies=[Reply(message, private)])
