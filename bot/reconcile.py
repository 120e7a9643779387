"""Reading open rounds' threads back from the platform, so no answer stays uncounted.

Two kinds of answer never reach the writer as events: those posted while the bot was down,
and those the platform was told about (acknowledged) but that were not yet written when the
process died. Both are still in the thread. Likewise an answer deleted while the bot was down
is simply no longer there once the whole thread has been read. At start, and every few
minutes while running, each open round's thread is read page by page and every member
message the database lacks (or holds with older text) goes through the answer writer as if
it had just arrived, and every answer whose message is gone as a deletion. The
writer's `ON CONFLICT` key makes this idempotent, which is why a plain periodic task is
enough: two passes, or a pass racing the live event, record an answer once.

Paced (a pause between platform calls), paginated and bounded (rounds per pass, pages per
thread), and stopped cleanly on close.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import answers
from bot.chat import (
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    Outcome,
    ThreadRef,
)
from bot.db import insert_rows
from bot.inbound_text import clean_event
from bot.kinds import AnswerSource
from bot.models import Answer, Channel, ForgottenMessage, Round, Workspace
from bot.port import ThreadHistory, ThreadMessage

if TYPE_CHECKING:
    from bot.answer_writer import AnswerWriter
    from bot.context import Deps

log = logging.getLogger(__name__)

EVERY_SECONDS = 300.0
PACE_SECONDS = 1.2
"""Slack allows conversations.replies about 50 times a minute (tier 3)."""
PAGE_SIZE = 100
MAX_PAGES = 20
MAX_ROUNDS = 200
SETTLED_AFTER = timedelta(minutes=2)
"""An answer younger than this may not show in the thread's history yet (platforms read
history from replicas), so its absence is not taken for a deletion."""
OPEN_FOR = timedelta(days=8)
"""A round takes answers until the next one is posted; older ones are not read back."""


async def forget_messages(session: AsyncSession, workspace_id: int, member_id: int) -> None:
    """Remember the thread messages behind a member's answers before `forgetme` erases them,
    so reading their threads back does not record them again."""
    keys = (
        await session.execute(
            select(Answer.channel_id, Answer.message_id).where(
                Answer.workspace_id == workspace_id,
                Answer.member_id == member_id,
                Answer.source == AnswerSource.MESSAGE,
            )
        )
    ).tuples()
    rows = [{"channel_id": channel_id, "message_id": message_id} for channel_id, message_id in keys]
    if rows:
        await insert_rows(session, ForgottenMessage, rows)


class Reconciler:
    """One pass on demand (`run_once`), or a periodic task (`start`/`stop`)."""

    def __init__(
        self,
        deps: Deps,
        writer: AnswerWriter,
        *,
        every: float = EVERY_SECONDS,
        pace: float = PACE_SECONDS,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
        max_rounds: int = MAX_ROUNDS,
    ) -> None:
        self.deps = deps
        self.writer = writer
        self.every = every
        self.pace = pace
        self.page_size = page_size
        self.max_pages = max_pages
        self.max_rounds = max_rounds
        self.passes = 0
        self._task: asyncio.Task[None] | None = None
        self._first_pass = asyncio.Event()
        self._nudged = asyncio.Event()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="reconcile")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    async def first_pass(self, limit_seconds: float = 30.0) -> None:
        """Return once the pass that `start` begins has finished."""
        await asyncio.wait_for(self._first_pass.wait(), limit_seconds)

    async def _run(self) -> None:
        while True:
            try:
                found = await self.run_once()
                if found:
                    log.info("reconciliation recorded %d thread messages", found)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconciling open rounds failed; trying again later")
            finally:
                self._first_pass.set()
            try:
                await asyncio.wait_for(self._nudged.wait(), self.every)
            except TimeoutError:
                pass
            self._nudged.clear()

    def soon(self) -> None:
        """Run the next pass now rather than at its time (messages were acknowledged without
        being queued)."""
        self._nudged.set()

    async def run_once(self) -> int:
        """Read every open round's thread once; returns how many answers it recorded or
        brought up to date (messages that are no answers, such as a bare stage name, are
        handed over and change nothing)."""
        handed = 0
        for platform in self.deps.platforms:
            port = self.deps.port_for(platform)
            if not isinstance(port, ThreadHistory):
                continue
            for round_id, thread in await self._open_threads(platform):
                try:
                    handed += await self._thread(port, round_id, thread)
                except Exception:
                    log.warning(
                        "could not read thread %s back from %s",
                        thread.thread_id,
                        platform,
                        exc_info=True,
                    )
        self.passes += 1
        return handed

    async def _open_threads(self, platform: str) -> list[tuple[int, ThreadRef]]:
        """Each channel's latest round with a thread on `platform`, recent ones only."""
        latest = (
            select(Round.channel_id, func.max(Round.seq).label("seq"))
            .where(Round.thread_id.is_not(None))
            .group_by(Round.channel_id)
            .subquery()
        )
        since = self.deps.clock.now() - OPEN_FOR
        async with self.deps.sessions() as session:
            rows = await session.execute(
                select(Round.id, Round.thread_id, Workspace.external_id, Channel.external_id)
                .join(
                    latest, and_(latest.c.channel_id == Round.channel_id, latest.c.seq == Round.seq)
                )
                .join(Channel, Channel.id == Round.channel_id)
                .join(Workspace, Workspace.id == Round.workspace_id)
                .where(Workspace.platform == platform, Round.created_at >= since)
                .order_by(Round.id.desc())
                .limit(self.max_rounds)
            )
            found = [
                (round_id, ThreadRef(ChannelRef(platform, workspace, channel), str(thread_id)))
                for round_id, thread_id, workspace, channel in rows.tuples()
            ]
        return found

    async def _known(self, round_id: int) -> tuple[dict[str, str], set[str], set[str]]:
        """The round's answers (message id -> text), those old enough to have reached the
        platform's history for sure, and its channel's forgotten messages."""
        settled_before = self.deps.clock.now() - SETTLED_AFTER
        async with self.deps.sessions() as session:
            rows = (
                await session.execute(
                    select(Answer.message_id, Answer.text, Answer.created_at).where(
                        Answer.round_id == round_id, Answer.source == AnswerSource.MESSAGE
                    )
                )
            ).tuples()
            forgotten = await session.scalars(
                select(ForgottenMessage.message_id)
                .join(Round, Round.channel_id == ForgottenMessage.channel_id)
                .where(Round.id == round_id)
            )
            answered = rows.all()
            texts = {message_id: text for message_id, text, _ in answered}
            old = {message_id for message_id, _, at in answered if at < settled_before}
            return texts, old, set(forgotten.all())

    async def _thread(self, port: ThreadHistory, round_id: int, thread: ThreadRef) -> int:
        known, settled, forgotten = await self._known(round_id)
        handed = 0
        seen: set[str] | None = set()
        after: str | None = None
        for page_number in range(self.max_pages):
            if page_number or handed:
                await asyncio.sleep(self.pace)
            page = await port.read_thread(thread, after, self.page_size)
            seen = None if seen is None or page.present is None else seen | page.present
            missing = [
                m
                for m in page.messages
                if m.message_id not in forgotten and self._differs(m, known)
            ]
            outcomes = await asyncio.gather(*(self._record(thread, m, known) for m in missing))
            for message, outcome in zip(missing, outcomes, strict=True):
                if outcome.react:
                    await self._react(thread, message, outcome)
                if outcome.react or message.message_id in known:
                    handed += 1
            if page.more is None:
                if seen is None:
                    return handed
                return handed + await self._gone(thread, sorted(settled - seen))
            after = page.more
        log.warning(
            "thread %s has more than %d pages; read the first only",
            thread.thread_id,
            self.max_pages,
        )
        return handed

    async def _gone(self, thread: ThreadRef, message_ids: list[str]) -> int:
        """Answers whose messages the whole thread no longer holds were deleted while the
        bot was away: they go as the deletions they were. Only after a complete read of a
        thread whose every page said which messages it holds."""
        for message_id in message_ids:
            ref = MessageRef(thread.channel, message_id, thread)
            await self.writer.submit(MessageDeleted(ref))
        return len(message_ids)

    def _differs(self, message: ThreadMessage, known: dict[str, str]) -> bool:
        stored = known.get(message.message_id)
        if stored is None:
            return True
        choice = answers.explicit_stage(self.deps.content.framework, message.text)
        return bool(choice.text) and choice.text[: answers.MAX_ANSWER_CHARS] != stored

    async def _record(
        self, thread: ThreadRef, message: ThreadMessage, known: dict[str, str]
    ) -> Outcome:
        """The message as the event it would have been; replies are not sent (the member
        is not waiting for them any more), the ✅ is."""
        ref = MessageRef(thread.channel, message.message_id, thread)
        event: MessagePosted | MessageEdited
        if message.message_id in known:
            event = MessageEdited(ref, message.actor, message.text, known[message.message_id])
        else:
            event = MessagePosted(ref, message.actor, message.text)
        return await self.writer.submit(clean_event(event))

    async def _react(self, thread: ThreadRef, message: ThreadMessage, outcome: Outcome) -> None:
        assert outcome.react is not None
        ref = MessageRef(thread.channel, message.message_id, thread)
        try:
            await self.deps.port_for(thread.channel.platform).react(ref, outcome.react)
        except Exception as error:
            log.info("could not react to recovered answer %s: %s", message.message_id, error)
