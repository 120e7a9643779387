"""`Kata`: the one entry point for everything inbound, and the owner of timers and ports.

Adapters call `handle(event)` for every message, command, button and form, and deliver the
`Outcome` it returns. Scheduled work arrives through the job queue as plain action names.
Nothing here raises into an adapter: bad input becomes a friendly reply, and an unexpected
error becomes a short apology plus a log line with the traceback.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import (
    answers,
    channel_settings,
    feedback,
    privacy,
    prompt_commands,
    render,
    replays,
    stats,
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
from bot.commands import BY_NAME, CommandError, Parsed, help_message, parse, usage_message
from bot.content import Content
from bot.directory import channel_for, member_for, workspace_for
from bot.echo import clip, echo
from bot.inbound_text import clean_event
from bot.job_table import JOBS
from bot.jobs import JobQueue
from bot.kinds import AnswerSource, Pacing
from bot.models import Round
from bot.port import ChatPort
from bot.prompt_bank import workspace_prompts
from bot.rounds import lifecycle, startup
from bot.rounds.queries import schedule_of

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
            return await self._dispatch(event)
        except CommandError as exc:
            message = usage_message(clip(str(exc), MAX_ERROR_CHARS), exc.spec)
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

    async def _dispatch(self, event: InboundEvent) -> Outcome:
        if isinstance(event, CommandInvoked):
            return await self._command(event)
        if isinstance(event, MessagePosted):
            return await answers.on_posted(self, event)
        if isinstance(event, MessageEdited):
            return await answers.on_edited(self, event)
        if isinstance(event, MessageDeleted):
            return await answers.on_deleted(self, event)
        if isinstance(event, ButtonPressed):
            return await self._button(event)
        if isinstance(event, FormSubmitted):
            return await self._form(event)
        return Outcome()

    async def _command(self, cmd: CommandInvoked) -> Outcome:
        parsed = parse(cmd.text)
        name = parsed.spec.name
        if name == "help":
            notes = {"answer": render.stage_names(self.content.framework)}
            return _reply(help_message(parsed.rest or None, notes))
        if name in channel_settings.SETTINGS:
            return _reply(await channel_settings.manage(self, cmd, parsed), private=False)
        if name == "schedule":
            return _reply(await channel_settings.show(self, cmd))
        if name == "now":
            return await self._now(cmd, parsed)
        if name == "next":
            rnd = await self._round_for(cmd.channel, cmd.thread)
            return await self._next(rnd, cmd.channel, cmd.actor)
        if name == "answer":
            return await self._answer(cmd, parsed)
        if name == "feedback":
            return await self._feedback_command(cmd, parsed)
        if name == "leaderboard":
            board = await stats.leaderboard_message(self, cmd.channel, parsed)
            return _reply(board, private=not stats.shared(parsed))
        if name == "stats":
            return _reply(await stats.stats_message(self, cmd.channel, cmd.actor))
        if name == "streak":
            return _reply(await stats.streak_message(self, cmd.channel, cmd.actor))
        if name == "prompts":
            return _reply(await self._prompts(cmd, parsed))
        if name in ("optout", "optin"):
            return _reply(await privacy.set_opt_out(self, cmd.channel, cmd.actor, name == "optout"))
        if name == "forgetme":
            return _reply(await privacy.forget(self, cmd.channel, cmd.actor, parsed))
        if name == "export":
            admin = await self._may_manage(cmd.channel, cmd.actor)
            return _reply(await privacy.export(self, cmd.channel, cmd.actor, parsed, admin))
        raise CommandError(f"{echo(name)} is not available yet.", parsed.spec)

    async def _button(self, event: ButtonPressed) -> Outcome:
        try:
            round_id = int(event.value)
        except ValueError:
            return _reply(text_message("That button is out of date."))
        if event.action == "next":
            async with self.sessions.begin() as session:
                rnd = await self._own_round(session, event.actor, round_id)
            return await self._next(rnd, event.channel, event.actor)
        if event.action == "feedback":
            return await feedback.open_form(self, event.actor, round_id)
        if event.action == "stats":
            return _reply(await stats.stats_message(self, event.channel, event.actor))
        return _reply(text_message("That button is not one I know."))

    async def _form(self, event: FormSubmitted) -> Outcome:
        if event.form_id != feedback.FORM_ID or not event.context.isdigit():
            return Outcome(form_errors={"form": "This form is out of date; open it again."})
        return await feedback.submit(self, event.actor, int(event.context), event.values)

    # ------------------------------------------------------------ round commands

    async def _may_manage(self, channel_ref: ChannelRef, actor: Actor) -> bool:
        async with self.sessions.begin() as session:
            now = self.clock.now()
            channel = await channel_for(session, channel_ref, now)
            assert channel is not None
            member = await member_for(session, channel.workspace_id, actor, now)
            return channel_settings.may_manage(channel, member, actor.is_admin) and (
                channel.configured or actor.is_admin
            )

    async def _now(self, cmd: CommandInvoked, parsed: Parsed) -> Outcome:
        async with self.sessions.begin() as session:
            channel = await channel_for(session, cmd.channel, self.clock.now())
            assert channel is not None
            configured, channel_id = channel.configured, channel.id
            today = schedule_of(channel).local_date(self.clock.now())
        if not configured:
            raise CommandError("Set up this channel first.", BY_NAME["setup"])
        if not await self._may_manage(cmd.channel, cmd.actor):
            raise CommandError("Only admins and the member who ran setup can start a round.")
        result = await lifecycle.start_round(self, channel_id, today, scheduled=False)
        if result.status == "exists" and await self._wrapped_up(result.round_id):
            return _reply(text_message(await self._done_today(cmd.channel)))
        texts = {
            "posted": "Today's round is posted. Answer in its thread!",
            "exists": "Today's round is already running: answer in its thread, or /kata next.",
            "no-prompts": "No prompt matches this channel's filters. Try /kata filter clear.",
            "unavailable": f"I can't post in this channel ({result.detail}). Schedule paused.",
            "failed": "Posting the round failed; I will try again shortly.",
        }
        return _reply(text_message(texts.get(result.status, result.status)))

    async def _wrapped_up(self, round_id: int | None) -> bool:
        if round_id is None:
            return False
        async with self.sessions.begin() as session:
            rnd = await session.get(Round, round_id)
            return rnd is not None and rnd.wrapped_up_at is not None

    async def _done_today(self, channel_ref: ChannelRef) -> str:
        async with self.sessions.begin() as session:
            channel = await channel_for(session, channel_ref, self.clock.now())
            assert channel is not None
            schedule = schedule_of(channel)
            now = self.clock.now()
            slot = None if channel.paused else schedule.next_slot(now)
            if slot is not None and slot[0] == schedule.local_date(now):
                slot = schedule.next_slot(slot[1])  # today's slot finds today's round taken
        if slot is None:
            return "Today's round is done, and no round is scheduled yet (/kata schedule)."
        return (
            "Today's round is done; the next one comes on "
            f"{slot[1].astimezone(schedule.zone):%a %d %b at %H:%M}."
        )

    async def _round_for(self, channel_ref: ChannelRef, thread: ThreadRef | None) -> Round | None:
        """The round a command refers to: the thread's round, else the channel's latest."""
        async with self.sessions.begin() as session:
            channel = await channel_for(session, channel_ref, self.clock.now(), create=False)
            if channel is None:
                return None
            query = select(Round).where(
                Round.channel_id == channel.id, Round.thread_id.is_not(None)
            )
            if thread is not None:
                in_thread = await session.scalar(query.where(Round.thread_id == thread.thread_id))
                if in_thread is not None:
                    return in_thread
            return await session.scalar(query.order_by(Round.seq.desc()).limit(1))

    async def _own_round(self, session: AsyncSession, actor: Actor, round_id: int) -> Round | None:
        rnd = await session.get(Round, round_id)
        if rnd is None:
            return None
        ws = await workspace_for(
            session, actor.user.platform, actor.user.workspace_id, self.clock.now(), create=False
        )
        return rnd if ws is not None and ws.id == rnd.workspace_id else None

    async def _next(self, rnd: Round | None, channel: ChannelRef, actor: Actor) -> Outcome:
        """Anyone moves a manual round on; a timed one is hurried only by those who manage."""
        if rnd is None:
            return _reply(text_message("There is no round running here yet. Try /kata now."))
        if rnd.wrapped_up_at is not None:
            return _reply(text_message("This round is wrapped up; the next one comes on schedule."))
        if rnd.pacing != Pacing.MANUAL and not await self._may_manage(channel, actor):
            timed = (
                f"posts {channel_settings.pacing_text(rnd.pacing, rnd.drip_minutes)} by itself"
                if rnd.pacing == Pacing.DRIP
                else "has all its stages out and wraps up by itself"
            )
            return _reply(
                text_message(
                    f"This round {timed}. Only admins and the member who ran setup can "
                    "move it on early."
                )
            )
        posted = await lifecycle.post_next_stage(self, rnd.id)
        if posted is None:
            return _reply(text_message("Nothing to post right now (someone was quicker)."))
        if posted.stage_key is None:
            return _reply(text_message("All stages were out, so I posted the wrap-up."))
        stage = self.content.framework.stage(posted.stage_key)
        return _reply(text_message(f"Posted the next stage: {stage.title}."))

    async def _answer(self, cmd: CommandInvoked, parsed: Parsed) -> Outcome:
        if not parsed.rest:
            raise CommandError("Write your answer after the command.", parsed.spec)
        rnd = await self._round_for(cmd.channel, cmd.thread)
        if rnd is None:
            return _reply(text_message("There is no round to answer yet."))
        key = answers.AnswerKey(AnswerSource.COMMAND, cmd.request_id or uuid.uuid4().hex)
        outcome = await answers.record(self, rnd, cmd.actor, parsed.rest, key)
        if outcome.react and not outcome.replies:
            outcome.replies.append(Reply(text_message(f"Answer recorded for round #{rnd.seq}.")))
        return outcome

    async def _feedback_command(self, cmd: CommandInvoked, parsed: Parsed) -> Outcome:
        try:
            values = feedback.parse_command(self.content.framework.rubric, parsed.rest)
        except feedback.FeedbackError as exc:
            raise CommandError(str(exc), parsed.spec) from None
        rnd = await self._round_for(cmd.channel, cmd.thread)
        if rnd is None:
            return _reply(text_message("There is no round here to give feedback on yet."))
        outcome = await feedback.submit(self, cmd.actor, rnd.id, values)
        outcome.form_errors = {}
        return outcome

    # ------------------------------------------------------------ prompts

    async def _prompts(self, cmd: CommandInvoked, parsed: Parsed) -> OutgoingMessage:
        sub, _, rest = parsed.rest.partition(" ")
        sub, rest = sub.lower() or "list", rest.strip()
        now = self.clock.now()
        async with self.sessions.begin() as session:
            channel = await channel_for(session, cmd.channel, now)
            assert channel is not None
            member = await member_for(session, channel.workspace_id, cmd.actor, now)
            if sub in ("list", "tags"):
                tag = "tags" if sub == "tags" else rest.lower()
                return await prompt_commands.list_prompts(session, self.content, channel, tag)
            if sub not in ("add", "remove"):
                raise CommandError(f"{echo(sub)} is not a prompts subcommand.", parsed.spec)
            if not channel_settings.may_manage(channel, member, cmd.actor.is_admin):
                raise CommandError("Only admins and the member who ran setup can change prompts.")
            if sub == "add":
                return await prompt_commands.add_prompt(
                    session, self.content, channel, member, parsed, rest, now
                )
            return await prompt_commands.remove_prompt(session, channel, parsed, rest)

    # ------------------------------------------------------------ queries for adapters

    async def home(self, actor: Actor) -> OutgoingMessage:
        try:
            return await stats.home_message(self, actor)
        except Exception:
            log.exception("building home for %s failed", actor.user)
            return text_message(SORRY)

    async def open_thread(self, channel: ChannelRef) -> ThreadRef | None:
        """Where a reply goes on a platform without threads of its own (the console)."""
        return await answers.open_thread(self, channel)

    async def known_tags(self, channel: ChannelRef) -> list[str]:
        async with self.sessions.begin() as session:
            ws = await workspace_for(
                session, channel.platform, channel.workspace_id, self.clock.now()
            )
            assert ws is not None
            views = await workspace_prompts(session, self.content, ws.id)
        return sorted({t for v in views for t in v.tags})


def _request_of(event: InboundEvent) -> tuple[str, str] | None:
    """(platform, request id) of a command or button press that carries one."""
    if isinstance(event, CommandInvoked | ButtonPressed) and event.request_id:
        return event.channel.platform, event.request_id
    return None


def _reply(message: OutgoingMessage, private: bool = True) -> Outcome:
    return Outcome(replies=[Reply(message, private)])
