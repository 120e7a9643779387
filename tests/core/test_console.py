"""The console adapter, driven the way a newcomer meets it: `kata run` with lines on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

SCRIPT = """\
/kata setup 09:00 Europe/Berlin mon-fri
/kata pace manual
/kata now
/kata next
Members worldwide; films and series; the goal is watch time.
/as bo
/kata next
Input: watch history and ratings. Output: 20 ranked titles.
/as you
/kata next
/kata next
/kata next
/kata next
/kata next
/kata next
/kata next
/kata next
/kata next
/as bo
/kata feedback you problem=3 communication=4 strength: clear goal improve: name a latency budget
/kata leaderboard
/kata streak
/kata dance
"""


def kata(*args: str, stdin: str = "", tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp / 'kata.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        timeout=120,
    )


def test_a_scripted_console_session_shows_a_full_round(tmp_path: Path) -> None:
    result = kata("run", stdin=SCRIPT, tmp=tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Design Kata is set up here" in out
    assert "Design Kata #1: " in out
    for n in range(1, 11):
        assert f"Stage {n}/10: " in out
    assert "(bot reacted :white_check_mark:)" in out
    assert "Wrap-up: " in out
    assert "What a strong answer covers" in out
    assert "- you: 1 stage: Scope clarification" in out
    assert "- bo: 1 stage: Functional requirements" in out
    assert "(private to you) bot:" in out and "bo reviewed your answers" in out
    assert "1. bo: 10 pts" in out
    assert "I don't know the command 'dance'" in out
    assert "Traceback" not in out + result.stderr


def test_a_restarted_console_keeps_the_team_data(tmp_path: Path) -> None:
    kata("run", stdin="/kata setup 09:00 UTC\n/kata now\nmy answer\n", tmp=tmp_path)
    again = kata("run", stdin="/kata leaderboard all\n/kata now\n", tmp=tmp_path)
    assert "1. you: 7 pts" in again.stdout
    assert "already running" in again.stdout


def test_run_without_migrating_stops_with_a_clear_message(tmp_path: Path) -> None:
    result = kata("run", "--no-migrate", tmp=tmp_path)
    assert result.returncode == 1
    assert "Run: kata migrate" in result.stderr
    assert kata("migrate", tmp=tmp_path).returncode == 0
    assert kata("run", "--no-migrate", stdin="/kata help\n", tmp=tmp_path).returncode == 0


def test_content_check_exits_non_zero_and_names_problems(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "framework.yaml").write_text("version: 2\n")
    result = kata("content", "check", "--dir", str(tmp_path), tmp=tmp_path)
    assert result.returncode == 1
    assert "framework.yaml:1: version" in result.stderr
    assert "no prompt files found" in result.stderr
