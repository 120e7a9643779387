"""`Kata`: the one entry point for everything inbound, and the owner of timers and ports.

Adapters call `handle(event)` for every message, command, button and form, and deliver the
`Outcome` it returns. Scheduled work arrives through the job queue as plain action names.
Nothing here raises into an adapter: bad input becomes a friendly reply, and an unexpected
error becomes a short apology plus a log line with the traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import (
    answers,
    feedback,
    replays,
    stats,
    votes,
)
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
from bot.job_table import JOBS
from bot.jobs import JobQueue
from bot.port import ChatPort
from bot.prompt_bank import workspace_prompts
from bot.rounds import startup
from bot.unit import Unit, open_unit

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
    ) -> None:
        self.sessions = sessions
        self.content = content
        self.clock = clock
        self.jobs = jobs
        self.commands = COMMANDS
        self.rubric = content.framework.rubric
        self._ports: dict[str, ChatPort] = {}
        jobs.bind(self._run_job)

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

    async def start(self) -> None:
        """Rebuild timers from the database and post rounds missed while the bot was down."""
        self.jobs.start()
        await startup.rebuild(self)

    async def close(self) -> None:
        self.jobs.shutdown()

    async def _run_job(self, action: str, kwargs: dict[str, Any]) -> None:
        callback = JOBS.get(action)
        if callback is None:
            log.error("unknown job action %r", action)
            return
        try:
            await callback(self, kwargs)
        except Exception:
            log.exception("job %s %s failed", action, kwargs)

    # ------------------------------------------------------------ inbound

    async def handle(self, event: InboundEvent) -> Outcome:
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
        if isinstance(event, MessagePosted):
            return await answers.on_posted(unit, event)
        if isinstance(event, MessageEdited):
            return await answers.on_edited(unit, event)
        if isinstance(event, MessageDeleted):
            return await answers.on_deleted(unit, event)
        if isinstance(event, ButtonPressed):
            return await self._button(unit, event)
        if isinstance(event, FormSubmitted):
            return await self._form(unit, event)
        return Outcome()

    async def _command(self, unit: Unit, cmd: CommandInvoked) -> Outcome:
        """Parse and look up, then the registry checks access, runs the handler and posts the
        reply publicly or privately as the command declares."""
        return await dispatch.run(unit, Invocation(cmd, parse(cmd.text)))

    async def _button(self, unit: Unit, event: ButtonPressed) -> Outcome:
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
        if event.form_id == votes.FORM_ID and event.context.isdigit():
            return await votes.submit(unit, int(event.context), event.values)
        if event.form_id != feedback.FORM_ID or not event.context.isdigit():
            return Outcome(form_errors={"form": "This form is out of date; open it again."})
        return await feedback.submit(unit, int(event.context), event.values)

    # ------------------------------------------------------------ queries for adapters

    async def home(self, actor: Actor) -> OutgoingMessage:
        try:
            async with open_unit(self, actor=actor) as unit:
                return await stats.home_message(unit)
        except Exception:
            log.exception("building home for %s failed", actor.user)
            return text_message(SORRY)

    async def open_thread(self, channel: ChannelRef) -> ThreadRef | None:
        """Where a reply goes on a platform without threads of its own (the console)."""
        async with open_unit(self, channel) as unit:
            return await answers.open_thread(unit)

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
    if isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
        return event.message.channel
    return None


def _actor_of(event: InboundEvent) -> Actor | None:
    return None if isinstance(event, MessageDeleted) else event.actor


def _reply(message: OutgoingMessage, private: bool = True) -> Outcome:
    return Outcome(replies=[Reply(message, private)])
