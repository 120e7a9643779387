"""Commands that change a channel's schedule: setup, pace, filter, pause, resume, (un)skip.

Who may change them is declared with each command in `bot.commands.catalogue`. A change is
answered with one line in the channel, so the team learns the schedule moved; `schedule`
shows the whole block.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot import skips
from bot.chat import Field, OutgoingMessage, Section, text_message
from bot.commands import CommandError, Handler, Invocation, Parsed
from bot.echo import echo
from bot.kinds import Pacing
from bot.models import Channel, Member
from bot.plurals import every, plural
from bot.prompt_bank import workspace_prompts
from bot.rotation import matching
from bot.rounds.plan import replan_channel
from bot.rounds.queries import schedule_of
from bot.schedule import WORKDAYS, ScheduleError, describe_weekdays, parse_time, parse_weekdays
from bot.timezones import parse_timezone

if TYPE_CHECKING:
    from bot.unit import Unit

MIN_DRIP, MAX_DRIP = 1, 24 * 60
DIFFICULTIES = ("easy", "medium", "hard")
NOT_SET_UP = "Not set up yet. Try /kata setup 09:30 Europe/Berlin mon-fri"


def change(handler: Callable[[Change], Awaitable[str]]) -> Handler:
    """A command handler that runs one settings change inside a single transaction and
    answers in one line; who may run it is declared with the command."""

    async def run(unit: Unit, inv: Invocation) -> OutgoingMessage:
        cmd, parsed = inv.event, inv.parsed
        channel, member = await unit.ensure_channel(), await unit.ensure_member()
        if cmd.channel_name:
            channel.name = cmd.channel_name[:100]
        if parsed.spec.name != "setup" and not channel.configured:
            raise CommandError("This channel has no schedule yet. Start with setup.", parsed.spec)
        try:
            text = await handler(Change(unit, channel, member, parsed))
        except ScheduleError as exc:
            raise CommandError(str(exc), parsed.spec) from None
        await unit.session.flush()
        await replan_channel(unit.session, channel, unit.now)
        unit.after_commit(unit.deps.worker.poke)
        return text_message(text)

    return run


@dataclass(frozen=True)
class Change:
    """What a settings handler works on: the channel row inside the command's transaction."""

    unit: Unit
    channel: Channel
    member: Member
    parsed: Parsed

    def next_round(self) -> str | None:
        """When the next round comes, in the channel's words, or None if none is due."""
        schedule = schedule_of(self.channel)
        slot = schedule.next_slot(self.unit.now)
        if slot is None:
            return None
        return f"{slot[1].astimezone(schedule.zone):%a %d %b at %H:%M}"


_AM_PM = ("am", "pm")


async def setup(change: Change) -> str:
    channel, words, spec = change.channel, change.parsed.words, change.parsed.spec
    if len(words) > 1 and words[1].lower().replace(".", "") in _AM_PM:
        words = [words[0] + words[1].lower().replace(".", ""), *words[2:]]
    if len(words) < 2:
        raise CommandError("setup needs a time and a time zone.", spec)
    post_time = parse_time(words[0])
    zone = parse_timezone(words[1])
    weekdays = parse_weekdays(" ".join(words[2:])) if len(words) > 2 else WORKDAYS
    first = not channel.configured
    channel.post_time, channel.timezone, channel.weekdays = post_time, zone.key, weekdays
    channel.configured = True
    if first or channel.setup_by_id is None:
        channel.setup_by_id = change.member.id
    channel.paused, channel.paused_reason = False, None
    when = f"{post_time:%H:%M} {zone.key}, {describe_weekdays(weekdays)}"
    upcoming = change.next_round()
    then = f"; the {'first' if first else 'next'} is {upcoming}" if upcoming else ""
    lead = "Design Kata is set up here" if first else "Schedule changed"
    return f"{lead}: rounds at {when}{then}."


def pacing_text(pacing: Pacing, drip_minutes: int) -> str:
    return {
        Pacing.DRIP: f"a new stage {every(drip_minutes, 'minute')}",
        Pacing.ALL: "all stages at once",
        Pacing.MANUAL: "each stage on /kata next",
    }[pacing]


async def pace(change: Change) -> str:
    channel, parsed = change.channel, change.parsed
    words = [w.lower() for w in parsed.words]
    if not words or words[0] not in tuple(Pacing):
        raise CommandError("Choose drip, all or manual.", parsed.spec)
    channel.pacing = Pacing(words[0])
    if channel.pacing == Pacing.DRIP and len(words) > 1:
        if not words[1].isdigit() or not MIN_DRIP <= int(words[1]) <= MAX_DRIP:
            raise CommandError(
                f"Minutes between stages must be a whole number from {MIN_DRIP} to {MAX_DRIP}.",
                parsed.spec,
            )
        channel.drip_minutes = int(words[1])
    return f"Pacing: {pacing_text(channel.pacing, channel.drip_minutes)}, from the next round."


async def set_filter(change: Change) -> str:
    channel, parsed = change.channel, change.parsed
    words = parsed.words
    if not words or words[0].lower() not in ("tags", "tag", "difficulty", "clear"):
        raise CommandError("Say which filter: tags, difficulty or clear.", parsed.spec)
    kind = words[0].lower()
    values = [v for v in re.split(r"[,\s]+", " ".join(words[1:]).lower()) if v]
    views = await workspace_prompts(change.unit.session, change.unit.content, channel.workspace_id)
    if kind == "clear":
        channel.tag_filter, channel.difficulty_filter = [], []
        return f"Filters cleared: all {plural(len(views), 'prompt')} are in play."
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
        known = {t for v in views for t in v.tags} | {"custom"}
        unknown = [v for v in values if v not in known]
        if unknown:
            raise CommandError(
                f"No prompt has the tag {echo(unknown[0])}. See /kata prompts list for tags.",
                parsed.spec,
            )
        channel.tag_filter = values
    tags, levels = channel.tag_filter or [], channel.difficulty_filter or []
    left = len(matching([v.choice for v in views], tags, levels))
    described = "; ".join(
        part
        for part in (
            f"tags {', '.join(tags)}" if tags else "",
            f"difficulty {', '.join(levels)}" if levels else "",
        )
        if part
    )
    if not left:
        raise CommandError(
            f"No prompt matches {described}, so nothing was saved. "
            "Try other values, or /kata filter clear.",
            parsed.spec,
        )
    return f"Filter saved ({described}): {plural(left, 'prompt')} in play from the next round."


async def pause(change: Change) -> str:
    change.channel.paused = True
    change.channel.paused_reason = None
    return "Paused: no rounds until /kata resume; streaks are safe."


async def resume(change: Change) -> str:
    change.channel.paused, change.channel.paused_reason = False, None
    upcoming = change.next_round()
    return f"Resumed: the next round is {upcoming}." if upcoming else "Resumed."


def _day(change: Change, words: list[str]) -> date | None:
    if not words:
        return None
    try:
        return date.fromisoformat(words[0])
    except ValueError:
        raise CommandError(
            f"{echo(words[0])} is not a date; use YYYY-MM-DD.", change.parsed.spec
        ) from None


def _skipped(channel: Channel, today: date) -> list[date]:
    """The channel's skipped dates, without those long gone."""
    skips.forget_before(channel, today - timedelta(days=1))
    return skips.skipped(channel)


async def skip(change: Change) -> str:
    channel, spec = change.channel, change.parsed.spec
    schedule = schedule_of(channel)
    now = change.unit.now
    today = schedule.local_date(now)
    day = _day(change, change.parsed.words)
    if day is None:
        slot = schedule.next_slot(now)
        if slot is None:
            raise CommandError("There is no upcoming round to skip.", spec)
        day = slot[0]
    elif day < today:
        raise CommandError("That date has passed.", spec)
    elif not schedule.weekdays & (1 << day.weekday()):
        raise CommandError(
            f"{day:%a %d %b %Y} has no round: this channel practises "
            f"{describe_weekdays(schedule.weekdays)}. Nothing to skip.",
            spec,
        )
    elif schedule.slot(day) <= now:
        raise CommandError(
            f"The round on {day:%a %d %b} was due at {channel.post_time:%H:%M} already; "
            "nothing to skip.",
            spec,
        )
    if day in _skipped(channel, today) and day not in skips.one_off(channel):
        raise CommandError(f"{day:%a %d %b %Y} is a holiday already; nothing to skip.", spec)
    skips.skip(channel, day)
    return (
        f"The round on {day:%a %d %b %Y} will be skipped; streaks are not affected. "
        f"Undo with /kata unskip {day.isoformat()}."
    )


async def unskip(change: Change) -> str:
    channel, spec = change.channel, change.parsed.spec
    today = schedule_of(channel).local_date(change.unit.now)
    _skipped(channel, today)
    keep = skips.one_off(channel)
    day = _day(change, change.parsed.words)
    if day is None:
        upcoming = [d for d in keep if d >= today]
        if not upcoming:
            raise CommandError("No upcoming round is skipped.", spec)
        day = upcoming[0]
    if day not in keep:
        holiday = day in skips.skipped(channel)
        note = f" It is a holiday: /kata holiday remove {day.isoformat()}." if holiday else ""
        raise CommandError(f"The round on {day:%a %d %b %Y} is not skipped.{note}", spec)
    skips.unskip(channel, day)
    return f"The round on {day:%a %d %b %Y} is back on."


def duration_text(minutes: int) -> str:
    """`2h`, `45m`, `1h30m`: a reminder's lead as `remind` takes it."""
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")


def describe(channel: Channel, now: datetime) -> Section:
    if not channel.configured:
        return Section(text=NOT_SET_UP)
    schedule = schedule_of(channel)
    pacing = pacing_text(channel.pacing, channel.drip_minutes)
    fields = [
        Field(
            "When",
            f"{channel.post_time:%H:%M} {channel.timezone}, {describe_weekdays(channel.weekdays)}",
        ),
        Field("Pacing", pacing),
        Field("Status", "paused" if channel.paused else "active"),
    ]
    slot = None if channel.paused else schedule.next_slot(now)
    if slot:
        local = slot[1].astimezone(schedule.zone)
        fields.append(Field("Next round", f"{local:%a %d %b %H:%M} ({channel.timezone})"))
    if channel.tag_filter:
        fields.append(Field("Tags", ", ".join(channel.tag_filter)))
    if channel.difficulty_filter:
        fields.append(Field("Difficulty", ", ".join(channel.difficulty_filter)))
    if skipped := skips.one_off(channel):
        fields.append(Field("Skipping", ", ".join(d.isoformat() for d in skipped)))
    today = schedule.local_date(now)
    if holidays := [d for d in skips.skipped(channel) if d not in skipped and d >= today]:
        fields.append(Field("Holidays", ", ".join(d.isoformat() for d in holidays)))
    if channel.remind_minutes is not None:
        fields.append(
            Field("Reminder", f"{duration_text(channel.remind_minutes)} before a round closes")
        )
    text = channel.paused_reason or ""
    return Section(heading="Schedule", text=text, fields=tuple(fields))


async def show(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """Reads only: a channel the bot has never seen is simply not set up."""
    channel = await unit.find_channel()
    if channel is None:
        return OutgoingMessage(sections=(Section(text=NOT_SET_UP),))
    return OutgoingMessage(sections=(describe(channel, unit.now),))
