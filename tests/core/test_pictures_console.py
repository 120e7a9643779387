"""In a terminal, `stats` saves its pictures as PNG files and prints what each shows and where
it is, since a terminal cannot show them."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from bot.pictures import heatmap
from tests.core.test_console import console_session
from tests.core.test_pictures import near
from tests.support.harness import Harness


async def test_the_console_saves_the_stats_pictures_and_prints_their_paths(
    harness: Harness, tmp_path: Path
) -> None:
    script = "/kata setup 09:00 UTC daily\n/kata now\nmy answer\n/kata stats\n/kata stats\n"
    out = await console_session(harness.kata, script, tmp_path)
    first, second = tmp_path / "practice-calendar.png", tmp_path / "practice-calendar-2.png"
    assert f"saved to {first} (open it to see it)" in out
    assert f"saved to {second} (open it to see it)" in out  # an earlier picture is kept
    assert "picture: Practice calendar of you for the 52 weeks up to 23 Nov 2026" in out
    with Image.open(first) as image:
        assert image.size == (heatmap.WIDTH, heatmap.HEIGHT)
        centre = heatmap.cell_centre(harness.clock.now().date(), harness.clock.now().date())
        assert near(image.convert("RGB").getpixel(centre), heatmap.COLOURS["answered"])
