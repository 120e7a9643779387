"""A period's top members as horizontal bars, longest first, each labelled with its points.

Bars are drawn on the pixel grid: row `i`'s bar starts at `BAR_LEFT` and is `BAR_SPAN` pixels
long for the leader, in proportion for the rest, so a test can measure them in the PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.chat import Picture
from bot.pictures import canvas
from bot.plurals import plural

WIDTH = 640
TOP = 58
ROW = 34
BAR = 22
BAR_LEFT = 180
BAR_SPAN = 380
BOTTOM = 22
MOST = 10
COLOUR = "#1F6FEB"
LEADER = "#BF8700"


@dataclass(frozen=True)
class Bar:
    name: str
    value: int


def height(count: int) -> int:
    return TOP + max(1, min(count, MOST)) * ROW + BOTTOM


def row_middle(index: int) -> int:
    """The pixel row through the middle of bar `index` (0 = the leader)."""
    return TOP + index * ROW + ROW // 2


def bar_length(value: int, top: int) -> float:
    return BAR_SPAN * value / top if top > 0 else 0.0


def alt_text(title: str, bars: Sequence[Bar]) -> str:
    listed = ", ".join(f"{b.name} {plural(b.value, 'pt')}" for b in bars[:MOST])
    return f"{title}: bar chart of points. {listed or 'Nobody scored.'}"


def draw(title: str, bars: Sequence[Bar], filename: str = "top-members.png") -> Picture:
    shown = list(bars[:MOST])
    fig, ax = canvas.figure(WIDTH, height(len(shown)))
    canvas.text(ax, 24, 28, canvas.shorten(title, 60), fontsize=13, fontweight="bold", va="center")
    top = max((b.value for b in shown), default=0)
    for index, bar in enumerate(shown):
        middle = row_middle(index)
        canvas.text(
            ax,
            BAR_LEFT - 10,
            middle,
            canvas.shorten(bar.name, 20),
            fontsize=10,
            ha="right",
            va="center",
        )
        length = bar_length(bar.value, top)
        colour = LEADER if bar.value == top else COLOUR
        canvas.box(ax, BAR_LEFT, middle - BAR / 2, length, BAR, colour)
        canvas.text(
            ax,
            BAR_LEFT + length + 8,
            middle,
            plural(bar.value, "pt"),
            fontsize=10,
            va="center",
            color=canvas.MUTED,
        )
    if not shown:
        canvas.text(ax, BAR_LEFT, row_middle(0), "Nobody scored.", va="center")
    return Picture(canvas.png(fig), alt_text(title, shown), filename)
