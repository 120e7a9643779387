"""Members' control over their data: opt out of boards, forget me, export."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from bot import exports, reconcile
from bot.chat import Attachment, OutgoingMessage, Section, text_message
from bot.commands import CommandError, Invocation, Parsed
from bot.models import (
    Answer,
    AwayPeriod,
    BestVote,
    Channel,
    CustomPrompt,
    Feedback,
    Member,
    ModelAnswer,
    NudgeSent,
    PointEvent,
    PromptSuggestion,
    ReviewAssignment,
    Streak,
)
from bot.plurals import plural

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.unit import Unit


async def set_opt_out(unit: Unit, out: bool) -> OutgoingMessage:
    member = await unit.ensure_member()
    member.opted_out = out
    if out:
        return text_message(
            "Done: you will not appear on any leaderboard. Your streak and points still count "
            "for you (see /kata stats). /kata optin brings you back."
        )
    return text_message("Welcome back: you will appear on leaderboards again.")


async def forget(unit: Unit, parsed: Parsed) -> OutgoingMessage:
    """Erase the member's answers, points, streaks and every review they gave or received.

    Teammates keep what they earned: a review someone gave this member stays counted for the
    reviewer (their points, their "feedback given", the reviews board), with the reviewee,
    scores and texts erased, so every board and stat still agrees with the points ledger.
    """
    if parsed.rest.strip().lower() != "confirm":
        raise CommandError(
            "This deletes all your answers, feedback given and received, points and streaks "
            "in this workspace, for good (teammates who reviewed you keep the credit, without "
            "your name or their words). To go ahead, send: /kata forgetme confirm",
        )
    session = unit.session
    member = await unit.find_member()
    if member is None:
        return text_message("There is nothing stored about you here.")
    ws_id, mid = member.workspace_id, member.id
    await reconcile.forget_messages(session, ws_id, mid)
    await _anonymise_reviews_of(session, ws_id, mid)
    await session.execute(
        delete(Feedback).where(Feedback.workspace_id == ws_id, Feedback.reviewer_id == mid)
    )
    for model in (Answer, PointEvent, Streak):
        await session.execute(
            delete(model).where(model.workspace_id == ws_id, model.member_id == mid)
        )
    await session.execute(
        update(Channel).where(Channel.setup_by_id == mid).values(setup_by_id=None)
    )
    await session.execute(
        update(CustomPrompt).where(CustomPrompt.created_by_id == mid).values(created_by_id=None)
    )
    await _forget_habit_rows(session, ws_id, mid)
    for ledger in (AwayPeriod, NudgeSent):  # the member row's delete would cascade; said here
        await session.execute(
            delete(ledger).where(ledger.workspace_id == ws_id, ledger.member_id == mid)
        )
    await session.execute(delete(Member).where(Member.id == mid))
    return text_message(
        "Everything about you in this workspace is deleted. Messages you posted in chat stay "
        "where they are: delete them there if you want them gone."
    )


async def _anonymise_reviews_of(session: AsyncSession, workspace_id: int, member_id: int) -> None:
    """Keep teammates' reviews of a forgotten member as bare counts. The review's points are
    keyed by the review, not the member, so a new member who gets that id is paid for anew."""
    reviews = (
        await session.scalars(
            select(Feedback).where(
                Feedback.workspace_id == workspace_id, Feedback.reviewee_id == member_id
            )
        )
    ).all()
    for review in reviews:
        review.reviewee_id = None
        review.scores.clear()
        review.strength = review.improvement = ""
    await session.flush()


async def export(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`export` (your own data) or `export channel` (declared admin-only with the command)."""
    now, parsed = unit.now, inv.parsed
    if parsed.spec.subcommand(parsed) is not None:
        channel = await unit.ensure_channel()
        sheet = await exports.channel_sheet(unit.session, channel)
        filename = exports.file_name("kata-channel", channel.name or channel.external_id, now)
    else:
        member = await unit.ensure_member()
        sheet = await exports.member_sheet(unit.session, member, unit.content.framework.rubric)
        filename = exports.file_name("kata-my-data", member.display_name, now)
    return OutgoingMessage(
        sections=(Section(text=f"Here is your export ({plural(len(sheet.rows), 'row')})."),),
        attachments=(Attachment(filename, sheet.encode()),),
    )


async def _forget_habit_rows(session: AsyncSession, workspace_id: int, member_id: int) -> None:
    """Best-answer votes by or for the member, review assignments to or of them, their
    prompt suggestions, and their name on
    model answers (the answers stay: they belong to the prompt). A best-answer bonus the
    member paid a teammate by voting stays with that teammate."""
    await session.execute(
        delete(BestVote).where(
            BestVote.workspace_id == workspace_id,
            (BestVote.voter_id == member_id) | (BestVote.nominee_id == member_id),
        )
    )
    await session.execute(
        delete(PromptSuggestion).where(
            PromptSuggestion.workspace_id == workspace_id, PromptSuggestion.author_id == member_id
        )
    )
    await session.execute(
        update(ModelAnswer).where(ModelAnswer.set_by_id == member_id).values(set_by_id=None)
    )
    await session.execute(
        delete(ReviewAssignment).where(
            ReviewAssignment.workspace_id == workspace_id,
            (ReviewAssignment.reviewer_id == member_id)
            | (ReviewAssignment.reviewee_id == member_id),
        )
    )
