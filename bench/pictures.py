"""How long the charts take to draw, against a floor, and whether drawing stalls the loop.

    python -m bench.pictures [--rounds N]

- floor: a blank card of the same size saved as PNG (`canvas.figure` + `canvas.png`, nothing
  drawn): what any matplotlib PNG of that size costs. Each chart's p50/p95 draw time is shown
  beside it and as a ratio to its floor, all measured in this run, after one warm-up draw
  each (the first draw loads fonts).
- loop stall: a ticker on the event loop sleeps 5 ms at a time and notes the longest gap
  between its wake-ups, first while the loop is idle, then while 16 charts are drawn through
  `draw_later` (worker threads). Similar gaps mean drawing never blocks the loop.

Plain data, no database, no network. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

from bot.chat import Picture
from bot.pictures import bars, canvas, heatmap, radar

TODAY = date(2026, 11, 27)


def sample_marks() -> dict[date, heatmap.Mark]:
    marks: dict[date, heatmap.Mark] = {}
    for n in range(365):
        day = TODAY - timedelta(days=n)
        if day.weekday() < 5:
            marks[day] = heatmap.MARKS[(n * 7) % 4]
    return marks


def sample_spokes() -> list[radar.Spoke]:
    titles = ("Problem", "Data and features", "Modelling", "Deployment", "Communication")
    return [radar.Spoke(t, 1 + i * 0.6, 2.5) for i, t in enumerate(titles)]


def sample_bars() -> list[bars.Bar]:
    return [bars.Bar(f"member {n}", 60 - n * 5) for n in range(10)]


def blank(width: int, height: int) -> Picture:
    fig, _ = canvas.figure(width, height)
    return Picture(canvas.png(fig), "", "blank.png")


def timed(draw: Callable[[], Picture], rounds: int) -> list[float]:
    draw()
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        canvas.drawn(draw)
        out.append((time.perf_counter() - start) * 1000)
    return out


async def longest_gap(seconds: float, work: Callable[[], object] | None = None) -> float:
    gaps: list[float] = []
    stop = time.perf_counter() + seconds

    async def tick() -> None:
        last = time.perf_counter()
        while time.perf_counter() < stop:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last - 0.005)
            last = now

    ticker = asyncio.create_task(tick())
    if work is not None:
        await work()  # type: ignore[misc]
    await ticker
    return max(gaps) * 1000


async def main(rounds: int) -> None:
    charts: dict[str, tuple[Callable[[], Picture], tuple[int, int]]] = {
        "calendar": (
            lambda: heatmap.draw(sample_marks(), TODAY, "bench"),
            (heatmap.WIDTH, heatmap.HEIGHT),
        ),
        "radar": (lambda: radar.draw(sample_spokes(), "bench"), (radar.WIDTH, radar.HEIGHT)),
        "bars": (lambda: bars.draw("Final board", sample_bars()), (bars.WIDTH, bars.height(10))),
    }
    print(f"{'chart':10} {'p50 ms':>8} {'p95 ms':>8} {'floor p50':>10} {'ratio':>6} {'bytes':>7}")
    for name, (draw, (width, height)) in charts.items():
        times = timed(draw, rounds)
        floor = timed(lambda w=width, h=height: blank(w, h), rounds)  # type: ignore[misc]
        p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
        floor50 = statistics.median(floor)
        size = len(draw().png)
        print(f"{name:10} {p50:8.1f} {p95:8.1f} {floor50:10.1f} {p50 / floor50:6.2f} {size:7}")

    async def sixteen() -> None:
        await asyncio.gather(*(canvas.draw_later(charts["calendar"][0]) for _ in range(16)))

    idle = await longest_gap(1.0)
    busy = await longest_gap(1.0, sixteen)
    print(f"longest event-loop gap: idle {idle:.1f} ms, drawing 16 calendars {busy:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(main(parser.parse_args().rounds))
