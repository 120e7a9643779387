"""A terminal chat for trying Design Kata without any platform token.

The person at the terminal is a member of one practice channel, `#practice`. Lines starting
with `/kata` run commands, `/as NAME` switches who is speaking, `/quit` leaves, and any other
line is a reply in the channel's open round (asked of the core each time, so a restart
changes nothing). When standard input is not a terminal the same lines are read from it and
the adapter stops when it ends.

At a terminal, lines are read with GNU readline where Python has it: it reads the terminal
key by key, so a line can be as long as a member likes (the kernel's own line editing stops
at 4,095 characters), and it brings line editing and history. Without readline, a line cut
at that limit is refused with a word rather than stored cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import queue
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from bot.chat import (
    Actor,
    ChannelRef,
    CommandInvoked,
    Form,
    MessagePosted,
    MessageRef,
    Once,
    Outcome,
    OutgoingMessage,
    ThreadRef,
    UserRef,
)
from bot.port import Core

WORKSPACE = "local"
CHANNEL = "practice"
CONSOLE_HELP = """\
Console commands:
  /kata <command>   run a Design Kata command as the current member (try /kata help)
  /as NAME [admin]  speak as another member (add 'admin' to give them admin rights)
  /quit             leave
Any other line is a reply in the current round's thread."""
TTY_LINE_LIMIT = 4095
"""Linux's canonical-mode line buffer: a terminal line longer than this arrives cut."""
LINE_CUT = (
    "That line reached the terminal's limit of 4,095 characters and arrived cut, so I did "
    "not record it. Send a long answer in parts (start each with its stage, e.g. model: ...), "
    "or pipe it in: kata run < answer.txt"
)
BUTTON_HINTS = {
    "next": "/kata next for the next stage",
    "feedback": "/kata feedback NAME strength: ... improve: ... to review a teammate",
    "stats": "/kata stats for your numbers",
}


class ConsoleAdapter:
    platform = "console"

    def __init__(
        self,
        kata: Core,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
        export_dir: Path = Path("exports"),
    ) -> None:
        self.kata = kata
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.export_dir = export_dir
        self.channel = ChannelRef(self.platform, WORKSPACE, CHANNEL)
        self.actor = self._actor("you", admin=True)
        self._out_lock = asyncio.Lock()

    def _actor(self, name: str, admin: bool) -> Actor:
        return Actor(UserRef(self.platform, WORKSPACE, name.lower()), name, admin)

    @staticmethod
    def _new_id(kind: str) -> str:
        """Unique across processes: answers are deduplicated by message id, for good."""
        return f"{kind}-{uuid.uuid4().hex}"

    # ------------------------------------------------------------ the port

    async def post_prompt(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> ThreadRef:
        """The terminal never loses an answer, so `once` needs nothing here."""
        thread = ThreadRef(channel, self._new_id("thread"))
        self._print(f"\n#{channel.channel_id} | bot:\n{_indent(_as_text(message), '  ')}\n")
        return thread

    async def post_in_thread(
        self, thread: ThreadRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        self._print(f"  └ in thread | bot:\n{_indent(_as_text(message), '    ')}\n")
        return MessageRef(thread.channel, self._new_id("bot"), thread)

    async def post_in_channel(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        self._print(f"#{channel.channel_id} | bot:\n{_indent(_as_text(message), '  ')}\n")
        self._save_pictures(message)
        return MessageRef(channel, self._new_id("bot"))

    async def send_private(
        self, user: UserRef, message: OutgoingMessage, channel: ChannelRef | None = None
    ) -> None:
        self._print(f"(private to {user.user_id}) bot:\n{_indent(_as_text(message), '  ')}\n")
        self._save_pictures(message)

    async def react(self, message: MessageRef, emoji: str) -> None:
        self._print(f"  (bot reacted :{emoji}:)")

    # ------------------------------------------------------------ the loop

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Read lines until the input ends, `/quit`, or `stop` is set; each line is handled
        before the next, and a line being handled when `stop` is set is finished first."""
        self._print("Design Kata console. You are 'you' (admin) in #practice. /kata help, /quit.")
        prompts: queue.Queue[str] = queue.Queue()
        lines: asyncio.Queue[str] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        # Lines are read in a thread of their own, a script's as well: a read blocking the
        # event loop would also keep Ctrl-C and SIGTERM from stopping the session.
        read_line = self._line_reader() if self.interactive else self._script_line

        def read() -> None:
            while True:
                prompt = prompts.get()
                try:
                    line = read_line(prompt)
                except EOFError:
                    line = ""
                loop.call_soon_threadsafe(lines.put_nowait, line)
                if not line:
                    return

        threading.Thread(target=read, daemon=True, name="console-stdin").start()
        with _terminal_restored(self.stdin):
            while True:
                prompts.put(f"{self.actor.display_name}> ")
                line = await _first_line(lines, stop)
                if not line:
                    break
                if read_line == self._plain_line and self._cut_by_terminal(line):
                    self._print(LINE_CUT)
                    continue
                if not await self.handle_line(line):
                    break

    def _line_reader(self) -> Callable[[str], str]:
        """`input()` with readline at the process's own terminal, else plain reads."""
        if self.stdin is sys.stdin and self.stdout is sys.stdout and sys.stdout.isatty():
            try:
                import readline  # noqa: F401  (importing it is what makes input() use it)
            except ImportError:
                return self._plain_line
            return _input_line
        return self._plain_line

    def _cut_by_terminal(self, line: str) -> bool:
        return self.stdin.isatty() and len(line.rstrip("\r\n")) == TTY_LINE_LIMIT

    def _script_line(self, prompt: str) -> str:
        """A line of piped input: no prompt, `handle_line` echoes what it runs."""
        return self.stdin.readline()

    def _plain_line(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        return self.stdin.readline()

    async def handle_line(self, line: str) -> bool:
        """Returns False when the member asked to leave."""
        text = line.strip()
        if not text:
            return True
        if not self.interactive:
            self._print(f"{self.actor.display_name}> {text}")
        if text in ("/quit", "/exit"):
            return False
        if text == "/help":
            self._print(CONSOLE_HELP)
            return True
        if text.startswith("/as"):
            words = text.split()
            if len(words) < 2:
                self._print("Usage: /as NAME [admin]")
                return True
            self.actor = self._actor(words[1], admin=len(words) > 2 and words[2] == "admin")
            role = " (admin)" if self.actor.is_admin else ""
            self._print(f"You are now {self.actor.display_name}{role}.")
            return True
        if text.startswith("/kata"):
            outcome = await self.kata.handle(
                CommandInvoked(
                    self.channel,
                    self.actor,
                    text[len("/kata") :].strip(),
                    request_id=self._new_id("console"),
                )
            )
            self._show(outcome)
            await self.kata.settle()
            return True
        if text.startswith("/"):
            self._print(f"Unknown console command {text.split()[0]}. {CONSOLE_HELP}")
            return True
        thread = await self.kata.open_thread(self.channel)
        if thread is None:
            self._print("No round yet. Set one up: /kata setup 09:00 UTC mon-fri, then /kata now")
            return True
        ref = MessageRef(self.channel, self._new_id("msg"), thread)
        outcome = await self.kata.handle(MessagePosted(ref, self.actor, text))
        if outcome.react:
            await self.react(ref, outcome.react)
        self._show(outcome)
        return True

    def _show(self, outcome: Outcome) -> None:
        for reply in outcome.replies:
            who = "only you see this" if reply.private else f"#{CHANNEL}"
            self._print(f"({who}) bot:\n{_indent(_as_text(reply.message), '  ')}")
            for attachment in reply.message.attachments:
                path = self._save(attachment.filename, attachment.content)
                self._print(f"  saved to {path}")
            self._save_pictures(reply.message)
        if outcome.form is not None:
            self._print(_form_as_text(outcome.form))

    def _save_pictures(self, message: OutgoingMessage) -> None:
        """A terminal shows no images: save each one, print what it shows and where it is."""
        for picture in message.pictures:
            path = self._save(picture.filename, picture.png)
            self._print(f"  picture: {picture.alt}\n  saved to {path} (open it to see it)")

    def _save(self, filename: str, content: bytes) -> Path:
        """Write a file without ever replacing an earlier one."""
        self.export_dir.mkdir(parents=True, exist_ok=True)
        stem, suffix = Path(filename).stem, Path(filename).suffix
        path, n = self.export_dir / filename, 1
        while True:
            try:
                with path.open("xb") as f:
                    f.write(content)
            except FileExistsError:
                n += 1
                path = self.export_dir / f"{stem}-{n}{suffix}"
                continue
            return path.resolve()

    def _print(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()


async def _first_line(lines: asyncio.Queue[str], stop: asyncio.Event | None) -> str:
    """The next line read, or "" (the end) once `stop` is set."""
    if stop is None:
        return await lines.get()
    reading = asyncio.ensure_future(lines.get())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if reading.done():
        return reading.result()
    reading.cancel()
    return ""


def _input_line(prompt: str) -> str:
    return input(prompt) + "\n"


@contextlib.contextmanager
def _terminal_restored(stdin: TextIO) -> Iterator[None]:
    """Put the terminal back as it was, even when Ctrl-C lands mid-line (readline changes
    its modes while it reads)."""
    try:
        import termios
    except ImportError:
        yield
        return
    try:
        fd = stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _as_text(message: OutgoingMessage) -> str:
    """The console has no buttons: say what to type instead."""
    text = dataclasses.replace(message, buttons=()).plain_text()
    hints = [BUTTON_HINTS[b.action] for b in message.buttons if b.action in BUTTON_HINTS]
    if hints:
        text += "\n\n(type " + ", or ".join(hints) + ")"
    return text


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _form_as_text(form: Form) -> str:
    """The console has no forms: show what the form asks and the command that does the same."""
    reviewee = next((f for f in form.fields if f.key == "reviewee"), None)
    names = ", ".join(c.label for c in reviewee.choices) if reviewee else ""
    signals = [f for f in form.fields if f.kind == "choice" and f is not reviewee]
    scores = " ".join(f"{f.key}=3" for f in signals)
    levels = ", ".join(c.label.replace(" - ", " ") for c in signals[0].choices) if signals else ""
    return (
        f"{form.title}: the console has no forms, so use the command instead.\n"
        f"  You can review: {names}\n"
        f"  /kata feedback NAME {scores} strength: <one strength> improve: <one improvement>\n"
        f"  Levels: {levels}; leave any out."
    )
