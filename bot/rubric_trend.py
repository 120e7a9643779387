"""A member's rubric trend per signal: the levels their reviews gave, oldest to newest, and
whether the recent half is above or below the earlier half. Shown in `stats`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.chat import Section
from bot.content import Rubric
from bot.models import Feedback, FeedbackScore

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

RECENT = 6
"""Levels shown per signal (the newest); the direction compares within these."""
MOVE = 0.5
"""How far the recent half's average must move from the earlier half's to count."""


def direction(levels: list[int]) -> str:
    """`rising`, `falling` or `steady` for levels oldest first; one level has no trend."""
    if len(levels) < 2:
        return "one review so far"
    half = len(levels) // 2
    earlier, recent = levels[:half], levels[len(levels) - half :]
    change = sum(recent) / len(recent) - sum(earlier) / len(earlier)
    if change >= MOVE:
        return "rising"
    if change <= -MOVE:
        return "falling"
    return "steady"


async def levels_received(session: AsyncSession, member_id: int) -> dict[str, list[int]]:
    """Each signal's levels in the reviews the member received, oldest first."""
    rows = await session.execute(
        select(FeedbackScore.signal, FeedbackScore.level)
        .join(Feedback, Feedback.id == FeedbackScore.feedback_id)
        .where(Feedback.reviewee_id == member_id)
        .order_by(Feedback.created_at, Feedback.id)
    )
    by_signal: dict[str, list[int]] = {}
    for key, level in rows.tuples():
        by_signal.setdefault(key, []).append(level)
    return by_signal


def section_for(rubric: Rubric, by_signal: dict[str, list[int]]) -> Section | None:
    """The trend from each signal's levels, oldest first (all of them, or at least the
    newest `RECENT`); None when there are none."""
    lines = []
    for signal in rubric.signals:
        levels = by_signal.get(signal.key, [])[-RECENT:]
        if levels:
            shown = ", ".join(str(n) for n in levels)
            lines.append(f"{signal.title}: {shown} ({direction(levels)})")
    if not lines:
        return None
    return Section(heading="Your rubric trend (levels 1-4, oldest first)", text="\n".join(lines))
