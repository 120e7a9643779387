"""Commands that change a channel's schedule: setup, pace, filter, pause, resume, skip.

Who may change them: the platform's admins (as the adapter reports) and the member who ran
`setup` in that channel. Anyone may set up a channel that has no schedule yet.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.chat import CommandInvoked, Field, OutgoingMessage, Section
from bot.commands import CommandError, Parsed
from bot.directory import channel_for, member_for
from bot.models import Channel, Member
from bot.plurals import every
from bot.rounds import schedule_next, schedule_of
from bot.schedule import WORKDAYS, ScheduleError, describe_weekdays, parse_time, parse_weekdays
from bot.timezones import parse_timezone

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.core import Kata

MIN_DRIP, MAX_DRIP = 1, 24 * 60
DIFFICULTIES = ("easy", "medium", "hard")


def may_manage(channel: Channel, member: Member, is_admin: bool) -> bool:
    return is_admin or not channel.configured or channel.setup_by_id == member.id


async def _load(kata: Kata, session: AsyncSession, cmd: CommandInvoked) -> tuple[Channel, Member]:
    now = kata.clock.now()
    channel = await channel_for(session, cmd.channel, now)
    assert channel is not None
    member = await member_for(session, channel.workspace_id, cmd.actor, now)
    return channel, member


def _refuse(parsed: Parsed) -> CommandError:
    return CommandError(
        f"Only workspace admins and the member who set up this channel can use "
        f"'{parsed.spec.name}'.",
    )


async def manage(kata: Kata, cmd: CommandInvoked, parsed: Parsed) -> OutgoingMessage:
    """Run one schedule-changing command inside a single transaction."""
    async with kata.sessions.begin() as session:
        channel, member = await _load(kata, session, cmd)
        if not may_manage(channel, member, cmd.actor.is_admin):
            raise _refuse(parsed)
        if cmd.channel_name:
            channel.name = cmd.channel_name[:100]
        if parsed.spec.name != "setup" and not channel.configured:
            raise CommandError("This channel has no schedule yet. Start with setup.", parsed.spec)
        handler = _HANDLERS[parsed.spec.name]
        try:
            text = handler(kata, channel, member, parsed)
        except ScheduleError as exc:
            raise CommandError(str(exc), parsed.spec) from None
    schedule_next(kata, channel)
    return OutgoingMessage(
        sections=(Section(text=text), describe(kata, channel)),
    )


_AM_PM = ("am", "pm")


def _setup(kata: Kata, channel: Channel, member: Member, parsed: Parsed) -> str:
    words = parsed.words
    if len(words) > 1 and words[1].lower().replace(".", "") in _AM_PM:
        words = [words[0] + words[1].lower().replace(".", ""), *words[2:]]
    if len(words) < 2:
        raise CommandError("setup needs a time and a time zone.", parsed.spec)
    post_time = parse_time(words[0])
    zone = parse_timezone(words[1])
    weekdays = parse_weekdays(" ".join(words[2:])) if len(words) > 2 else WORKDAYS
    first = not channel.configured
    channel.post_time, channel.timezone, channel.weekdays = post_time, zone.key, weekdays
    channel.configured = True
    if first or channel.setup_by_id is None:
        channel.setup_by_id = member.id
    channel.paused, channel.paused_reason = False, None
    return "Schedule saved." if not first else "Design Kata is set up in this channel."


def _pace(kata: Kata, channel: Channel, member: Member, parsed: Parsed) -> str:
    words = [w.lower() for w in parsed.words]
    if not words or words[0] not in ("drip", "all", "manual"):
        raise CommandError("Choose drip, all or manual.", parsed.spec)
    channel.pacing = words[0]
    if words[0] == "drip" and len(words) > 1:
        if not words[1].isdigit() or not MIN_DRIP <= int(words[1]) <= MAX_DRIP:
            raise CommandError(
                f"Minutes between stages must be a whole number from {MIN_DRIP} to {MAX_DRIP}.",
                parsed.spec,
            )
        channel.drip_minutes = int(words[1])
    return "Pacing saved; it applies from the next round."


def _filter(kata: Kata, channel: Channel, member: Member, parsed: Parsed) -> str:
    words = parsed.words
    if not words or words[0].lower() not in ("tags", "tag", "difficulty", "clear"):
        raise CommandError("Say which filter: tags, difficulty or clear.", parsed.spec)
    kind = words[0].lower()
    values = [v for v in re.split(r"[,\s]+", " ".join(words[1:]).lower()) if v]
    if kind == "clear":
        channel.tag_filter, channel.difficulty_filter = [], []
        return "Filters cleared: every prompt is in play."
    if not values:
        raise CommandError(f"List at least one {kind} value.", parsed.spec)
    if kind == "difficulty":
        bad = [v for v in values if v not in DIFFICULTIES]
        if bad:
            raise CommandError(
                f"Difficulties are easy, medium and hard (not {bad[0]}).", parsed.spec
            )
        channel.difficulty_filter = values
    else:
        known = {t for p in kata.content.prompts for t in p.all_tags} | {"custom"}
        unknown = [v for v in values if v not in known]
        if unknown:
            raise CommandError(
                f"No prompt has the tag '{unknown[0]}'. See /kata prompts list for tags.",
                parsed.spec,
            )
        channel.tag_filter = values
    return "Filter saved; it applies from the next round."


def _pause(kata: Kata, channel: Channel, member: Member, parsed: Parsed) -> str:
    channel.paused = True
    channel.paused_reason = None
    return "Paused. No rounds will be posted until /kata resume; streaks are safe."


def _resume(kata: Kata, channel: Channel, member: Member, parsed: Parsed) -> str:
    channel.paused, channel.paused_reason = False, None
    return "Resumed."


def _skip(kata: Kata, channel: Channel, member: Member, parsed: Parsed) -> str:
    words = parsed.words
    schedule = schedule_of(channel)
    today = schedule.local_date(kata.clock.now())
    if words:
        try:
            day = date.fromisoformat(words[0])
        except ValueError:
            raise CommandError(
                f"'{words[0]}' is not a date; use YYYY-MM-DD.", parsed.spec
            ) from None
        if day < today:
            raise CommandError("That date has passed.", parsed.spec)
    else:
        slot = schedule.next_slot(kata.clock.now())
        if slot is None:
            raise CommandError("There is no upcoming round to skip.", parsed.spec)
        day = slot[0]
    keep = [
        d for d in channel.skip_dates or [] if date.fromisoformat(d) >= today - timedelta(days=1)
    ]
    if day.isoformat() not in keep:
        keep.append(day.isoformat())
    channel.skip_dates = sorted(keep)
    return f"The round on {day:%a %d %b %Y} will be skipped; streaks are not affected."


_HANDLERS = {
    "setup": _setup,
    "pace": _pace,
    "filter": _filter,
    "pause": _pause,
    "resume": _resume,
    "skip": _skip,
}


def describe(kata: Kata, channel: Channel) -> Section:
    if not channel.configured:
        return Section(text="Not set up yet. Try /kata setup 09:30 Europe/Berlin mon-fri")
    schedule = schedule_of(channel)
    pacing = {
        "drip": f"drip, a stage {every(channel.drip_minutes, 'minute')}",
        "all": "all stages at once",
        "manual": "manual (/kata next)",
    }[channel.pacing]
    fields = [
        Field(
            "When",
            f"{channel.post_time:%H:%M} {channel.timezone}, {describe_weekdays(channel.weekdays)}",
        ),
        Field("Pacing", pacing),
        Field("Status", "paused" if channel.paused else "active"),
    ]
    slot = None if channel.paused else schedule.next_slot(kata.clock.now())
    if slot:
        local = slot[1].astimezone(schedule.zone)
        fields.append(Field("Next round", f"{local:%a %d %b %H:%M} ({channel.timezone})"))
    if channel.tag_filter:
        fields.append(Field("Tags", ", ".join(channel.tag_filter)))
    if channel.difficulty_filter:
        fields.append(Field("Difficulty", ", ".join(channel.difficulty_filter)))
    if channel.skip_dates:
        fields.append(Field("Skipping", ", ".join(channel.skip_dates)))
    text = channel.paused_reason or ""
    return Section(heading="Schedule", text=text, fields=tuple(fields))


async def show(kata: Kata, cmd: CommandInvoked) -> OutgoingMessage:
    async with kata.sessions.begin() as session:
        channel, _ = await _load(kata, session, cmd)
        return OutgoingMessage(sections=(describe(kata, channel),))
