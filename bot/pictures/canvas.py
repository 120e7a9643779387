"""The card every chart is drawn on, in pixels, and the one place that touches matplotlib.

Charts are drawn on a full-figure axes whose data units are pixels with y pointing down, so a
chart's layout (and a test sampling its cells) is plain arithmetic. The card is a light neutral
grey with dark ink: it reads the same on a light or a dark chat theme, like a photo would.
Only the object-oriented API is used (no pyplot): no global figure state, safe in a worker
thread. Text drawing in matplotlib's font layer is not thread-safe, so one lock serialises
renders; they are short, and they run off the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import io
import threading
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.chat import Picture

DPI = 100
CARD = "#F3F4F6"
INK = "#1F2328"
MUTED = "#59636E"
FONT = "DejaVu Sans"
"""Shipped with matplotlib, so a chart looks the same on every machine."""

_RENDERING = threading.Lock()
P = ParamSpec("P")


def figure(width: int, height: int) -> tuple[Figure, Axes]:
    """A `width` x `height` pixel card and an axes over all of it in pixel units (y down)."""
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=CARD)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return fig, ax


def box(ax: Axes, x: float, y: float, width: float, height: float, colour: str) -> None:
    """A filled rectangle with its top-left corner at (x, y)."""
    ax.add_patch(Rectangle((x, y), width, height, facecolor=colour, edgecolor="none"))


def boxes(
    ax: Axes, corners: Sequence[tuple[float, float]], size: float, colours: Sequence[str]
) -> None:
    """Many `size` squares (top-left corners) as one artist: a calendar draws hundreds."""
    squares = [[(x, y), (x + size, y), (x + size, y + size), (x, y + size)] for x, y in corners]
    ax.add_collection(
        PolyCollection(squares, facecolors=list(colours), edgecolors="none", antialiased=False)
    )


def text(ax: Axes, x: float, y: float, words: str, **style: Any) -> None:
    """Text exactly as given: a member's `$name$` must never turn into mathematics."""
    style.setdefault("color", INK)
    style.setdefault("fontsize", 10)
    style.setdefault("fontfamily", FONT)
    ax.text(x, y, words, parse_math=False, **style)


def png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor=fig.get_facecolor())
    return out.getvalue()


def drawn(draw: Callable[P, Picture], *args: P.args, **kwargs: P.kwargs) -> Picture:
    """Run one chart's drawing under the render lock."""
    with _RENDERING:
        return draw(*args, **kwargs)


async def draw_later(draw: Callable[P, Picture], *args: P.args, **kwargs: P.kwargs) -> Picture:
    """Draw in a worker thread so the event loop keeps serving other members meanwhile."""
    return await asyncio.to_thread(functools.partial(drawn, draw, *args, **kwargs))


def shorten(words: str, limit: int) -> str:
    return words if len(words) <= limit else words[: limit - 1] + "…"
