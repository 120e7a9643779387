"""A member who asks for `stats` sees their practice as pictures, and a closed week's final
board shows its leaders as bars: the PNGs decode, have the size the layout promises, and the
right squares, shapes and bars are where a known history puts them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from PIL import Image

from bot.chat import Picture
from bot.pictures import bars, canvas, heatmap, radar
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

MONDAY = date(2026, 11, 23)


def decoded(picture: Picture) -> Image.Image:
    assert picture.png.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(picture.png)).convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def near(pixel: tuple[int, ...], colour: str, tolerance: int = 4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, rgb(colour), strict=False))


async def a_week_of_practice(harness: Harness, chat: MemoryChat) -> None:
    """Mon: ana answers and reviews bo. Tue: only bo answers. Wed: skipped. Thu: ana answers
    and bo reviews her."""
    lead = await chat.start_round("09:00 Europe/Berlin mon-fri")
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.command(lead, "skip 2026-11-25")
    await chat.reply(ana, "scope: one region first")
    await chat.reply(bo, "scope: every region")
    await chat.command(
        ana,
        "feedback bo problem=4 data=1 strength: sharp goal improve: name the data",
        thread=chat.latest_thread(),
    )
    await harness.advance(days=1, hours=1)  # Tuesday 09:00 Berlin
    await chat.reply(bo, "scope: again")
    await harness.advance(days=2)  # Thursday 09:00 (Wednesday was skipped)
    await chat.reply(ana, "scope: back again")
    await chat.command(
        bo,
        "feedback ana problem=1 data=4 strength: good data improve: frame it",
        thread=chat.latest_thread(),
    )


async def test_stats_shows_a_calendar_with_each_round_day_as_the_member_lived_it(
    harness: Harness, chat: MemoryChat
) -> None:
    await a_week_of_practice(harness, chat)
    out = await chat.command(chat.member("ana"), "stats")
    calendar = next(p for p in out.replies[0].message.pictures if p.filename.endswith(".png"))
    image = decoded(calendar)
    assert image.size == (heatmap.WIDTH, heatmap.HEIGHT)
    today = date(2026, 11, 26)
    expected = {
        MONDAY: "reviewed",
        date(2026, 11, 24): "missed",
        date(2026, 11, 25): "excused",
        date(2026, 11, 26): "answered",
        date(2026, 11, 22): None,  # a Sunday: no round
        date(2026, 1, 5): None,  # long before ana joined
    }
    for day, mark in expected.items():
        pixel = image.getpixel(heatmap.cell_centre(day, today))
        assert near(pixel, heatmap.COLOURS[mark]), (day, mark, pixel)
    assert "1 answered, 1 reviewed a teammate, 1 missed, 1 skipped / holiday" in calendar.alt


async def test_the_radar_sets_the_members_average_against_the_channels(
    harness: Harness, chat: MemoryChat
) -> None:
    await a_week_of_practice(harness, chat)
    out = await chat.command(chat.member("bo"), "stats")
    [_, shape] = out.replies[0].message.pictures
    image = decoded(shape)
    assert image.size == (radar.WIDTH, radar.HEIGHT)
    # bo got problem=4, data=1; the channel (bo and ana) averages 2.5 on both.
    problem, data = 0, 1
    mine = image.getpixel(radar.point(problem, 5, 3.2, turn=0.05))
    theirs = image.getpixel(radar.point(data, 5, 1.6, turn=-0.05))
    nobodys = image.getpixel(radar.point(data, 5, 3.2, turn=-0.05))
    assert mine[2] - mine[0] > 40, mine  # bo's blue shape reaches past the channel's
    assert theirs[0] - theirs[2] > 40, theirs  # only the channel's orange shape reaches here
    assert min(nobodys) > 240, nobodys  # neither reaches here: the plot's white
    assert "Problem understanding 4.0 (channel 2.5)" in shape.alt


async def test_a_member_with_no_history_gets_numbers_without_pictures(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri")
    out = await chat.command(chat.member("cy"), "stats", channel="C-elsewhere")
    assert out.replies[0].message.pictures == ()
    assert "Points here / everywhere: 0 / 0" in out.text


async def test_the_final_board_shows_the_weeks_leaders_as_bars_in_proportion(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon,fri")
    await chat.reply(chat.member("ana"), "scope: an answer")
    await chat.reply(chat.member("bo"), "scope: an answer")
    await chat.reply(chat.member("bo"), "metrics: another")
    await chat.reply(chat.member("bo"), "data: and more")
    await harness.advance(days=7, hours=1)  # next Monday 09:00 Berlin
    [board] = [p for p in chat.posts if p.where == "channel" and p.thread is None]
    assert "1. bo: 11 pts\n2. ana: 7 pts" in board.text
    [picture] = board.message.pictures
    image = decoded(picture)
    assert image.size == (bars.WIDTH, bars.height(2))
    lengths = [bar_pixels(image, row) for row in range(2)]
    assert abs(lengths[0] - bars.BAR_SPAN) <= 2
    assert abs(lengths[1] - bars.BAR_SPAN * 7 / 11) <= 2
    assert near(image.getpixel((bars.BAR_LEFT + 5, bars.row_middle(0))), bars.LEADER)
    assert "bo 11 pts, ana 7 pts" in picture.alt


def bar_pixels(image: Image.Image, row: int) -> int:
    """How far the bar in `row` reaches right of where bars start, in pixels."""
    y, length = bars.row_middle(row), 0
    while not near(image.getpixel((bars.BAR_LEFT + length, y)), "#F3F4F6", 30):
        length += 1
    return length


async def test_names_that_look_like_mathematics_are_drawn_as_typed(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri")
    odd = chat.member("$\\frac{a}{$ {{ }} \U0001f600")
    await chat.reply(odd, "scope: hello")
    out = await chat.command(odd, "stats")
    [calendar] = out.replies[0].message.pictures
    assert decoded(calendar).size == (heatmap.WIDTH, heatmap.HEIGHT)
    assert "$\\frac{a}{$" in calendar.alt


async def test_the_latest_round_counts_as_missed_only_once_the_next_one_is_posted(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri")
    bo = chat.member("bo")
    await chat.reply(bo, "scope: monday's answer")
    await harness.advance(days=1, hours=1)  # Tuesday's round, which bo has not answered yet
    tuesday = date(2026, 11, 24)

    async def tuesday_colour() -> tuple[int, ...]:
        out = await chat.command(bo, "stats")
        [calendar] = out.replies[0].message.pictures
        today = harness.clock.now().date()
        return decoded(calendar).getpixel(heatmap.cell_centre(tuesday, today))

    assert near(await tuesday_colour(), heatmap.COLOURS[None])  # still open: answers count
    await harness.advance(days=1)  # Wednesday's round closes Tuesday's
    assert near(await tuesday_colour(), heatmap.COLOURS["missed"])


def test_a_charts_png_is_valid_and_holds_exactly_the_pixels_drawn() -> None:
    """`canvas.png_rgb` writes the PNG itself (unfiltered rows): Pillow checks every chunk's
    CRC and decodes the very pixels matplotlib drew."""
    fig, ax = canvas.figure(121, 37)
    canvas.box(ax, 10, 5, 50, 20, radar.MEMBER)
    canvas.text(ax, 70, 30, "Bo", fontsize=9)
    png = canvas.png(fig)
    Image.open(io.BytesIO(png)).verify()
    drawn = np.asarray(fig.canvas.buffer_rgba())[:, :, :3]
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), drawn)
    assert len(png) < drawn.size // 4, "compressed"


def key_overlaps(fig: Any, key_y: float, labels: Sequence[str], width: int) -> list[str]:
    """Labels of a chart's key (the swatches on row `key_y`) that run into what follows."""
    renderer = fig.canvas.get_renderer()
    swatches = sorted(p.get_x() for p in fig.axes[0].patches if p.get_y() == key_y)
    texts = [t for t in fig.axes[0].texts if t.get_text() in labels]
    assert len(swatches) == len(texts) == len(labels)
    ends = [t.get_window_extent(renderer).x1 for t in texts]
    limits = [x - 8 for x in swatches[1:]] + [width]
    return [t.get_text() for t, end, limit in zip(texts, ends, limits, strict=True) if end > limit]


def test_no_key_label_runs_into_the_next_swatch() -> None:
    calendar = heatmap._calendar(MONDAY).template.fig
    key_y = heatmap.TOP + 7 * heatmap.PITCH + 20
    assert key_overlaps(calendar, key_y, list(heatmap.LEGEND.values()), heatmap.WIDTH) == []
    titles = ("Problem", "Data", "Modelling", "Deployment", "Communication")
    for legend, scored in ((radar.MEMBER_LEGEND, False), (radar.CHANNEL_LEGEND, True)):
        chart = radar._radar(titles, legend, scored).template.fig
        shown = [legend[0] if scored else f"{legend[0]} (no scores yet)", legend[1]]
        assert key_overlaps(chart, radar.HEIGHT - 40, shown, radar.WIDTH) == []
