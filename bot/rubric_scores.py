"""A review's rubric levels, kept as `feedback_scores` rows (signal, level 1-4)."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from bot.models import Feedback, FeedbackScore


def levels(review: Feedback) -> dict[str, int]:
    return {signal: score.level for signal, score in review.scores.items()}


def update(review: Feedback, new: dict[str, int]) -> dict[str, int]:
    """Set the given levels; a level not given keeps its earlier value. Returns those kept."""
    kept = {k: v for k, v in levels(review).items() if k not in new}
    for signal, level in new.items():
        if signal in review.scores:
            review.scores[signal].level = level
        else:
            review.scores[signal] = FeedbackScore(signal=signal, level=level)
    return kept


def averages_received(member_id: int) -> Select[tuple[str, float, int]]:
    """(signal, average level, number of reviews) over every review the member received."""
    return (
        select(FeedbackScore.signal, func.avg(FeedbackScore.level), func.count())
        .join(Feedback, Feedback.id == FeedbackScore.feedback_id)
        .where(Feedback.reviewee_id == member_id)
        .group_by(FeedbackScore.signal)
    )
