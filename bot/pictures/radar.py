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

from matplotlib.axis import Tick
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.projections.polar import PolarAxes
from matplotlib.text import Text

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


@dataclass
class _Radar:
    """A radar's frame for one rubric and legend, drawn once: its title and shapes change."""

    template: canvas.Template
    title: Text
    polar: PolarAxes
    shapes: tuple[tuple[Polygon, Line2D], tuple[Polygon, Line2D]]
    """(fill, outline) of the member's shape and of the channel's."""
    ticks: list[Tick]
    thetas: list[float]
    """The spokes' angles, the first again at the end (a shape is closed)."""


def _radar(titles: tuple[str, ...], legend: tuple[str, str], scored: bool) -> _Radar:
    count = len(titles)
    fig, ax = canvas.figure(WIDTH, HEIGHT)
    canvas.text(ax, 24, 28, "", fontsize=13, fontweight="bold", va="center")
    title = ax.texts[-1]
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
    closed = [*thetas, thetas[0]]
    mine = _shape(polar, closed, MEMBER)
    theirs = _shape(polar, closed, CHANNEL)
    cx, cy = centre()
    for index, spoke_title in enumerate(titles):
        a = angle(index, count)
        x, y = cx + (SIZE / 2 + 16) * math.cos(a), cy - (SIZE / 2 + 16) * math.sin(a)
        ha = "center" if abs(math.cos(a)) < 0.2 else ("left" if math.cos(a) > 0 else "right")
        va = "center" if abs(math.sin(a)) < 0.2 else ("bottom" if math.sin(a) > 0 else "top")
        label = "\n".join(textwrap.wrap(spoke_title, 16))
        canvas.text(ax, x, y, label, fontsize=9, ha=ha, va=va, multialignment="center")
    legend_y = HEIGHT - 34
    first = legend[0] if scored else f"{legend[0]} (no scores yet)"
    keys = []
    for colour, label in ((MEMBER, first), (CHANNEL, legend[1])):
        canvas.text(ax, 0, legend_y, label, fontsize=10, va="center")
        keys.append((colour, ax.texts[-1], canvas.width_of(ax.texts[-1])))
    x = (WIDTH - sum(18 + width for _, _, width in keys) - 32 * (len(keys) - 1)) / 2
    for colour, words, width in keys:  # the key centred, each label measured
        canvas.box(ax, x, legend_y - 6, 12, 12, colour)
        words.set_x(x + 18)
        x += 18 + width + 32
    rim = polar.spines["polar"]
    template = canvas.Template(fig, [title, *mine, *theirs, polar.xaxis, polar.yaxis, rim])
    # The ticks (grid line and label each) as drawn: drawing them one by one skips the
    # axes' own layout of their labels, the same every time.
    ticks = [
        tick
        for axis in (polar.xaxis, polar.yaxis)
        for tick in axis.get_major_ticks()[: len(axis.get_majorticklocs())]
    ]
    return _Radar(template, title, polar, (mine, theirs), ticks, closed)


_RADARS = canvas.Kept(_radar)
"""A rubric's frame (grid, spoke titles, key) is the same for every member."""


def draw(spokes: Sequence[Spoke], who: str, legend: tuple[str, str] = MEMBER_LEGEND) -> Picture:
    """`legend` names the two shapes: the member and their channel, or (on the web page) a
    channel and its workspace. Over the kept frame go, in the order a whole drawing takes
    them, the fills, the grid and ticks, the outlines and the rim, so the picture is the
    one a whole drawing gives, pixel for pixel."""
    if len(spokes) < 3:
        raise ValueError("a radar needs at least three signals")
    titles = tuple(s.title for s in spokes)
    scored = any(s.member is not None for s in spokes)
    radar = _RADARS.get((titles, legend, scored), titles, legend, scored)
    radar.title.set_text(f"Rubric radar: {canvas.shorten(who, 36)}")
    fills, outlines = [], []
    for (fill, outline), values in zip(
        radar.shapes, ([s.member for s in spokes], [s.channel for s in spokes]), strict=True
    ):
        if all(v is None for v in values):
            continue  # an unscored shape is not drawn at all
        radii = [v if v is not None else 0.0 for v in values]
        closed_r = [*radii, radii[0]]
        fill.set_xy(list(zip(radar.thetas, closed_r, strict=True)))
        outline.set_ydata(closed_r)
        fills.append(fill)
        outlines.append(outline)
    polar = radar.polar
    artists = [*fills, *radar.ticks, *outlines, polar.spines["polar"], radar.title]
    against = "channel" if legend == MEMBER_LEGEND else "workspace"
    return Picture(
        radar.template.render(artists), alt_text(spokes, who, against), "rubric-radar.png"
    )


def _shape(polar: PolarAxes, closed_thetas: list[float], colour: str) -> tuple[Polygon, Line2D]:
    """One closed shape's fill and outline, at the centre until a picture sets its radii."""
    zeros = [0.0] * len(closed_thetas)
    (fill,) = polar.fill(closed_thetas, zeros, color=colour, alpha=0.35, linewidth=0)
    (outline,) = polar.plot(closed_thetas, zeros, color=colour, linewidth=2)
    return fill, outline


def spokes_for(
    titles: Mapping[str, str], member: Mapping[str, float], channel: Mapping[str, float]
) -> list[Spoke]:
    """Spokes in the rubric's order, from `titles` (signal key -> title)."""
    return [Spoke(title, member.get(key), channel.get(key)) for key, title in titles.items()]
