"""Pure schedule arithmetic: when a channel's next round is due, in its own time zone.

Times are wall-clock times in the channel's IANA zone. On the spring-forward day a time that
does not exist (02:30 in Europe/Berlin) posts at the same offset as the hour before, i.e.
one hour later on the wall clock; on the fall-back day an ambiguous time posts at its first
occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.echo import echo

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = 0b1111111
WORKDAYS = 0b0011111
WEEKEND = 0b1100000


class ScheduleError(ValueError):
    """A schedule the user typed could not be understood; the message says how to fix it."""


def parse_time(text: str) -> time:
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text.strip().lower())
    if not m:
        raise ScheduleError(f"{echo(text)} is not a time; use 24-hour HH:MM, e.g. 09:30")
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"{echo(text)} is not a time; use e.g. 9:30am or 21:30")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{echo(text)} is not a time of day; use 00:00 to 23:59")
    return time(hour, minute)


def parse_weekdays(text: str) -> int:
    """`mon-fri`, `mon,wed,fri`, `daily`, `weekdays`, `weekends` -> a bitmask (Monday = bit 0)."""
    words = {"daily": ALL_DAYS, "everyday": ALL_DAYS, "weekdays": WORKDAYS, "weekends": WEEKEND}
    text = text.strip().lower()
    if text in words:
        return words[text]
    mask = 0
    for part in re.split(r"[,\s]+", text):
        if not part:
            continue
        if "-" in part:
            start, _, end = part.partition("-")
            a, b = _day_index(start), _day_index(end)
            days = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            for d in days:
                mask |= 1 << d
        else:
            mask |= 1 << _day_index(part)
    if not mask:
        raise ScheduleError("no weekdays given; use e.g. mon-fri or mon,wed,fri")
    return mask


def _day_index(word: str) -> int:
    key = word[:3]
    if key not in WEEKDAY_NAMES or not WEEKDAY_NAMES[WEEKDAY_NAMES.index(key)].startswith(key):
        raise ScheduleError(f"{echo(word)} is not a weekday; use mon, tue, wed, thu, fri, sat, sun")
    return WEEKDAY_NAMES.index(key)


def describe_weekdays(mask: int) -> str:
    if mask == ALL_DAYS:
        return "every day"
    if mask == WORKDAYS:
        return "Mon-Fri"
    return ", ".join(WEEKDAY_NAMES[d].capitalize() for d in range(7) if mask & (1 << d))


@dataclass(frozen=True)
class Schedule:
    post_time: time
    timezone: str
    weekdays: int
    skip_dates: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def runs_on(self, day: date) -> bool:
        return bool(self.weekdays & (1 << day.weekday())) and day not in self.skip_dates

    def slot(self, day: date) -> datetime:
        """The UTC instant of the round on a local date (see module docstring for DST)."""
        return datetime.combine(day, self.post_time, tzinfo=self.zone).astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def next_slot(self, after: datetime) -> tuple[date, datetime] | None:
        """The first (local date, UTC instant) strictly after `after`, within two weeks."""
        day = self.local_date(after) - timedelta(days=1)
        for _ in range(16):
            if self.runs_on(day):
                at = self.slot(day)
                if at > after:
                    return day, at
            day += timedelta(days=1)
        return None

    def due_today(self, now: datetime) -> date | None:
        """Today's local date if today has a round whose time has come (catch-up at start)."""
        today = self.local_date(now)
        if self.runs_on(today) and self.slot(today) <= now:
            return today
        return None
