"""What a `/kata` command is: its declaration, who may run it, and the one parser.

A `Command` holds everything about one command (words, usage, examples, access, whether its
reply is public, its handler); a `Registry` of them answers parsing, help and the adapters'
command lists, so nothing about a command is typed twice.
"""

from __future__ import annotations

import difflib
import enum
import shlex
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.chat import CommandInvoked, Outcome, OutgoingMessage
from bot.echo import echo

if TYPE_CHECKING:
    from bot.unit import Unit


class Access(enum.Enum):
    """Who may run a command. `ADMIN` means the platform's admins and the member who ran
    setup in that channel; the two others open an admin command to everyone in one case."""

    MEMBER = "everyone"
    ADMIN = "admins and the member who ran setup"
    ADMIN_ONCE_SET_UP = "anyone in a channel with no schedule yet, then admins"
    ADMIN_UNLESS_MANUAL = "anyone when the round is paced manually, otherwise admins"

    @property
    def admin(self) -> bool:
        """Shown as an admin command in help (`next` explains its own rule)."""
        return self in (Access.ADMIN, Access.ADMIN_ONCE_SET_UP)


@dataclass(frozen=True)
class Invocation:
    """One run of a command: the event, its parsed words, and for a button the round."""

    event: CommandInvoked
    parsed: Parsed
    round_id: int | None = None


Handler = Callable[["Unit", Invocation], Awaitable[Outcome | OutgoingMessage]]
"""A command's use case: it runs in the event's unit of work (`unit.deps` for the ports)."""


@dataclass(frozen=True)
class Subcommand:
    """A first word with its own access rule (`prompts add`, `export channel`)."""

    name: str
    access: Access
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    examples: tuple[str, ...]
    handler: Handler
    access: Access = Access.MEMBER
    public: bool | Callable[[Parsed], bool] = False
    """Whether the reply is posted for the channel; a callable decides from the words."""
    aliases: tuple[str, ...] = ()
    subcommands: tuple[Subcommand, ...] = ()
    brief: str = ""
    """At most 100 characters, for command pickers (Discord); defaults to the summary."""

    @property
    def example(self) -> str:
        return self.examples[0]

    @property
    def admin(self) -> bool:
        return self.access.admin

    @property
    def short(self) -> str:
        return self.brief or self.summary

    @property
    def admin_only(self) -> bool:
        """Only admins may run it, in every form: platforms with separate command lists for
        admins (Discord's `/kata-admin`) list it there."""
        subs = self.subcommands
        return self.access is Access.ADMIN and all(s.access is Access.ADMIN for s in subs)

    def subcommand(self, parsed: Parsed) -> Subcommand | None:
        return self.subcommand_named(parsed.rest.partition(" ")[0])

    def subcommand_named(self, word: str) -> Subcommand | None:
        word = word.lower()
        return next((s for s in self.subcommands if word in (s.name, *s.aliases)), None)

    def access_for(self, parsed: Parsed) -> Access:
        sub = self.subcommand(parsed)
        return sub.access if sub is not None else self.access

    def is_public(self, parsed: Parsed) -> bool:
        return self.public(parsed) if callable(self.public) else self.public


class CommandError(ValueError):
    """Bad input from a member: the message is shown to them, with usage when helpful.

    `usage_of` names another command whose usage helps (`now` before `setup`)."""

    def __init__(
        self, message: str, spec: Command | None = None, usage_of: str | None = None
    ) -> None:
        super().__init__(message)
        self.spec = spec
        self.usage_of = usage_of


@dataclass(frozen=True)
class Parsed:
    spec: Command
    rest: str

    @property
    def words(self) -> list[str]:
        try:
            return shlex.split(self.rest)
        except ValueError:
            return self.rest.split()


MAX_COMMAND_CHARS = 20_500
"""Room for the longest answer (20,000 characters) plus the command words. Longer input is
refused before anything parses it, so no parser ever sees more than this."""


class Registry:
    """Every command, by name and alias, in the order help lists them."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.commands = tuple(commands)
        self.by_name = {c.name: c for c in self.commands}
        self.aliases = {a: c.name for c in self.commands for a in c.aliases}
        if len(self.by_name) != len(self.commands) or set(self.aliases) & set(self.by_name):
            raise ValueError("a command name or alias is declared twice")

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)

    def __getitem__(self, name: str) -> Command:
        return self.by_name[name]

    def lookup(self, word: str) -> Command | None:
        return self.by_name.get(self.aliases.get(word.lower(), word.lower()))

    def parse(self, text: str) -> Parsed:
        text = (text or "").strip()
        if len(text) > MAX_COMMAND_CHARS:
            raise CommandError(
                f"That command is {len(text):,} characters long; a command takes at most "
                f"{MAX_COMMAND_CHARS:,}. Post a long answer as a reply in the round's thread."
            )
        if text.lower().startswith("/kata"):
            text = text[5:].strip()
        if not text:
            return Parsed(self.by_name["help"], "")
        head, _, rest = text.partition(" ")
        command = self.lookup(head)
        if command is None:
            raise self.unknown_command(head)
        return Parsed(command, rest.strip())

    def unknown_command(self, word: str) -> CommandError:
        """The one wording for a command word we do not know, with the nearest real one."""
        words = [*self.by_name, *self.aliases]
        near = difflib.get_close_matches(word.lower()[:20], words, n=1, cutoff=0.75)
        if near:
            hint = f"Did you mean /kata {self.aliases.get(near[0], near[0])}?"
        else:
            names = ", ".join(c.name for c in self.commands)
            hint = f"Commands: {names}. Try /kata help for details."
        return CommandError(f"There is no command {echo(word)}. {hint}")

    def paths(self) -> list[tuple[str, ...]]:
        """Every command and declared subcommand, as the words that reach it."""
        return [
            path
            for c in self.commands
            for path in [(c.name,), *((c.name, s.name) for s in c.subcommands)]
        ]
