"""A rubric radar: a member's average received level per signal (1-4) against the channel's.

The chart is a polar plot whose spokes are the rubric's signals, clockwise from the top; the
member's shape is blue, the channel's orange. `point` gives where a level on a spoke lands in
pixels, so a test can check which shape covers it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from matplotlib.projections.polar import PolarAxes

from bot.chat import Picture
from bot.pictures import canvas

WIDTH = 560
HEIGHT = 520
SIZE = 300
"""The plot's diameter in pixels."""
LEFT = (WIDTH - SIZE) // 2
BOTTOM = 90
TOP_LEVEL = 4
MEMBER = "#1F6FEB"
CHANNEL = "#E0761B"


@dataclass(frozen=True)
class Spoke:
    """One rubric signal: its title and both averages (None: nobody scored it)."""

    title: str
    member: float | None
    channel: float | None


def centre() -> tuple[float, float]:
    return LEFT + SIZE / 2, HEIGHT - (BOTTOM + SIZE / 2)


def angle(index: int, count: int) -> float:
    """Screen angle (counter-clockwise from 3 o'clock) of spoke `index` of `count`."""
    return math.pi / 2 - 2 * math.pi * index / count


def point(index: int, count: int, level: float, turn: float = 0.0) -> tuple[int, int]:
    """The pixel at `level` on spoke `index`, turned `turn` radians clockwise."""
    cx, cy = centre()
    radius = level / TOP_LEVEL * SIZE / 2
    a = angle(index, count) - turn
    return round(cx + radius * math.cos(a)), round(cy - radius * math.sin(a))


MEMBER_LEGEND = ("you", "channel average")
CHANNEL_LEGEND = ("this channel", "workspace average")
"""The web page's channel radar: the channel's shape against every channel's."""


def alt_text(spokes: Sequence[Spoke], who: str, against: str = "channel") -> str:
    def shown(value: float | None) -> str:
        return "not scored" if value is None else f"{value:.1f}"

    parts = [f"{s.title} {shown(s.member)} ({against} {shown(s.channel)})" for s in spokes]
    return f"Rubric radar of {who}'s average received levels, 1 to 4: " + "; ".join(parts) + "."


def draw(spokes: Sequence[Spoke], who: str, legend: tuple[str, str] = MEMBER_LEGEND) -> Picture:
    """`legend` names the two shapes: the member and their channel, or (on the web page) a
    channel and its workspace."""
    count = len(spokes)
    if count < 3:
        raise ValueError("a radar needs at least three signals")
    fig, ax = canvas.figure(WIDTH, HEIGHT)
    canvas.text(
        ax,
        24,
        28,
        f"Rubric radar: {canvas.shorten(who, 36)}",
        fontsize=13,
        fontweight="bold",
        va="center",
    )
    polar = cast(
        PolarAxes,
        fig.add_axes(
            (LEFT / WIDTH, BOTTOM / HEIGHT, SIZE / WIDTH, SIZE / HEIGHT), projection="polar"
        ),
    )
    polar.set_facecolor("#FFFFFF")
    polar.set_theta_offset(math.pi / 2)
    polar.set_theta_direction(-1)
    polar.set_ylim(0, TOP_LEVEL)
    polar.set_yticks([1, 2, 3, 4])
    polar.set_yticklabels(["1", "2", "3", "4"], fontsize=7, color=canvas.MUTED)
    thetas = [2 * math.pi * i / count for i in range(count)]
    polar.set_xticks(thetas)
    polar.set_xticklabels([])
    polar.grid(color="#C9CED6", linewidth=0.8)
    polar.spines["polar"].set_color("#C9CED6")
    mine = _shape(polar, thetas, [s.member for s in spokes], MEMBER)
    _shape(polar, thetas, [s.channel for s in spokes], CHANNEL)
    cx, cy = centre()
    for index, spoke in enumerate(spokes):
        a = angle(index, count)
        x, y = cx + (SIZE / 2 + 16) * math.cos(a), cy - (SIZE / 2 + 16) * math.sin(a)
        ha = "center" if abs(math.cos(a)) < 0.2 else ("left" if math.cos(a) > 0 else "right")
        va = "center" if abs(math.sin(a)) < 0.2 else ("bottom" if math.sin(a) > 0 else "top")
        label = "\n".join(textwrap.wrap(spoke.title, 16))
        canvas.text(ax, x, y, label, fontsize=9, ha=ha, va=va, multialignment="center")
    legend_y = HEIGHT - 34
    first = legend[0] if mine else f"{legend[0]} (no scores yet)"
    for offset, (colour, label) in enumerate(((MEMBER, first), (CHANNEL, legend[1]))):
        x = 150 + offset * 150
        canvas.box(ax, x, legend_y - 6, 12, 12, colour)
        canvas.text(ax, x + 18, legend_y, label, fontsize=10, va="center")
    against = "channel" if legend == MEMBER_LEGEND else "workspace"
    return Picture(canvas.png(fig), alt_text(spokes, who, against), "rubric-radar.png")


def _shape(
    polar: PolarAxes, thetas: list[float], values: Sequence[float | None], colour: str
) -> bool:
    """Draw one closed shape; an unscored signal sits at the centre. False if all unscored."""
    if all(v is None for v in values):
        return False
    radii = [v if v is not None else 0.0 for v in values]
    closed_t, closed_r = [*thetas, thetas[0]], [*radii, radii[0]]
    polar.fill(closed_t, closed_r, color=colour, alpha=0.35, linewidth=0)
    polar.plot(closed_t, closed_r, color=colour, linewidth=2)
    return True


def spokes_for(
    titles: Mapping[str, str], member: Mapping[str, float], channel: Mapping[str, float]
) -> list[Spoke]:
    """Spokes in the rubric's order, from `titles` (signal key -> title)."""
    return [Spoke(title, member.get(key), channel.get(key)) for key, title in titles.items()]
