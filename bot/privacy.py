"""Members' control over their data: opt out of boards, forget me, export."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select, update

from bot.chat import Actor, Attachment, ChannelRef, OutgoingMessage, Section, text_message
from bot.commands import CommandError, Parsed
from bot.directory import channel_for, member_for
from bot.models import Answer, Channel, CustomPrompt, Feedback, Member, PointEvent, Round, Streak

if TYPE_CHECKING:
    from bot.core import Kata


async def set_opt_out(
    kata: Kata, channel_ref: ChannelRef, actor: Actor, out: bool
) -> OutgoingMessage:
    now = kata.clock.now()
    async with kata.sessions.begin() as session:
        channel = await channel_for(session, channel_ref, now)
        assert channel is not None
        member = await member_for(session, channel.workspace_id, actor, now)
        member.opted_out = out
    if out:
        return text_message(
            "Done: you will not appear on any leaderboard. Your streak and points still count "
            "for you (see /kata stats). /kata optin brings you back."
        )
    return text_message("Welcome back: you will appear on leaderboards again.")


async def forget(
    kata: Kata, channel_ref: ChannelRef, actor: Actor, parsed: Parsed
) -> OutgoingMessage:
    if parsed.rest.strip().lower() != "confirm":
        raise CommandError(
            "This deletes all your answers, feedback given and received, points and streaks "
            "in this workspace, for good. To go ahead, send: /kata forgetme confirm",
        )
    now = kata.clock.now()
    async with kata.sessions.begin() as session:
        channel = await channel_for(session, channel_ref, now)
        assert channel is not None
        ws_id = channel.workspace_id
        member = await session.scalar(
            select(Member).where(
                Member.workspace_id == ws_id, Member.external_id == actor.user.user_id
            )
        )
        if member is None:
            return text_message("There is nothing stored about you here.")
        mid = member.id
        await session.execute(
            delete(Feedback).where(
                Feedback.workspace_id == ws_id,
                or_(Feedback.reviewer_id == mid, Feedback.reviewee_id == mid),
            )
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
        await session.execute(delete(Member).where(Member.id == mid))
    return text_message(
        "Everything about you in this workspace is deleted. Messages you posted in chat stay "
        "where they are: delete them there if you want them gone."
    )


async def export(
    kata: Kata, channel_ref: ChannelRef, actor: Actor, parsed: Parsed, is_admin: bool
) -> OutgoingMessage:
    now = kata.clock.now()
    whole_channel = parsed.rest.strip().lower() == "channel"
    buf = io.StringIO()
    writer = csv.writer(buf)
    async with kata.sessions.begin() as session:
        channel = await channel_for(session, channel_ref, now)
        assert channel is not None
        if whole_channel:
            if not is_admin:
                raise CommandError("Only admins and the member who ran setup can export a channel.")
            writer.writerow(["round", "date", "prompt", "member", "stage", "answered_at", "points"])
            rows = await session.execute(
                select(
                    Round.seq,
                    Round.local_date,
                    Round.prompt_key,
                    Member.display_name,
                    Member.opted_out,
                    Answer.stage_key,
                    Answer.created_at,
                )
                .join(Answer, Answer.round_id == Round.id)
                .join(Member, Member.id == Answer.member_id)
                .where(Round.channel_id == channel.id)
                .order_by(Round.seq, Answer.created_at)
            )
            for seq, day, prompt, name, opted_out, stage, at in rows.all():
                writer.writerow(
                    [
                        seq,
                        day,
                        prompt,
                        "(opted out)" if opted_out else name,
                        stage,
                        at.isoformat(),
                        "",
                    ]
                )
            filename = f"kata-channel-{channel.external_id}.csv"
        else:
            member = await member_for(session, channel.workspace_id, actor, now)
            writer.writerow(["kind", "round", "date", "prompt", "stage", "at", "text_or_points"])
            answers = await session.execute(
                select(
                    Round.seq,
                    Round.local_date,
                    Round.prompt_key,
                    Answer.stage_key,
                    Answer.created_at,
                    Answer.text,
                )
                .join(Answer, Answer.round_id == Round.id)
                .where(Answer.member_id == member.id, Answer.workspace_id == channel.workspace_id)
                .order_by(Answer.created_at)
            )
            for seq, day, prompt, stage, at, text in answers.all():
                writer.writerow(["answer", seq, day, prompt, stage, at.isoformat(), text])
            events = await session.execute(
                select(PointEvent.kind, PointEvent.created_at, PointEvent.points)
                .where(PointEvent.member_id == member.id)
                .order_by(PointEvent.created_at)
            )
            for kind, at, pts in events.all():
                writer.writerow([f"points:{kind}", "", "", "", "", at.isoformat(), pts])
            filename = "kata-my-data.csv"
    data = buf.getvalue().encode()
    rows_written = data.count(b"\n") - 1
    return OutgoingMessage(
        sections=(Section(text=f"Here is your export ({rows_written} rows)."),),
        attachments=(Attachment(filename, data),),
    )
