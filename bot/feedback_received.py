"""`feedback received [round|week|all]`: the reviews a member got, with scores and texts,
shown only to them, newest first."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.chat import Field, OutgoingMessage, Section, text_message
from bot.commands import CommandError, Invocation
from bot.echo import echo
from bot.models import Feedback, Member, Round
from bot.plurals import plural
from bot.round_commands import round_for

if TYPE_CHECKING:
    from bot.unit import Unit

PERIODS = ("round", "week", "all")
SHOWN = 10
"""Newest reviews listed in chat; `export` has every one."""
TEXT_LIMIT = 400


async def received(unit: Unit, inv: Invocation) -> OutgoingMessage:
    words = inv.parsed.words[1:]
    period = words[0].lower() if words else "all"
    if period not in PERIODS or len(words) > 1:
        raise CommandError(
            f"{echo(' '.join(words))} is not a period: use round, week or all.", inv.parsed.spec
        )
    member = await unit.find_member()
    if member is None:
        return text_message("Nobody has reviewed your answers yet.")
    session = unit.session
    reviewer = aliased(Member)
    query = (
        select(Feedback, Round.seq, Round.prompt_title, reviewer.display_name)
        .join(Round, Round.id == Feedback.round_id)
        .join(reviewer, reviewer.id == Feedback.reviewer_id)
        .where(Feedback.workspace_id == member.workspace_id, Feedback.reviewee_id == member.id)
        .order_by(Feedback.updated_at.desc(), Feedback.id.desc())
    )
    if period == "round":
        thread = inv.event.thread
        rnd = await round_for(unit, thread.thread_id if thread else None)
        if rnd is None:
            return text_message("There is no round here yet.")
        query = query.where(Feedback.round_id == rnd.id)
        scope = f"in round #{rnd.seq}"
    elif period == "week":
        query = query.where(Feedback.updated_at >= unit.now - timedelta(days=7))
        scope = "in the last 7 days"
    else:
        scope = "so far"
    rows = (await session.execute(query)).tuples().all()
    if not rows:
        return text_message(f"Nobody has reviewed your answers {scope}.")
    rubric = unit.content.framework.rubric
    titles = {s.key: s.title for s in rubric.signals}
    sections = []
    for review, seq, prompt, name in rows[:SHOWN]:
        fields = tuple(
            Field(titles.get(key, key), f"{score.level} - {rubric.level_name(score.level)}")
            for key, score in sorted(review.scores.items())
        )
        sections.append(
            Section(
                heading=f"Round #{seq}, {prompt}: from {name} ({review.updated_at:%d %b})",
                text=f"Strength: {_cut(review.strength)}\nImprovement: {_cut(review.improvement)}",
                fields=fields,
            )
        )
    more = len(rows) - SHOWN
    footer = (
        f"{plural(more, 'older review')} not shown; /kata export has them all."
        if more > 0
        else None
    )
    return OutgoingMessage(
        title=f"Feedback you received {scope} ({plural(len(rows), 'review')})",
        sections=tuple(sections),
        footer=footer,
    )


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
