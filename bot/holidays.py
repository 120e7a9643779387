"""A channel's holidays: `holiday add 2026-12-24..2026-12-26`, `holiday list`, `holiday remove`.

A holiday is a day off kept like a skip (a `channel_skips` row marked `holiday`), so the
planner passes over it as over a weekday off (`bot.schedule.Schedule.runs_on`) and no round
exists that day: the streak, which counts rounds, never sees it. Dates are the channel's local
dates, so a daylight-saving change moves nothing. Removing a holiday that is still ahead
restores its round: the settings change re-plans the channel (`bot.rounds.plan.replan_channel`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.channel_settings import Change, change
from bot.chat import Field, Outcome, OutgoingMessage, Section
from bot.commands import CommandError, Invocation, Parsed
from bot.echo import echo
from bot.models import Channel, ChannelSkip
from bot.plurals import plural
from bot.rounds.queries import schedule_of
from bot.schedule import describe_weekdays

if TYPE_CHECKING:
    from bot.unit import Unit

LONGEST = 366
"""Days one `holiday add` may cover."""


def holidays(channel: Channel) -> list[date]:
    return sorted(s.local_date for s in channel.skips if s.holiday)


def parse_range(text: str, spec_usage: Parsed) -> tuple[date, date]:
    """`2026-12-24` or `2026-12-24..2026-12-26` (also with `-` or `to` between two dates)."""
    cleaned = text.strip().replace(" to ", "..").replace(" ", "")
    first, sep, last = cleaned.partition("..")
    if not sep and cleaned.count("-") == 5:
        first, last = cleaned[:10], cleaned[11:]
    elif not sep:
        last = first
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise CommandError(
            f"{echo(text)} is not a date or a range; use 2026-12-24 or 2026-12-24..2026-12-26.",
            spec_usage.spec,
        ) from None
    if end < start:
        raise CommandError(f"The range ends before it starts ({echo(text)}).", spec_usage.spec)
    if (end - start).days + 1 > LONGEST:
        raise CommandError(f"One range covers at most {LONGEST} days.", spec_usage.spec)
    return start, end


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _span(start: date, end: date) -> str:
    if start == end:
        return f"{start:%a %d %b %Y}"
    return f"{start:%a %d %b} to {end:%a %d %b %Y}"


async def add(change_: Change) -> str:
    channel, parsed, unit = change_.channel, change_.parsed, change_.unit
    words = parsed.words[1:]
    if not words:
        raise CommandError("Say which days: holiday add 2026-12-24..2026-12-26.", parsed.spec)
    start, end = parse_range(" ".join(words), parsed)
    schedule = schedule_of(channel)
    today = schedule.local_date(unit.now)
    if end < today:
        raise CommandError(f"{_span(start, end)} has passed.", parsed.spec)
    start = max(start, today)
    rows = {s.local_date: s for s in channel.skips}
    for day in _days(start, end):
        if day in rows:
            rows[day].holiday = True
        else:
            channel.skips.append(ChannelSkip(local_date=day, holiday=True))
    practice = [d for d in _days(start, end) if schedule.weekdays & (1 << d.weekday())]
    note = ""
    if start == today and schedule.slot(today) <= unit.now:
        note = " Today's round was due already and stays."
        practice = [d for d in practice if d != today]
    return (
        f"Holiday: {_span(start, end)}, no round on {plural(len(practice), 'practice day')}; "
        f"streaks are not affected.{note} Undo with /kata holiday remove "
        f"{start.isoformat()}{'' if start == end else '..' + end.isoformat()}."
    )


async def remove(change_: Change) -> str:
    channel, parsed = change_.channel, change_.parsed
    words = parsed.words[1:]
    if not words:
        raise CommandError("Say which days: holiday remove 2026-12-24.", parsed.spec)
    start, end = parse_range(" ".join(words), parsed)
    gone = [s for s in channel.skips if s.holiday and start <= s.local_date <= end]
    if not gone:
        raise CommandError(f"No holiday on {_span(start, end)}.", parsed.spec)
    channel.skips[:] = [s for s in channel.skips if s not in gone]
    today = schedule_of(channel).local_date(change_.unit.now)
    back = [s.local_date for s in gone if s.local_date >= today]
    restored = "; rounds on those days are back on" if back else ""
    return f"Holiday removed: {plural(len(gone), 'day')} from {_span(start, end)}{restored}."


def listing(channel: Channel, today: date) -> Section:
    ahead = [d for d in holidays(channel) if d >= today]
    if not ahead:
        return Section(heading="Holidays", text="No holidays ahead. Add one: holiday add DATE.")
    runs: list[tuple[date, date]] = []
    for day in ahead:
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return Section(
        heading="Holidays",
        text="\n".join(_span(a, b) for a, b in runs),
        fields=(Field("Practice days", describe_weekdays(channel.weekdays)),),
    )


_ADD, _REMOVE = change(add), change(remove)


async def holiday(unit: Unit, inv: Invocation) -> Outcome | OutgoingMessage:
    """`holiday list` reads; `add` and `remove` are settings changes (one transaction, the
    channel re-planned, one line for the channel)."""
    sub = inv.parsed.spec.subcommand(inv.parsed)
    if sub is None:
        raise CommandError("Choose add, list or remove.", inv.parsed.spec)
    if sub.name == "add":
        return await _ADD(unit, inv)
    if sub.name == "remove":
        return await _REMOVE(unit, inv)
    channel = await unit.find_channel()
    if channel is None or not channel.configured:
        raise CommandError("This channel has no schedule yet. Start with setup.", usage_of="setup")
    return OutgoingMessage(sections=(listing(channel, schedule_of(channel).local_date(unit.now)),))


def shared(parsed: Parsed) -> bool:
    """Adding and removing holidays is told to the channel; the list is for the asker."""
    sub = parsed.spec.subcommand(parsed)
    return sub is not None and sub.name in ("add", "remove")
