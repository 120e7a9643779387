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
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bot.chat import Picture

DPI = 100
PNG_LEVEL = 1
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
) -> PolyCollection:
    """Many `size` squares (top-left corners) as one artist: a calendar draws hundreds."""
    squares = [[(x, y), (x + size, y), (x + size, y + size), (x, y + size)] for x, y in corners]
    collection = PolyCollection(
        squares, facecolors=list(colours), edgecolors="none", antialiased=False
    )
    ax.add_collection(collection)
    return collection


def text(ax: Axes, x: float, y: float, words: str, **style: Any) -> None:
    """Text exactly as given: a member's `$name$` must never turn into mathematics."""
    style.setdefault("color", INK)
    style.setdefault("fontsize", 10)
    style.setdefault("fontfamily", FONT)
    ax.text(x, y, words, parse_math=False, **style)


def width_of(words: Text) -> float:
    """Drawn text's width in pixels, so what follows it on a line never overlaps it."""
    figure = words.get_figure()
    assert isinstance(figure, Figure) and isinstance(figure.canvas, FigureCanvasAgg)
    return float(words.get_window_extent(figure.canvas.get_renderer()).width)


def png(fig: Figure) -> bytes:
    """The whole figure drawn and encoded."""
    fig.canvas.draw()
    return encoded(fig)


def encoded(fig: Figure) -> bytes:
    """The figure's pixels as drawn so far, as PNG (`png_rgb`)."""
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return png_rgb(np.asarray(canvas.buffer_rgba())[:, :, :3])


def png_rgb(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> bytes:
    """An opaque RGB picture (rows x columns x 3) as PNG: every row unfiltered, then zlib
    at level 1. A chart is flat colour, which deflate packs well without PNG's row filters;
    Pillow tries the filters on every row, which took 3.3 ms of a radar's 5 ms encode for
    a file a fifth larger (`bench.boards`' machine)."""
    height, width, _ = pixels.shape
    rows = np.zeros((height, 1 + width * 3), dtype=np.uint8)
    rows[:, 1:] = pixels.reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_LEVEL)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class Template:
    """A chart's unchanging part drawn once and kept as pixels (matplotlib's blitting), so
    each picture draws only what differs: a calendar's squares and title, a radar's shapes.
    Used under the render lock only, like every figure here."""

    def __init__(self, fig: Figure, changing: Sequence[Artist]) -> None:
        self.fig = fig
        canvas = fig.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        for artist in changing:
            artist.set_visible(False)
        canvas.draw()
        self.background = canvas.copy_from_bbox(fig.bbox)
        for artist in changing:
            artist.set_visible(True)

    def render(self, artists: Sequence[Artist]) -> bytes:
        """The kept background with `artists` drawn over it (in this order), as PNG."""
        canvas = self.fig.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        canvas.restore_region(self.background)
        for artist in artists:
            assert artist.axes is not None
            artist.axes.draw_artist(artist)
        return encoded(self.fig)


T = TypeVar("T")


class Kept(Generic[T]):
    """The last few templates of a chart, by what their unchanging part shows (a day, a
    rubric): building one costs as much as drawing the whole chart."""

    def __init__(self, build: Callable[..., T], size: int = 4) -> None:
        self.build = build
        self.size = size
        self.kept: OrderedDict[Hashable, T] = OrderedDict()

    def get(self, key: Hashable, *args: Any) -> T:
        if key in self.kept:
            self.kept.move_to_end(key)
            return self.kept[key]
        made = self.kept[key] = self.build(*args)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)
        return made


def drawn(draw: Callable[P, Picture], *args: P.args, **kwargs: P.kwargs) -> Picture:
    """Run one chart's drawing under the render lock."""
    with _RENDERING:
        return draw(*args, **kwargs)


async def draw_later(draw: Callable[P, Picture], *args: P.args, **kwargs: P.kwargs) -> Picture:
    """Draw in a worker thread so the event loop keeps serving other members meanwhile."""
    return await asyncio.to_thread(functools.partial(drawn, draw, *args, **kwargs))


def shorten(words: str, limit: int) -> str:
    return words if len(words) <= limit else words[: limit - 1] + "…"
