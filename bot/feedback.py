"""Peer review: the five rubric signals on four levels, one strength, one improvement.

Rules: nobody reviews themselves; a reviewer has one review per member and round (sending
another updates it); only members who answered the round can be reviewed; the reviewed
member is told privately.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot import points, rubric_scores
from bot.chat import (
    Choice,
    Field,
    Form,
    FormField,
    Outcome,
    OutgoingMessage,
    Reply,
    Section,
    UserRef,
    text_message,
)
from bot.content import Rubric
from bot.directory import find_member
from bot.echo import echo
from bot.feedback_parsing import ReviewLineError, parse_review_line
from bot.models import Answer, Feedback, Member, Round
from bot.rounds.queries import channel_ref, own_round

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.unit import Unit

log = logging.getLogger(__name__)

FORM_ID = "feedback"
MIN_COMMENT = 3
MAX_COMMENT = 1000


class FeedbackError(ValueError):
    """A review that breaks a rule; `field` names the form input to show it on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Review:
    reviewee: str
    levels: dict[str, str]
    """As typed or chosen, by signal key; `checked_scores` turns them into 1-4."""
    strength: str
    improvement: str


async def reviewable(session: AsyncSession, rnd: Round, reviewer_external: str) -> list[Member]:
    members = (
        await session.scalars(
            select(Member)
            .join(Answer, Answer.member_id == Member.id)
            .where(Answer.round_id == rnd.id, Member.external_id != reviewer_external)
            .distinct()
            .order_by(Member.display_name)
        )
    ).all()
    return list(members)


def build_form(rubric: Rubric, rnd: Round, members: list[Member]) -> Form:
    levels = tuple(Choice(str(i + 1), f"{i + 1} - {name}") for i, name in enumerate(rubric.levels))
    fields = [
        FormField(
            "reviewee",
            "Whose answers are you reviewing?",
            "choice",
            required=True,
            choices=tuple(Choice(m.external_id, m.display_name) for m in members[:100]),
        )
    ]
    fields += [
        FormField(s.key, s.title, "choice", choices=levels, placeholder=s.description[:150])
        for s in rubric.signals
    ]
    fields += [
        FormField(
            "strength", "One concrete strength", "paragraph", required=True, max_length=MAX_COMMENT
        ),
        FormField(
            "improvement",
            "One concrete improvement",
            "paragraph",
            required=True,
            max_length=MAX_COMMENT,
        ),
    ]
    return Form(FORM_ID, f"Feedback: round #{rnd.seq}"[:24], str(rnd.id), tuple(fields), "Send")


async def open_form(unit: Unit, round_id: int) -> Outcome:
    rnd = await own_round(unit, round_id)
    if rnd is None or unit.actor is None:
        return _private("That round is not available here.")
    members = await reviewable(unit.session, rnd, unit.actor.user.user_id)
    if not members:
        return _private(
            "Nobody else has answered this round yet, so there is no one to review. "
            "Check back later!"
        )
    return Outcome(form=build_form(unit.content.framework.rubric, rnd, members))


def parse_form(rubric: Rubric, values: dict[str, str]) -> Review:
    """The submitted fields, unchecked beyond their presence: `_record` checks them in the
    order that names the real problem first (whom, then levels, then the texts)."""
    levels = {
        signal.key: raw
        for signal in rubric.signals
        if (raw := (values.get(signal.key) or "").strip().lower().replace(" ", "-"))
    }
    reviewee = (values.get("reviewee") or "").strip()
    if not reviewee:
        raise FeedbackError("reviewee", "Choose whose answers you are reviewing.")
    strength = (values.get("strength") or "").strip()
    improvement = (values.get("improvement") or "").strip()
    return Review(reviewee, levels, strength, improvement)


def checked_scores(rubric: Rubric, raw: dict[str, str]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for signal in rubric.signals:
        value = raw.get(signal.key)
        if value is None:
            continue
        level = rubric.level_of(value)
        if level is None:
            raise FeedbackError(
                signal.key,
                f"{signal.title}: pick a level from 1 ({rubric.level_name(1)}) to 4 "
                f"({rubric.level_name(4)}); {echo(value)} is not one.",
            )
        scores[signal.key] = level
    return scores


def check_texts(review: Review) -> None:
    for key, text in (("strength", review.strength), ("improvement", review.improvement)):
        if len(text) < MIN_COMMENT:
            raise FeedbackError(key, f"Write one concrete {key}, please (a few words at least).")
        if len(text) > MAX_COMMENT:
            raise FeedbackError(key, f"Keep the {key} under {MAX_COMMENT} characters.")


def parse_command(rubric: Rubric, text: str) -> dict[str, str]:
    """`feedback` as a command: the same fields as the form, typed on one line."""
    try:
        return parse_review_line(rubric, text)
    except ReviewLineError as exc:
        raise FeedbackError("command", str(exc)) from None


async def submit(unit: Unit, round_id: int, values: dict[str, str]) -> Outcome:
    rubric = unit.content.framework.rubric
    try:
        review = parse_form(rubric, values)
        return await _record(unit, round_id, review)
    except FeedbackError as exc:
        return Outcome(form_errors={exc.field: str(exc)}, replies=[Reply(text_message(str(exc)))])


async def _record(unit: Unit, round_id: int, review: Review) -> Outcome:
    """Records the review in the unit, then ends it before telling the reviewee: the private
    note goes to the platform with no transaction open."""
    now, session, deps = unit.now, unit.session, unit.deps
    rnd = await own_round(unit, round_id)
    if rnd is None or unit.actor is None:
        raise FeedbackError("reviewee", "That round is not available here.")
    actor = unit.actor
    reviewer = await unit.ensure_member()
    reviewee = await find_member(session, rnd.workspace_id, review.reviewee)
    if reviewee is None:
        raise FeedbackError("reviewee", f"I don't know a member called {echo(review.reviewee)}.")
    if reviewee.id == reviewer.id:
        raise FeedbackError("reviewee", "You can't review yourself; pick a teammate.")
    answered = await session.scalar(
        select(Answer.id).where(Answer.round_id == rnd.id, Answer.member_id == reviewee.id).limit(1)
    )
    if answered is None:
        raise FeedbackError("reviewee", f"{reviewee.display_name} has not answered this round yet.")
    scores = checked_scores(deps.content.framework.rubric, review.levels)
    check_texts(review)
    row = await session.scalar(
        select(Feedback).where(
            Feedback.round_id == rnd.id,
            Feedback.reviewer_id == reviewer.id,
            Feedback.reviewee_id == reviewee.id,
        )
    )
    updated = row is not None
    if row is None:
        row = Feedback(
            workspace_id=rnd.workspace_id,
            round_id=rnd.id,
            reviewer_id=reviewer.id,
            reviewee_id=reviewee.id,
            created_at=now,
        )
        session.add(row)
    kept = rubric_scores.update(row, scores)
    scores = rubric_scores.levels(row)
    row.strength, row.improvement, row.updated_at = review.strength, review.improvement, now
    await session.flush()
    earned = 0 if updated else await points.award_review(session, rnd, reviewer.id, row.id, now)
    earned += await points.pay_assigned_review(session, rnd, reviewer.id, reviewee.id, now)
    ref = await channel_ref(session, rnd.channel_id)
    reviewee_user = UserRef(ref.platform, ref.workspace_id, reviewee.external_id)
    reviewee_name, seq = reviewee.display_name, rnd.seq
    await unit.commit()
    rubric = deps.content.framework.rubric
    note = feedback_note(rubric, scores, review, actor.display_name, seq, updated)
    try:
        await deps.port_for(ref.platform).send_private(reviewee_user, note, ref)
    except Exception:
        log.warning("could not tell %s about new feedback", reviewee_user, exc_info=True)
    verb = "updated" if updated else "sent"
    bonus = f" (+{earned} points)" if earned else ""
    kept_titles = [s.title for s in rubric.signals if s.key in kept]
    still = f" Your earlier scores stay: {', '.join(kept_titles)}." if kept else ""
    return Outcome(
        replies=[Reply(text_message(f"Feedback for {reviewee_name} {verb}{bonus}. Thanks!{still}"))]
    )


def feedback_note(
    rubric: Rubric,
    scores: dict[str, int],
    review: Review,
    reviewer: str,
    seq: int,
    updated: bool,
) -> OutgoingMessage:
    titles = {s.key: s.title for s in rubric.signals}
    fields = tuple(Field(titles[k], rubric.level_name(v)) for k, v in scores.items())
    what = "updated their feedback" if updated else "reviewed your answers"
    return OutgoingMessage(
        title=f"{reviewer} {what} in round #{seq}",
        sections=(
            Section(fields=fields) if fields else Section(),
            Section(heading="Strength", text=review.strength),
            Section(heading="Improvement", text=review.improvement),
        ),
    )


def _private(text: str) -> Outcome:
    return Outcome(replies=[Reply(text_message(text))])
