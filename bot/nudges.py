"""Private reminders and streak nudges before a round closes, each sent at most once.

**When.** A round closes at its wrap-up when its pacing times one (drip, all at once), or at
the channel's next round (manual pacing). With `remind 2h` the channel's members hear two hours
before that; without a reminder, members whose streak of 3 or more would end still hear,
`STREAK_LEAD` before the close. Neither ever comes before half-way through the round.

**Who.** A reminder goes to members who answered one of the channel's last `RECENT_ROUNDS`
rounds but not this one; a streak nudge to members whose streak ends if they miss this round
(their banked freezes cannot cover it). Never to a member who opted out of the boards, said
`nudges off`, or is away that day (`bot.away`). One private message per member and round
says both when both apply.

**Once.** Each round has one work row (`remind:{round_id}`), planned in the transaction that
writes the round down (`rounds_created`), so a restart or a second worker finds it. The handler
writes a ledger row per member (`nudges_sent`, unique per round and member) and commits before
sending anything: a retry or a restart skips every member already in the ledger. A process
killed between that commit and the send loses those messages rather than sending them twice:
nudges are at most once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, select, update

from bot import work_queue
from bot.away import away_members, excuse_round
from bot.channel_settings import Change, duration_text
from bot.chat import OutgoingMessage, Section, UserRef, text_message
from bot.commands import CommandError, Invocation
from bot.db import insert_rows
from bot.durations import parse_duration
from bot.echo import echo
from bot.kinds import NudgeKind, Pacing, WorkKind
from bot.models import (
    Answer,
    AwayPeriod,
    Channel,
    Member,
    NudgeSent,
    Round,
    Streak,
    WorkItem,
)
from bot.rounds.queries import channel_ref, schedule_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.context import Deps
    from bot.unit import Unit
    from bot.work_queue import Claimed

log = logging.getLogger(__name__)

RECENT_ROUNDS = 5
STREAK_LEAD = timedelta(hours=2)
STREAK_ALONE_FROM = 3
"""Without a channel reminder, only streaks this long are worth a private message."""
STREAK_WITH_REMINDER_FROM = 2
MIN_LEAD, MAX_LEAD = 5, 24 * 60


def remind_key(round_id: int) -> str:
    return f"remind:{round_id}"


def parse_lead(text: str) -> int:
    """`2h`, `90m`, `1h30m`, `45 min` -> minutes; a friendly `CommandError` otherwise."""
    length = parse_duration(text)
    if length is None:
        raise CommandError(f"{echo(text)} is not a length of time; try remind 2h or remind off.")
    minutes = int(length.total_seconds() // 60)
    if not MIN_LEAD <= minutes <= MAX_LEAD:
        raise CommandError(f"A reminder comes {MIN_LEAD} minutes to 24 hours before the close.")
    return minutes


# ---------------------------------------------------------------- when


def closes_at(
    channel: Channel, pacing: Pacing, drip_minutes: int, day: date, opened: datetime, stages: int
) -> datetime | None:
    """When the round opened at `opened` closes: its timed wrap-up, or (manual pacing) the
    channel's next round; None when nothing closes it."""
    if pacing != Pacing.MANUAL:
        return opened + timedelta(minutes=drip_minutes * stages)
    if channel.paused:
        return None
    schedule = schedule_of(channel)
    slot = schedule.next_slot(max(opened, schedule.slot(day)))
    return slot[1] if slot is not None else None


def due_at(channel: Channel, opened: datetime, closes: datetime) -> datetime:
    """The reminder's moment: its lead (or `STREAK_LEAD`) before the close, but never
    before half-way through the round."""
    lead = (
        timedelta(minutes=channel.remind_minutes)
        if channel.remind_minutes is not None
        else STREAK_LEAD
    )
    return max(closes - lead, opened + (closes - opened) / 2)


async def rounds_created(
    session: AsyncSession,
    created: list[tuple[Channel, Round, list[Row[Any]]]],
    now: datetime,
    stages: int,
) -> None:
    """New rounds were written down (in their intent transaction), each with the channel's
    earlier rounds: the round before each has closed, so members away that day are excused
    from it, and each round's reminder is planned. A batch (the morning fan-out) costs one
    read and one multi-row insert, plus one update per channel where someone was away."""
    closed = [
        (channel, before)
        for channel, rnd, past in created
        for before in past
        if before.seq == rnd.seq - 1
    ]
    if closed:
        days = [before.local_date for _, before in closed]
        spaces = set(
            (
                await session.scalars(
                    select(AwayPeriod.workspace_id)
                    .where(
                        AwayPeriod.workspace_id.in_({c.workspace_id for c, _ in closed}),
                        AwayPeriod.starts_on <= max(days),
                        AwayPeriod.ends_on >= min(days),
                    )
                    .distinct()
                )
            ).all()
        )
        for channel, before in closed:
            if channel.workspace_id in spaces:
                await excuse_round(
                    session, channel.workspace_id, channel.id, before.seq, before.local_date
                )
    rows: list[dict[str, Any]] = []
    for channel, rnd, _ in created:
        closes = closes_at(channel, rnd.pacing, rnd.drip_minutes, rnd.local_date, now, stages)
        if closes is not None and closes > now:
            rows.append(
                {
                    "kind": WorkKind.REMIND,
                    "key": remind_key(rnd.id),
                    "payload": {"round_id": rnd.id},
                    "due_at": due_at(channel, now, closes),
                    "attempts": 0,
                    "created_at": now,
                }
            )
    if rows:
        await insert_rows(session, WorkItem, rows)


async def replan_open(session: AsyncSession, channel: Channel, now: datetime, stages: int) -> None:
    """The reminder setting changed: move the open round's reminder to the new moment."""
    rnd = await session.scalar(
        select(Round)
        .where(Round.channel_id == channel.id, Round.thread_id.is_not(None))
        .order_by(Round.seq.desc())
        .limit(1)
    )
    if rnd is None or rnd.posted_at is None or not _open(rnd):
        return
    closes = closes_at(channel, rnd.pacing, rnd.drip_minutes, rnd.local_date, rnd.posted_at, stages)
    if closes is None or closes <= now:
        return
    due = max(due_at(channel, rnd.posted_at, closes), now)
    key = remind_key(rnd.id)
    if not await work_queue.enqueue(session, WorkKind.REMIND, key, due, now, {"round_id": rnd.id}):
        await session.execute(
            update(WorkItem)
            .where(WorkItem.key == key, WorkItem.done_at.is_(None), WorkItem.claimed_by.is_(None))
            .values(due_at=due)
        )


def _open(rnd: Round) -> bool:
    return rnd.pacing == Pacing.MANUAL or rnd.wrapped_up_at is None


# ---------------------------------------------------------------- commands


async def set_remind(change: Change) -> str:
    """`remind 2h` / `remind off` (a settings change, declared admin-only)."""
    channel, parsed, unit = change.channel, change.parsed, change.unit
    words = parsed.words
    if not words:
        raise CommandError("Say how long before a round closes: remind 2h, or remind off.")
    if words[0].lower() in ("off", "none", "no"):
        channel.remind_minutes = None
        text = (
            "Reminders off. Members whose streak of "
            f"{STREAK_ALONE_FROM} or more would end still hear privately, "
            f"{duration_text(int(STREAK_LEAD.total_seconds() // 60))} before a round closes."
        )
    else:
        channel.remind_minutes = parse_lead(" ".join(words))
        text = (
            f"Reminders on: {duration_text(channel.remind_minutes)} before a round closes (its "
            "wrap-up, or the next round when paced by hand), members who answered recently but "
            "not yet hear privately. Each member can say /kata nudges off."
        )
    await replan_open(unit.session, channel, unit.now, len(unit.content.stages))
    return text


async def nudges_command(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`nudges off` / `nudges on`: the member's own choice, in every channel of the
    workspace; `nudges` alone says which it is."""
    member = await unit.ensure_member()
    word = (inv.parsed.words or [""])[0].lower()
    if word == "off":
        member.nudges_off = True
        return text_message(
            "Nudges off: no reminders or streak nudges for you, in any channel here. "
            "/kata nudges on brings them back."
        )
    if word == "on":
        member.nudges_off = False
        return text_message(
            "Nudges on: you hear privately before a round you haven't answered closes."
        )
    if word:
        raise CommandError("Say nudges off or nudges on.", inv.parsed.spec)
    state = "off" if member.nudges_off else "on"
    return text_message(
        f"Your nudges are {state}. Change with /kata nudges on or /kata nudges off."
    )


# ---------------------------------------------------------------- the work


@dataclass(frozen=True)
class _Nudge:
    member_id: int
    external_id: str
    kind: NudgeKind
    message: OutgoingMessage


async def run_remind(deps: Deps, item: Claimed) -> str:
    """Send the round's reminders and streak nudges, each member at most once."""
    round_id = int(item.payload["round_id"])
    now = deps.clock.now()
    async with deps.sessions.begin() as session:
        rnd = await session.get(Round, round_id)
        if rnd is None or rnd.thread_id is None or rnd.posted_at is None:
            return "no round"
        later = await session.scalar(
            select(Round.id)
            .where(
                Round.channel_id == rnd.channel_id,
                Round.seq > rnd.seq,
                Round.thread_id.is_not(None),
            )
            .limit(1)
        )
        if later is not None or not _open(rnd):
            return "round closed"
        channel = await session.get(Channel, rnd.channel_id)
        if channel is None:
            return "unknown channel"
        nudges = await _nudges(session, deps, channel, rnd, now)
        session.add_all(
            NudgeSent(
                workspace_id=rnd.workspace_id,
                round_id=rnd.id,
                member_id=n.member_id,
                kind=n.kind,
                created_at=now,
            )
            for n in nudges
        )
        ref = await channel_ref(session, channel.id)
    port = deps.port_for(ref.platform)
    sent = 0
    for n in nudges:
        try:
            await port.send_private(
                UserRef(ref.platform, ref.workspace_id, n.external_id), n.message
            )
            sent += 1
        except Exception:
            log.warning(
                "could not nudge member %s about round %s", n.member_id, round_id, exc_info=True
            )
    return f"{sent} of {len(nudges)} sent"


async def _nudges(
    session: AsyncSession, deps: Deps, channel: Channel, rnd: Round, now: datetime
) -> list[_Nudge]:
    ws, day = rnd.workspace_id, rnd.local_date
    reminders = channel.remind_minutes is not None
    reachable = (
        (Member.workspace_id == ws)
        & Member.opted_out.is_(False)
        & Member.nudges_off.is_(False)
        & Member.id.not_in(select(Answer.member_id).where(Answer.round_id == rnd.id))
        & Member.id.not_in(select(NudgeSent.member_id).where(NudgeSent.round_id == rnd.id))
        & Member.id.not_in(away_members(ws, day))
    )
    at_risk = {
        member_id: (external, current)
        for member_id, external, current in (
            await session.execute(
                select(Member.id, Member.external_id, Streak.current)
                .join(Streak, Streak.member_id == Member.id)
                .where(
                    reachable,
                    Streak.channel_id == channel.id,
                    Streak.last_seq + Streak.freezes == rnd.seq - 1,
                    Streak.current
                    >= (STREAK_WITH_REMINDER_FROM if reminders else STREAK_ALONE_FROM),
                )
            )
        ).all()
    }
    recent: dict[int, str] = {}
    if reminders:
        recent_answers = (
            select(Answer.member_id)
            .join(Round, Round.id == Answer.round_id)
            .where(
                Round.channel_id == channel.id,
                Round.seq >= rnd.seq - RECENT_ROUNDS,
                Round.seq < rnd.seq,
            )
        )
        recent = {
            member_id: external
            for member_id, external in (
                await session.execute(
                    select(Member.id, Member.external_id).where(
                        reachable, Member.id.in_(recent_answers)
                    )
                )
            ).all()
        }
    stages = len(deps.content.stages)
    closes = closes_at(channel, rnd.pacing, rnd.drip_minutes, day, rnd.posted_at or now, stages)
    schedule = schedule_of(channel)
    upcoming = schedule.next_slot(max(now, schedule.slot(day)))
    nudges: list[_Nudge] = []
    for member_id in sorted({*recent, *at_risk}):
        external = recent.get(member_id) or at_risk[member_id][0]
        streak = at_risk[member_id][1] if member_id in at_risk else None
        message = _message(channel, rnd, closes, upcoming, streak, reminders, now)
        kind = NudgeKind.STREAK if streak is not None else NudgeKind.REMINDER
        nudges.append(_Nudge(member_id, external, kind, message))
    return nudges


def _message(
    channel: Channel,
    rnd: Round,
    closes: datetime | None,
    upcoming: tuple[date, datetime] | None,
    streak: int | None,
    reminders: bool,
    now: datetime,
) -> OutgoingMessage:
    zone = schedule_of(channel).zone
    today = now.astimezone(zone).date()
    where = f"#{channel.name}" if channel.name else "your practice channel"
    lines: list[str] = []
    if streak is not None:
        if upcoming is None:
            when = "the next round"
        elif upcoming[0] == today:
            when = f"today's round at {upcoming[1].astimezone(zone):%H:%M}"
        elif upcoming[0] == today + timedelta(days=1):
            when = "tomorrow's round"
        else:
            when = f"the round on {upcoming[0]:%a %d %b}"
        lines.append(
            f"Your {streak}-round streak ends at {when} unless you answer round #{rnd.seq} "
            f"({rnd.prompt_title}) in {where}."
        )
    if (reminders or streak is None) and closes is not None:
        local = closes.astimezone(zone)
        at = f"{local:%H:%M}" if local.date() == today else f"{local:%a %H:%M}"
        verb = "wraps up" if rnd.pacing != Pacing.MANUAL else "takes answers until"
        lines.append(
            f"Round #{rnd.seq} in {where} {verb} {at} ({channel.timezone}) and you "
            "haven't answered yet."
        )
    lines.append("Reply in the round's thread, or use /kata answer.")
    return OutgoingMessage(
        title="Design Kata reminder",
        sections=(Section(text="\n".join(lines)),),
        footer="/kata nudges off stops these; /kata away 3d pauses them while you're away.",
    )
