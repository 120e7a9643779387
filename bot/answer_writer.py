"""One writer per process records members' thread messages in batches.

A busy round sends answers faster than one transaction each can commit: the pool runs dry,
and an answer the platform was already told about is lost. So `Kata.handle` (or, without a
wait, `Kata.record`) puts thread messages (new, edited, deleted) on a bounded queue and one
task drains it, many at a time, in one transaction per batch: the batch's answers, then its
points, go in as one `INSERT … ON CONFLICT DO NOTHING` each (`bot.db.insert_rows`), so a
redelivered message adds nothing. The caller gets its own result (the ✅, a note) once the
batch committed.

A busy round fills the queue faster than batches commit. Then the writer waits a moment
before taking a batch, in steps of `GATHER_STEP_SECONDS` for as long as answers keep coming
(`GATHER_SECONDS` at most), so it writes fewer, larger ones: every statement and round trip
costs the bot and the database about as much for one answer as for a hundred. A lone answer,
or the last of a burst, is written at once.

A database error is retried with backoff until the database answers again, never turned into
an apology while the answer is dropped. Anything else splits the batch, so one bad message
cannot hold up the others.

Workspace, channel and member ids rarely change, so they are remembered (`ids`); a batch that
fails forgets them, and `forget()` is the hook for code that deletes such rows. Rounds and
stages change every day, so each batch reads them afresh, once per thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, bindparam, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from bot import answers, metrics, points, streaks
from bot.chat import (
    Actor,
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Outcome,
    Reply,
    text_message,
)
from bot.db import insert_rows
from bot.inbound_text import clean_event
from bot.kinds import AnswerSource, PointKind
from bot.models import (
    Answer,
    Channel,
    Member,
    PointEvent,
    Round,
    StagePost,
    Workspace,
    name_key,
)
from bot.unit import Unit

if TYPE_CHECKING:
    from bot.context import Deps

log = logging.getLogger(__name__)

ThreadEvent = MessagePosted | MessageEdited | MessageDeleted
CHECK = "white_check_mark"
QUEUE_CAPACITY = 2_000
BATCH_LIMIT = 250
GATHER_FROM = 16
"""Answers waiting behind the first one that make the writer gather (a busy round)."""
GATHER_SECONDS = 0.03
GATHER_STEP_SECONDS = 0.005
RETRY_FIRST_SECONDS = 0.05
RETRY_CAP_SECONDS = 2.0
DRAIN_ON_CLOSE_SECONDS = 5.0
SORRY = "Something went wrong on my side and your reply was not recorded. Please post it again."
CLOSED = (
    "That round has closed, so this reply was not counted. "
    "Today's round has its own thread: answer there."
)
_NOT_TRANSIENT = (
    sa_exc.IntegrityError,
    sa_exc.DataError,
    sa_exc.ProgrammingError,
    sa_exc.NotSupportedError,
)


def transient(error: BaseException) -> bool:
    """A failure of the database or the way to it, which waiting can cure (a full pool, a
    restart, a refused or dropped connection, a lock), as opposed to a fault in the data."""
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or not isinstance(error, _NOT_TRANSIENT)
    return isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError | OSError)


def clean_thread_event(event: ThreadEvent) -> ThreadEvent:
    """`bot.inbound_text.clean_event` for the busiest kind of event: most messages hold
    plain ASCII only, which is checked far faster than the general walk cleans."""
    message = event.message
    strings = [message.message_id, *vars(message.channel).values()]
    if message.thread is not None:
        strings.append(message.thread.thread_id)
    if not isinstance(event, MessageDeleted):
        user = event.actor.user
        strings += [event.text, event.actor.display_name, user.user_id, user.workspace_id]
    if all(s.isascii() and "\x00" not in s for s in strings):
        return event
    return clean_event(event)


@dataclass
class _Pending:
    event: ThreadEvent
    done: asyncio.Future[Outcome]


@dataclass(frozen=True)
class _RoundState:
    id: int
    workspace_id: int
    channel_id: int
    seq: int
    latest_seq: int | None
    stage: str | None


class IdCache:
    """Workspace, channel and member ids by their platform ids, across batches."""

    def __init__(self) -> None:
        self.channels: dict[ChannelRef, tuple[int, int]] = {}
        self.members: dict[tuple[int, str], tuple[int, str]] = {}

    def forget(self) -> None:
        self.channels.clear()
        self.members.clear()

    async def channel(self, session: AsyncSession, ref: ChannelRef) -> tuple[int, int] | None:
        """(workspace id, channel id) of a channel the bot knows; None for any other."""
        found = self.channels.get(ref)
        if found is None:
            row = (
                await session.execute(
                    select(Channel.workspace_id, Channel.id)
                    .join(Workspace, Workspace.id == Channel.workspace_id)
                    .where(
                        Workspace.platform == ref.platform,
                        Workspace.external_id == ref.workspace_id,
                        Channel.external_id == ref.channel_id,
                    )
                )
            ).first()
            if row is None:
                return None
            found = self.channels[ref] = (row[0], row[1])
        return found

    async def members_of(
        self, session: AsyncSession, workspace_id: int, actors: Sequence[Actor], now: datetime
    ) -> dict[str, int]:
        """Member ids by platform user id, recording members seen for the first time and
        keeping display names current."""
        wanted = {a.user.user_id: (a.display_name[:120] or a.user.user_id) for a in actors}
        ids: dict[str, int] = {}
        unknown: dict[str, str] = {}
        for user_id, name in wanted.items():
            cached = self.members.get((workspace_id, user_id))
            if cached is not None and cached[1] == name:
                ids[user_id] = cached[0]
            else:
                unknown[user_id] = name
        if not unknown:
            return ids
        rows = await self._read(session, workspace_id, unknown)
        missing = [u for u in unknown if u not in rows]
        if missing:
            await insert_rows(
                session,
                Member,
                [
                    {
                        "workspace_id": workspace_id,
                        "external_id": user_id,
                        "display_name": unknown[user_id],
                        "name_key": name_key(unknown[user_id]),
                        "opted_out": False,
                        "created_at": now,
                    }
                    for user_id in missing
                ],
            )
            rows.update(await self._read(session, workspace_id, {u: "" for u in missing}))
        for user_id, name in unknown.items():
            member_id, stored = rows[user_id]
            if stored != name:
                member = await session.get(Member, member_id)
                if member is not None:
                    member.display_name = name
            ids[user_id] = member_id
            self.members[workspace_id, user_id] = (member_id, name)
        return ids

    @staticmethod
    async def _read(
        session: AsyncSession, workspace_id: int, user_ids: dict[str, str]
    ) -> dict[str, tuple[int, str]]:
        result = await session.execute(
            select(Member.external_id, Member.id, Member.display_name).where(
                Member.workspace_id == workspace_id, Member.external_id.in_(list(user_ids))
            )
        )
        return {external: (member_id, name) for external, member_id, name in result.tuples()}


class _BatchUnit(Unit):
    """A unit on the batch's session: edits and deletions reuse the per-event use cases
    without a transaction of their own."""

    def __init__(self, deps: Deps, event: ThreadEvent, session: AsyncSession, now: datetime):
        actor = None if isinstance(event, MessageDeleted) else event.actor
        super().__init__(deps, event.message.channel, actor)
        self.now = now
        self._batch_session = session

    @property
    def session(self) -> AsyncSession:
        return self._batch_session


class AnswerWriter:
    """The bounded queue and its one writer task (started on first use, in the running
    loop)."""

    def __init__(
        self,
        deps: Deps,
        *,
        capacity: int = QUEUE_CAPACITY,
        batch_limit: int = BATCH_LIMIT,
        retry_first: float = RETRY_FIRST_SECONDS,
        retry_cap: float = RETRY_CAP_SECONDS,
        gather_from: int = GATHER_FROM,
        gather_seconds: float = GATHER_SECONDS,
        gather_step: float = GATHER_STEP_SECONDS,
    ) -> None:
        self.deps = deps
        self.capacity = capacity
        self.batch_limit = batch_limit
        self.retry_first = retry_first
        self.retry_cap = retry_cap
        self.gather_from = gather_from
        self.gather_seconds = gather_seconds
        self.gather_step = gather_step
        self.ids = IdCache()
        self.batches = 0
        """Transactions committed, for tests and benchmarks."""
        self.retries = 0
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._room = asyncio.Event()

    def forget(self) -> None:
        """Drop remembered ids (a workspace, channel or member was deleted)."""
        self.ids.forget()

    async def submit(self, event: ThreadEvent) -> Outcome:
        """Queue one thread message and wait until its batch committed. Waits for room
        when the queue is full; a caller that gives up does not take the message back."""
        queue = self._running()
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        await queue.put(_Pending(event, done))
        return await asyncio.shield(done)

    def offer(self, event: ThreadEvent) -> asyncio.Future[Outcome] | None:
        """`submit` without waiting: the message is queued now and the future gets its
        Outcome once its batch committed (or is cancelled if the writer stops first). None,
        and nothing queued, when the queue is full. A busy thread's messages come this way:
        a task and a wait per message cost about as much as their share of the batch."""
        queue = self._running()
        if queue.full():
            return None
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        queue.put_nowait(_Pending(event, done))
        return done

    async def room(self, limit_seconds: float) -> bool:
        """Wait (at most `limit_seconds`) until the queue has room; False if it stayed full.
        Adapters call this before acknowledging, so a burst slows the platform down instead
        of growing memory."""
        queue = self._running()
        if not queue.full():
            return True
        self._room.clear()
        try:
            await asyncio.wait_for(self._room.wait(), limit_seconds)
        except TimeoutError:
            return not queue.full()
        return True

    async def close(self) -> None:
        """Write what is queued (for a few seconds at most), then stop. Anything left was
        acknowledged to the platform: reconciliation finds it at the next start."""
        if self._task is None or self._queue is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), DRAIN_ON_CLOSE_SECONDS)
        except TimeoutError:
            log.warning("closing with %d thread messages unwritten", self._queue.qsize())
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        while not self._queue.empty():
            self._queue.get_nowait().done.cancel()
        self._task = None
        self._queue = None

    # ------------------------------------------------------------------ the writer task

    def _running(self) -> asyncio.Queue[_Pending]:
        if self._queue is None:
            self._queue = asyncio.Queue(self.capacity)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(self._queue), name="answer-writer")
        return self._queue

    async def _drain(self, queue: asyncio.Queue[_Pending]) -> None:
        while True:
            batch = [await queue.get()]
            if self.gather_from <= queue.qsize():
                await self._gather(queue)
            while len(batch) < self.batch_limit and not queue.empty():
                batch.append(queue.get_nowait())
            self._room.set()
            try:
                outcomes = await self._write_retrying(batch)
            except asyncio.CancelledError:
                for item in batch:
                    item.done.cancel()
                    queue.task_done()
                raise
            except Exception:  # a fault of our own: answer every waiting caller anyway
                log.exception("the answer writer failed on a batch of %d", len(batch))
                outcomes = [Outcome(replies=[Reply(text_message(SORRY))]) for _ in batch]
            for item, outcome in zip(batch, outcomes, strict=True):
                if not item.done.done():
                    item.done.set_result(outcome)
                queue.task_done()

    async def _gather(self, queue: asyncio.Queue[_Pending]) -> None:
        """Wait while answers keep arriving, until a batch is full or `gather_seconds` passed."""
        waited = 0.0
        while waited < self.gather_seconds and queue.qsize() < self.batch_limit:
            before = queue.qsize()
            await asyncio.sleep(self.gather_step)
            waited += self.gather_step
            if queue.qsize() == before:
                return

    async def _write_retrying(self, batch: list[_Pending], tries: int = 2) -> list[Outcome]:
        """Transient failures are retried for as long as they last; any other failure is
        tried again with ids read afresh (a member may have been deleted meanwhile), one
        message at a time, and only then answered with an apology."""
        delay = self.retry_first
        while True:
            try:
                return await self._write(batch)
            except Exception as error:
                self.ids.forget()
                if not transient(error):
                    failure = error
                    break
                self.retries += 1
                log.warning("writing %d answers failed (%s); retrying", len(batch), error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_cap)
        if len(batch) > 1:
            return [(await self._write_retrying([item]))[0] for item in batch]
        if tries > 1:
            return await self._write_retrying(batch, tries - 1)
        kind = type(batch[0].event).__name__
        log.error("recording %s failed", kind, exc_info=failure)
        return [Outcome(replies=[Reply(text_message(SORRY))])]

    async def _write(self, batch: list[_Pending]) -> list[Outcome]:
        now = self.deps.clock.now()
        outcomes: list[Outcome] = []
        async with self.deps.sessions() as session, session.begin():
            run: list[MessagePosted] = []
            for item in batch:
                if isinstance(item.event, MessagePosted):
                    run.append(item.event)
                    continue
                outcomes += await self._posted(session, run, now)
                run = []
                unit = _BatchUnit(self.deps, item.event, session, now)
                if isinstance(item.event, MessageEdited):
                    outcomes.append(await answers.on_edited(unit, item.event))
                else:
                    outcomes.append(await answers.on_deleted(unit, item.event))
            outcomes += await self._posted(session, run, now)
        self.batches += 1
        return outcomes

    # ------------------------------------------------------------------ new answers

    async def _posted(
        self, session: AsyncSession, events: list[MessagePosted], now: datetime
    ) -> list[Outcome]:
        """Record a run of new messages with a few statements for the whole run."""
        framework = self.deps.content.framework
        outcomes = [Outcome() for _ in events]
        rounds: dict[tuple[int, str], _RoundState | None] = {}
        chosen: list[tuple[int, MessagePosted, _RoundState, answers.StageChoice]] = []
        for i, event in enumerate(events):
            thread = event.message.thread
            if thread is None:
                continue
            ids = await self.ids.channel(session, event.message.channel)
            if ids is None:
                continue
            key = (ids[1], thread.thread_id)
            if key not in rounds:
                rounds[key] = await _round_state(session, *key)
            state = rounds[key]
            if state is None:
                continue
            choice = answers.explicit_stage(framework, event.text)
            if state.latest_seq is not None and state.seq < state.latest_seq:
                outcomes[i] = Outcome(replies=[Reply(text_message(CLOSED))])
            elif not choice.text:
                if choice.key is not None:
                    message = answers.empty_answer_message(framework, choice.key)
                    outcomes[i] = Outcome(replies=[Reply(message)])
            else:
                chosen.append((i, event, state, choice))
        if not chosen:
            return outcomes

        members: dict[tuple[int, str], int] = {}
        by_workspace: dict[int, list[Actor]] = {}
        for _, event, state, _ in chosen:
            by_workspace.setdefault(state.workspace_id, []).append(event.actor)
        for workspace_id, actors in by_workspace.items():
            found = await self.ids.members_of(session, workspace_id, actors, now)
            members.update({(workspace_id, u): m for u, m in found.items()})

        fresh: dict[tuple[int, str], _NewAnswer] = {}
        for _, event, state, choice in chosen:
            fresh.setdefault(
                (state.channel_id, event.message.message_id),
                _NewAnswer(
                    state,
                    members[state.workspace_id, event.actor.user.user_id],
                    choice.key or state.stage or framework.stages[0].key,
                    event.message.message_id,
                    choice.text[: answers.MAX_ANSWER_CHARS],
                ),
            )
        inserted = await insert_rows(
            session,
            Answer,
            [a.row(now) for a in fresh.values()],
            Answer.channel_id,
            Answer.message_id,
        )
        new = {(int(channel_id), str(message_id)) for channel_id, message_id in inserted}
        if not new:
            return outcomes
        await _pay(session, [fresh[key] for key in new], now)
        metrics.answers_recorded(len(new))  # a batch retried after a database error counts again
        for i, event, state, choice in chosen:
            if (state.channel_id, event.message.message_id) in new:
                new.discard((state.channel_id, event.message.message_id))
                cut = len(choice.text) > answers.MAX_ANSWER_CHARS
                notes = [Reply(text_message(answers.CUT_NOTE))] if cut else []
                outcomes[i] = Outcome(react=CHECK, replies=notes)
        return outcomes


@dataclass(frozen=True)
class _NewAnswer:
    round: _RoundState
    member_id: int
    stage: str
    message_id: str
    text: str

    def row(self, now: datetime) -> dict[str, object]:
        return {
            "workspace_id": self.round.workspace_id,
            "channel_id": self.round.channel_id,
            "round_id": self.round.id,
            "member_id": self.member_id,
            "stage_key": self.stage,
            "source": AnswerSource.MESSAGE,
            "message_id": self.message_id,
            "text": self.text,
            "created_at": now,
        }


async def _pay(session: AsyncSession, new: list[_NewAnswer], now: datetime) -> None:
    """Points for every new answer in one insert-only statement (as `points.pay_for_answer`
    pays one), then the streaks of members whose first answers in a round these are.

    The round's answer point is paid once per member and round, and taken back only with
    the member's last answer there (`points.sync_answer_points`), so a newly inserted one
    marks a first answer: the streak rows are read only for those, not for every batch."""
    owed = {
        (a.round.id, a.member_id, row["kind"], row["subject"]): row
        for a in new
        for row in points.answer_rows(a.round, a.member_id, a.stage, now)
    }
    paid = await insert_rows(
        session,
        PointEvent,
        list(owed.values()),
        PointEvent.round_id,
        PointEvent.member_id,
        PointEvent.kind,
    )
    first = {
        (round_id, member_id) for round_id, member_id, kind in paid if kind == PointKind.ANSWER
    }
    rounds = {a.round.id: a.round for a in new}
    for round_id, member_id in sorted(first, key=lambda pair: rounds[pair[0]].seq):
        rnd = rounds[round_id]
        await streaks.count_round(session, rnd.workspace_id, rnd.channel_id, member_id, rnd.seq)


@functools.cache
def _round_state_statement() -> Any:
    """The round whose thread this is, the channel's latest round number and the stage most
    recently posted, in one statement; built once (a batch asks it for every thread)."""
    channel_id = bindparam("channel_id", type_=Integer)
    thread_id = bindparam("thread_id", type_=String)
    latest = (
        select(func.max(Round.seq))
        .where(Round.channel_id == channel_id, Round.thread_id.is_not(None))
        .scalar_subquery()
    )
    stage = (
        select(StagePost.stage_key)
        .where(StagePost.round_id == Round.id)
        .order_by(StagePost.position.desc())
        .limit(1)
        .correlate(Round)
        .scalar_subquery()
    )
    return select(Round.id, Round.workspace_id, Round.channel_id, Round.seq, latest, stage).where(
        Round.channel_id == channel_id, Round.thread_id == thread_id
    )


async def _round_state(
    session: AsyncSession, channel_id: int, thread_id: str
) -> _RoundState | None:
    connection = await session.connection()  # plain columns: no ORM step needed
    result = await connection.execute(
        _round_state_statement(), {"channel_id": channel_id, "thread_id": thread_id}
    )
    row = result.first()
    if row is None:
        return None
    return _RoundState(row[0], row[1], row[2], row[3], row[4], row[5])
