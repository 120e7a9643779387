"""Members' replies in a round's thread become answers.

A reply counts for the stage most recently posted in the thread. To answer another stage, a
member starts the reply with the stage's name or alias and a colon (`metrics: ...`) or in
brackets (`[metrics] ...`). Only the channel's latest round takes new answers: it stays open
until the next round is posted, so late answers still land; edits and deletions apply always.

Thread messages reach these rules through `bot.answer_writer`, which records new replies in
batches and runs edits and deletions here on its batch's transaction; `record` also serves the
`answer` command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot import points, streaks
from bot.chat import (
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    Outcome,
    OutgoingMessage,
    Reply,
    ThreadRef,
    text_message,
)
from bot.content import Framework
from bot.kinds import AnswerSource
from bot.models import Answer, Round, StagePost

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.unit import Unit

MAX_ANSWER_CHARS = 20_000
CUT_NOTE = (
    f"Your answer is longer than {MAX_ANSWER_CHARS:,} characters, so I kept the first "
    f"{MAX_ANSWER_CHARS:,}. Split a longer one into replies, each starting with its stage."
)
_PREFIX = re.compile(r"^\s*(?:\[([\w-]+)\]|([\w-]+)\s*:)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class StageChoice:
    key: str | None
    text: str


def explicit_stage(framework: Framework, text: str) -> StageChoice:
    """The stage a reply names at its start, if any, and the reply without that prefix."""
    m = _PREFIX.match(text)
    if m:
        stage = framework.find_stage(m.group(1) or m.group(2))
        if stage is not None:
            return StageChoice(stage.key, text[m.end() :].strip())
    return StageChoice(None, text.strip())


def empty_answer_message(framework: Framework, stage_key: str) -> OutgoingMessage:
    """A stage named with nothing after it is a slip worth pointing out, not a silent no-op."""
    stage = framework.stage(stage_key)
    return text_message(
        f"Your {stage.title} answer is empty, so nothing was recorded. Write it after the "
        f"stage name, e.g. {stage.key}: <your answer>. This stage asks: {stage.questions[0]}"
    )


@dataclass(frozen=True)
class AnswerKey:
    """What makes an answer one answer in its channel: a redelivery carries the same key."""

    source: AnswerSource
    message_id: str


def message_key(message_id: str) -> AnswerKey:
    return AnswerKey(AnswerSource.MESSAGE, message_id)


async def current_stage(session: AsyncSession, round_id: int, framework: Framework) -> str:
    key = await session.scalar(
        select(StagePost.stage_key)
        .where(StagePost.round_id == round_id)
        .order_by(StagePost.position.desc())
        .limit(1)
    )
    return key or framework.stages[0].key


async def round_in_thread(unit: Unit, thread_id: str) -> Round | None:
    """The round whose thread this is, in the event's channel."""
    channel = await unit.find_channel()
    if channel is None:
        return None
    return await unit.session.scalar(
        select(Round).where(Round.channel_id == channel.id, Round.thread_id == thread_id)
    )


async def open_thread(unit: Unit) -> ThreadRef | None:
    """The thread of the channel's latest round, the one that takes new answers."""
    channel = await unit.find_channel()
    if channel is None or unit.where is None:
        return None
    thread_id = await unit.session.scalar(
        select(Round.thread_id)
        .where(Round.channel_id == channel.id, Round.thread_id.is_not(None))
        .order_by(Round.seq.desc())
        .limit(1)
    )
    return ThreadRef(unit.where, thread_id) if thread_id else None


async def record(unit: Unit, rnd: Round | None, text: str, key: AnswerKey) -> Outcome:
    """Record one answer in `rnd` by the unit's actor; shared by thread replies and the
    `answer` command."""
    now, framework, session = unit.now, unit.content.framework, unit.session
    if rnd is None:
        return Outcome()
    duplicate = await session.scalar(
        select(Answer.id).where(
            Answer.channel_id == rnd.channel_id,
            Answer.source == key.source,
            Answer.message_id == key.message_id,
        )
    )
    if duplicate is not None:
        return Outcome()
    choice = explicit_stage(framework, text)
    latest = await streaks.latest_seq(session, rnd.channel_id)
    if latest is not None and rnd.seq < latest:
        return Outcome(
            replies=[
                Reply(
                    text_message(
                        "That round has closed, so this reply was not counted. "
                        "Today's round has its own thread: answer there."
                    )
                )
            ]
        )
    if not choice.text:
        if choice.key is None:
            return Outcome()
        return Outcome(replies=[Reply(empty_answer_message(framework, choice.key))])
    member = await unit.ensure_member()
    stage = choice.key or await current_stage(session, rnd.id, framework)
    answered_before = await session.scalar(
        select(func.count())
        .select_from(Answer)
        .where(Answer.round_id == rnd.id, Answer.member_id == member.id)
    )
    answer = Answer(
        workspace_id=rnd.workspace_id,
        channel_id=rnd.channel_id,
        round_id=rnd.id,
        member_id=member.id,
        stage_key=stage,
        source=key.source,
        message_id=key.message_id,
        text=choice.text[:MAX_ANSWER_CHARS],
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(answer)
    except IntegrityError:
        return Outcome()
    await points.pay_for_answer(session, rnd, member.id, stage, now)
    if not answered_before:
        await streaks.count_round(session, rnd.workspace_id, rnd.channel_id, member.id, rnd.seq)
    if len(choice.text) > MAX_ANSWER_CHARS:
        return Outcome(react="white_check_mark", replies=[Reply(text_message(CUT_NOTE))])
    return Outcome(react="white_check_mark")


async def on_posted(unit: Unit, event: MessagePosted) -> Outcome:
    thread = event.message.thread
    if thread is None:
        return Outcome()
    rnd = await round_in_thread(unit, thread.thread_id)
    return await record(unit, rnd, event.text, message_key(event.message.message_id))


async def on_edited(unit: Unit, event: MessageEdited) -> Outcome:
    """An edit updates the answer's text, and its stage if the new text names another. An
    edit of a message never counted (posted while the bot was down) counts it now."""
    now, session = unit.now, unit.session
    answer = await _find(unit, event.message.message_id)
    if answer is not None:
        if event.replaces is not None and answer.text != event.replaces:
            return Outcome()
        choice = explicit_stage(unit.content.framework, event.text)
        if choice.text:
            answer.text = choice.text[:MAX_ANSWER_CHARS]
            answer.edited_at = now
            if choice.key and choice.key != answer.stage_key:
                answer.stage_key = choice.key
                await session.flush()
                rnd = await session.get(Round, answer.round_id)
                assert rnd is not None
                await points.sync_answer_points(session, rnd, answer.member_id, now)
        return Outcome()
    return await on_posted(unit, MessagePosted(event.message, event.actor, event.text, now))


async def on_deleted(unit: Unit, event: MessageDeleted) -> Outcome:
    """A deleted message takes its answer, its points and (if it was the member's only answer
    in the round) its part of the streak with it."""
    now, session = unit.now, unit.session
    answer = await _find(unit, event.message.message_id)
    if answer is None:
        return Outcome()
    rnd = await session.get(Round, answer.round_id)
    assert rnd is not None
    member_id = answer.member_id
    await session.delete(answer)
    await session.flush()
    await points.sync_answer_points(session, rnd, member_id, now)
    await streaks.rebuild_stored(session, rnd.workspace_id, rnd.channel_id, member_id)
    return Outcome()


async def _find(unit: Unit, message_id: str) -> Answer | None:
    row = await unit.find_channel()
    if row is None:
        return None
    return await unit.session.scalar(
        select(Answer).where(
            Answer.channel_id == row.id,
            Answer.source == AnswerSource.MESSAGE,
            Answer.message_id == message_id,
        )
    )
