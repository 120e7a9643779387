"""The console adapter, driven the way a newcomer meets it: `kata run` with lines on stdin."""

from __future__ import annotations

import csv
import ctypes
import fcntl
import io
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.adapter import ConsoleAdapter
from bot.core import Kata
from bot.settings import PROJECT_ROOT
from tests.support.harness import Harness

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


def console_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp / 'kata.db'}", "PYTHONPATH": str(PROJECT_ROOT)}


def kata(*args: str, stdin: str = "", tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kata.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp,
        env=console_env(tmp),
        timeout=120,
    )


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_script_still_being_piped_in_stops_cleanly_on_ctrl_c_or_sigterm(
    tmp_path: Path, sent: signal.Signals
) -> None:
    """The input stays open (a script still being written, a `tail -f`): the session ends at
    once, with status 0, and what it already did is kept."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kata.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env=console_env(tmp_path),
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"/kata setup 09:00 UTC\n")
        proc.stdin.flush()
        seen = b""
        while b"Design Kata is set up here" not in seen:
            line = proc.stdout.readline()
            assert line, seen.decode(errors="replace")
            seen += line
        proc.send_signal(sent)
        assert proc.wait(timeout=15) == 0
    finally:
        proc.kill()
        proc.wait()
    again = kata("run", stdin="/kata setup 09:00 UTC\n", tmp=tmp_path).stdout
    assert "Schedule changed" in again and "Design Kata is set up here" not in again


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
    assert "1. bo: 13 pts" in out  # 10, and 3 for the review bo was assigned at wrap-up
    assert "Please review bo's answers (round #1)" in out
    assert "There is no command 'dance'" in out
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


async def console_session(kata: Kata, script: str, export_dir: Path) -> str:
    """One `kata run` process with piped input, in-process so the test owns the clock."""
    out = io.StringIO()
    console = ConsoleAdapter(
        kata, stdin=io.StringIO(script), stdout=out, interactive=False, export_dir=export_dir
    )
    kata.attach(console)
    await console.run()
    return out.getvalue()


async def test_answers_count_on_the_day_after_a_console_restart(
    harness: Harness, tmp_path: Path
) -> None:
    day = "/kata setup 09:00 UTC daily\n/kata pace manual\n/kata now\n/kata next\n/as ben\n"
    day += "".join(f"scope: ben's answer {n}\n" for n in range(6))
    day += "".join(f"/kata answer data: ben's data {n}\n" for n in range(6))
    first = await console_session(harness.kata, day, tmp_path)
    assert first.count("(bot reacted :white_check_mark:)") == 6
    assert first.count("Answer recorded for round #1.") == 6
    restarted = await harness.restart()
    restarted.clock.set(harness.clock.now() + timedelta(days=1))
    second = await console_session(restarted.kata, day + "/kata stats\n", tmp_path)
    assert "Design Kata #2: " in second
    assert second.count("(bot reacted :white_check_mark:)") == 6
    assert second.count("Answer recorded for round #2.") == 6
    assert "Points here / everywhere: 18 / 18" in second


def test_after_a_restart_a_plain_reply_still_answers_the_open_round(tmp_path: Path) -> None:
    kata("run", stdin="/kata setup 09:00 UTC\n/kata now\n", tmp=tmp_path)
    again = kata("run", stdin="my answer after a restart\n/kata leaderboard all\n", tmp=tmp_path)
    assert "No round yet" not in again.stdout
    assert "(bot reacted :white_check_mark:)" in again.stdout
    assert "1. you: 7 pts" in again.stdout


async def test_the_console_says_what_to_type_instead_of_showing_buttons(
    harness: Harness, tmp_path: Path
) -> None:
    out = await console_session(
        harness.kata, "/kata setup 09:00 UTC\n/kata pace manual\n/kata now\n", tmp_path
    )
    assert "[Next stage]" not in out and "[Give feedback]" not in out
    assert "(type /kata next for the next stage" in out
    assert "/kata feedback NAME" in out


async def test_each_members_export_gets_its_own_file_and_its_path_is_shown(
    harness: Harness, tmp_path: Path
) -> None:
    script = (
        "/kata setup 09:00 UTC\n/kata now\nmy answer\n/kata export\n"
        "/as bo\nbo's answer\n/kata export\n/as you\n/kata export\n"
    )
    out = await console_session(harness.kata, script, tmp_path)
    saved = exports_in(tmp_path)
    assert sorted(saved) == sorted(
        f"kata-my-data-{who}-20261123-070000{n}.csv"
        for who, n in (("you", ""), ("bo", ""), ("you", "-2"))
    )
    for name in saved:
        assert f"saved to {tmp_path / name}" in out
    assert "bo's answer" in saved["kata-my-data-bo-20261123-070000.csv"]
    assert "my answer" in saved["kata-my-data-you-20261123-070000-2.csv"]


def exports_in(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.glob("*.csv")}


class Terminal:
    """`kata run` at a real pseudo-terminal, typed into key by key like a person would."""

    def __init__(self, tmp: Path, pythonpath: str = "") -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp / 'kata.db'}",
            PYTHONPATH=os.pathsep.join(p for p in (pythonpath, str(PROJECT_ROOT)) if p),
            TERM="xterm",
        )
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kata.cli", "run"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=tmp,
            env=env,
            start_new_session=True,
            preexec_fn=_take_the_terminal,
        )
        os.close(slave)
        self.output = ""
        self._seen = 0

    def expect(self, text: str, timeout: float = 60) -> str:
        """Read until `text` appears after what earlier calls consumed; return what came."""
        deadline = time.monotonic() + timeout
        while text not in self.output[self._seen :]:
            assert time.monotonic() < deadline, f"no {text!r} in {self.output[-2000:]!r}"
            self._pump(b"")
        start, self._seen = self._seen, self.output.index(text, self._seen) + len(text)
        return self.output[start : self._seen]

    def type(self, line: str) -> None:
        data = (line + "\r").encode()
        while data:
            data = self._pump(data)

    def half_a_line_after_help(self) -> None:
        """Ask for the help, then type half a line at the next prompt, without Enter."""
        self.expect("you> ")
        self.type("/kata help")
        self.expect("you> ")
        os.write(self.master, b"half a thought")
        self.expect("half a thought")

    def _pump(self, data: bytes) -> bytes:
        readable, writable, _ = select.select([self.master], [self.master] if data else [], [], 1)
        if readable:
            try:
                self.output += os.read(self.master, 65536).decode(errors="replace")
            except OSError:  # the other side closed
                pass
        if writable:
            data = data[os.write(self.master, data[:512]) :]
        return data

    def exit_code(self, timeout: float = 60) -> int:
        """Wait for the process to end, reading what it writes meanwhile."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, f"still running: {self.output[-2000:]!r}"
            self._pump(b"")
        return self.proc.returncode

    def close(self) -> None:
        try:
            self.proc.wait(timeout=60)
        finally:
            self.proc.kill()
            os.close(self.master)


def _reading_thread(pid: int) -> int | None:
    """The thread of `pid` that waits in select/poll on the terminal: readline's loop."""
    for tid in sorted(int(t) for t in os.listdir(f"/proc/{pid}/task")):
        wchan = Path(f"/proc/{pid}/task/{tid}/wchan").read_text()
        if tid != pid and ("poll" in wchan or "select" in wchan):
            return tid
    return None


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "tgkill"),
    reason="sending a signal to one thread of another process needs Linux's tgkill",
)
def test_a_ctrl_c_taken_by_the_thread_reading_the_terminal_still_ends_the_console(
    tmp_path: Path,
) -> None:
    """The kernel hands a Ctrl-C to any thread of the process. When the thread reading the
    terminal took it, the console went on waiting at its prompt (seen once in CI)."""
    term = Terminal(tmp_path)
    try:
        term.half_a_line_after_help()
        deadline = time.monotonic() + 10
        while (reader := _reading_thread(term.proc.pid)) is None:
            assert time.monotonic() < deadline, "no thread of kata run waits on the terminal"
            time.sleep(0.05)
        assert ctypes.CDLL(None, use_errno=True).tgkill(term.proc.pid, reader, signal.SIGINT) == 0
        assert term.exit_code(timeout=15) == 0
    finally:
        term.close()


def _take_the_terminal() -> None:
    """Make the pty the child's controlling terminal, so Ctrl-C reaches it as SIGINT."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _long_answer(chars: int) -> str:
    words = " ".join(f"w{n}" for n in range(chars))
    return (words[: chars - len(" THE END")] + " THE END")[:chars]


def _start_a_round(term: Terminal) -> None:
    term.expect("you> ")
    term.type("/kata setup 09:00 UTC")
    term.expect("you> ")
    term.type("/kata now")
    term.expect("Answer in its thread")
    term.expect("you> ")


def test_an_answer_longer_than_the_terminal_line_limit_is_stored_whole(tmp_path: Path) -> None:
    answer = _long_answer(5000)
    term = Terminal(tmp_path)
    try:
        _start_a_round(term)
        term.type(answer)
        term.expect("(bot reacted :white_check_mark:)")
        term.expect("you> ")
        term.type("/kata export")
        saved = term.expect("you> ")
        term.type("/quit")
    finally:
        term.close()
    [path] = re.findall(r"saved (?:\S+ )?to (\S+\.csv)", saved)
    rows = list(csv.DictReader(io.StringIO((tmp_path / path).read_text(), newline="")))
    [stored] = [r["text"] for r in rows if r["kind"] == "answer"]
    assert stored == answer


def test_without_readline_a_line_cut_by_the_terminal_is_refused_not_stored(
    tmp_path: Path,
) -> None:
    hide = tmp_path / "no-readline"
    hide.mkdir()
    (hide / "readline.py").write_text("raise ImportError('this Python has no readline')\n")
    term = Terminal(tmp_path, pythonpath=str(hide))
    try:
        _start_a_round(term)
        term.type(_long_answer(5000))
        said = term.expect("you> ")
        term.type("/kata export")
        saved = term.expect("you> ")
        term.type("/quit")
    finally:
        term.close()
    assert "limit of 4,095 characters" in said and "white_check_mark" not in said
    [path] = re.findall(r"saved to (\S+\.csv)", saved)
    assert ",answer," not in Path(path).read_text()


def test_ctrl_c_mid_line_leaves_the_terminal_as_it_found_it(tmp_path: Path) -> None:
    term = Terminal(tmp_path)
    before = termios.tcgetattr(term.master)
    try:
        term.half_a_line_after_help()
        os.write(term.master, b"\x03")
        assert term.exit_code() == 0
        after = termios.tcgetattr(term.master)
    finally:
        term.close()
    assert after == before
