"""A member's practice calendar: one square per day for the last 52 weeks, coloured by what
happened on that day's round (answered, reviewed a teammate, missed, excused).

Weeks are columns and start on Monday (like the leaderboards' weeks), the newest week on the
right; days without a round stay grey. `cell_centre` gives a day's square in pixels, so a test
can read the colour back from the PNG.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from matplotlib.collections import PolyCollection
from matplotlib.text import Text

from bot.chat import Picture
from bot.pictures import canvas

Mark = Literal["answered", "reviewed", "missed", "excused"]
MARKS: tuple[Mark, ...] = ("answered", "reviewed", "missed", "excused")
WEEKS = 53
"""52 whole weeks back plus the current one."""
COLOURS: dict[Mark | None, str] = {
    None: "#DADDE1",
    "answered": "#4AC26B",
    "reviewed": "#116329",
    "missed": "#F08C84",
    "excused": "#8DB2F0",
}
LEGEND: dict[Mark | None, str] = {
    None: "no round",
    "answered": "answered",
    "reviewed": "reviewed a teammate",
    "missed": "missed",
    "excused": "skipped / holiday",
}
PITCH = 15
CELL = 12
LEFT = 44
TOP = 56
WIDTH = LEFT + WEEKS * PITCH + 21
HEIGHT = TOP + 7 * PITCH + 52


def first_day(today: date) -> date:
    """The Monday that opens the calendar ending with `today`'s week."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)


def cell_origin(day: date, today: date) -> tuple[int, int]:
    offset = (day - first_day(today)).days
    if not 0 <= offset < WEEKS * 7 or day > today:
        raise ValueError(f"{day} is not on the calendar ending {today}")
    week, weekday = divmod(offset, 7)
    return LEFT + week * PITCH, TOP + weekday * PITCH


def cell_centre(day: date, today: date) -> tuple[int, int]:
    """The pixel at the middle of `day`'s square (x from the left, y from the top)."""
    x, y = cell_origin(day, today)
    return x + CELL // 2, y + CELL // 2


def alt_text(marks: Mapping[date, Mark], today: date, who: str) -> str:
    start = first_day(today)
    counts = Counter(m for d, m in marks.items() if start <= d <= today)
    parts = [f"{counts[m]} {LEGEND[m]}" for m in MARKS]
    return (
        f"Practice calendar of {who} for the 52 weeks up to {today:%d %b %Y}, one square a "
        f"day: {', '.join(parts)}."
    )


@dataclass
class _Calendar:
    """The calendar ending one day, drawn once: its squares and title change per member."""

    template: canvas.Template
    title: Text
    squares: PolyCollection
    days: list[date]


def _calendar(today: date) -> _Calendar:
    fig, ax = canvas.figure(WIDTH, HEIGHT)
    canvas.text(ax, LEFT, 22, "", fontsize=13, fontweight="bold", va="center")
    title = ax.texts[-1]
    start = first_day(today)
    day, shown_month = start, None
    corners: list[tuple[float, float]] = []
    days: list[date] = []
    while day <= today:
        x, y = cell_origin(day, today)
        corners.append((x, y))
        days.append(day)
        if day.weekday() == 0 and day.month != shown_month:
            if shown_month is not None or day.day <= 7:
                canvas.text(ax, x, TOP - 6, f"{day:%b}", fontsize=8, color=canvas.MUTED)
            shown_month = day.month
        day += timedelta(days=1)
    squares = canvas.boxes(ax, corners, CELL, [COLOURS[None]] * len(corners))
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        canvas.text(
            ax,
            LEFT - 6,
            TOP + row * PITCH + CELL / 2,
            name,
            fontsize=8,
            color=canvas.MUTED,
            ha="right",
            va="center",
        )
    key_x = float(LEFT)
    key_y = TOP + 7 * PITCH + 20
    for mark, label in LEGEND.items():
        canvas.box(ax, key_x, key_y, CELL, CELL, COLOURS[mark])
        canvas.text(ax, key_x + CELL + 5, key_y + CELL / 2, label, fontsize=9, va="center")
        key_x += CELL + 5 + canvas.width_of(ax.texts[-1]) + 16
    return _Calendar(canvas.Template(fig, [title, squares]), title, squares, days)


_CALENDARS = canvas.Kept(_calendar)
"""A calendar's frame (months, weekdays, key) is the same for everyone on the same day."""


def draw(marks: Mapping[date, Mark], today: date, who: str) -> Picture:
    calendar = _CALENDARS.get(today, today)
    calendar.title.set_text(f"Practice calendar: {canvas.shorten(who, 40)}")
    calendar.squares.set_facecolor([COLOURS[marks.get(day)] for day in calendar.days])
    png = calendar.template.render([calendar.squares, calendar.title])
    return Picture(png, alt_text(marks, today, who), "practice-calendar.png")
