"""What a round's wrap-up shows: each stage's answers side by side, the checklist, the model
answer, the best answer and the reviews given, gathered in one read for `render`.

`digest_of` runs inside the wrap-up's claiming transaction, so it also settles the
best-answer vote (`bot.best_answer.settle`) exactly when the wrap-up is claimed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot import assignments, best_answer
from bot.chat import MessageRef, ThreadRef
from bot.kinds import AnswerSource
from bot.model_answers import model_answer_for
from bot.models import Answer, Feedback, Member, Round
from bot.port import MessageLinks, message_link
from bot.prompt_bank import PromptView, find_prompt
from bot.rounds.queries import channel_ref

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Deps


@dataclass(frozen=True)
class StageAnswers:
    """One stage and, in answer order, each member's answer text to it."""

    key: str
    title: str
    answers: tuple[tuple[str, str], ...]
    links: tuple[str | None, ...] = ()
    """For each of `answers`, a link to that member's first message for the stage, where
    the platform makes links (`port.message_link`); empty where it makes none."""


@dataclass(frozen=True)
class Digest:
    round_id: int
    seq: int
    title: str
    prompt: PromptView | None
    stages: tuple[StageAnswers, ...]
    coverage: dict[str, list[str]]
    """Each member's display name and the stage keys they answered."""
    best: best_answer.Winner | None
    model_answer: str | None
    reviews: tuple[tuple[str, str], ...]
    """(reviewer, reviewee) display names; members off the boards are not named."""
    assigned: tuple[assignments.Assigned, ...] = ()
    """Who was asked to review whom (`bot.assignments`), and whether it is done."""


async def digest_of(session: AsyncSession, deps: Deps, round_id: int) -> Digest:
    rnd = await session.get(Round, round_id)
    if rnd is None:
        raise LookupError(f"no round {round_id}")
    framework = deps.content.framework
    rows = (
        await session.execute(
            select(
                Member.display_name, Answer.stage_key, Answer.text, Answer.source, Answer.message_id
            )
            .join(Member, Member.id == Answer.member_id)
            .where(Answer.round_id == round_id)
            .order_by(Answer.created_at, Answer.id)
        )
    ).tuples()
    by_stage: dict[str, dict[str, list[str]]] = {}
    first: dict[tuple[str, str], str] = {}
    for name, stage, text, source, message_id in rows:
        by_stage.setdefault(stage, {}).setdefault(name, []).append(text)
        if source == AnswerSource.MESSAGE:
            first.setdefault((stage, name), message_id)
    link = await _linker(session, deps, rnd)
    stages = tuple(
        StageAnswers(
            s.key,
            s.title,
            tuple((name, " / ".join(texts)) for name, texts in by_stage[s.key].items()),
            tuple(link(first.get((s.key, name))) for name in by_stage[s.key])
            if link is not None
            else (),
        )
        for s in framework.stages
        if s.key in by_stage
    )
    return Digest(
        round_id=rnd.id,
        seq=rnd.seq,
        title=rnd.prompt_title,
        prompt=await find_prompt(session, deps.content, rnd.workspace_id, rnd.prompt_key),
        stages=stages,
        coverage={
            name: [key for key, names in by_stage.items() if name in names]
            for name in dict.fromkeys(n for names in by_stage.values() for n in names)
        },
        best=await best_answer.settle(session, rnd, deps.clock.now()),
        model_answer=await model_answer_for(session, rnd.workspace_id, rnd.prompt_key),
        reviews=await _reviews(session, round_id),
        assigned=tuple(await assignments.assigned(session, round_id)),
    )


async def _linker(
    session: AsyncSession, deps: Deps, rnd: Round
) -> Callable[[str | None], str | None] | None:
    """How to link an answer's message in the round's thread, or None where the platform
    (or a round without a thread) gives no links."""
    if rnd.thread_id is None:
        return None
    ref = await channel_ref(session, rnd.channel_id)
    try:
        port = deps.port_for(ref.platform)
    except LookupError:
        return None
    if not isinstance(port, MessageLinks):
        return None
    thread = ThreadRef(ref, rnd.thread_id)

    def link(message_id: str | None) -> str | None:
        return message_link(port, MessageRef(ref, message_id, thread)) if message_id else None

    return link


async def _reviews(session: AsyncSession, round_id: int) -> tuple[tuple[str, str], ...]:
    reviewer, reviewee = aliased(Member), aliased(Member)
    rows = await session.execute(
        select(reviewer.display_name, reviewer.opted_out, reviewee.display_name, reviewee.opted_out)
        .select_from(Feedback)
        .join(reviewer, reviewer.id == Feedback.reviewer_id)
        .join(reviewee, reviewee.id == Feedback.reviewee_id)
        .where(Feedback.round_id == round_id)
        .order_by(Feedback.created_at, Feedback.id)
    )
    return tuple(
        (best_answer.OFF_BOARDS if out_a else a, best_answer.OFF_BOARDS if out_b else b)
        for a, out_a, b, out_b in rows
    )
