"""The `/kata` command words, their usage lines and the one parser every platform shares."""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from bot.chat import OutgoingMessage, Section
from bot.echo import echo


@dataclass(frozen=True)
class Spec:
    name: str
    usage: str
    summary: str
    example: str
    admin: bool = False


SPECS: tuple[Spec, ...] = (
    Spec("help", "help [command]", "show this help, or one command's usage", "/kata help setup"),
    Spec(
        "setup",
        "setup <HH:MM> <Area/City> [weekdays]",
        "post a daily prompt here at a local time on chosen weekdays (default mon-fri)",
        "/kata setup 09:30 Europe/Berlin mon-fri",
        admin=True,
    ),
    Spec("schedule", "schedule", "show this channel's schedule", "/kata schedule"),
    Spec(
        "pace",
        "pace drip [minutes] | pace all | pace manual",
        "how stages arrive: one every N minutes, all at once, or on 'next'",
        "/kata pace drip 45",
        admin=True,
    ),
    Spec(
        "filter",
        "filter tags <a,b> | filter difficulty <easy,medium,hard> | filter clear",
        "only draw prompts with these tags or difficulties",
        "/kata filter tags recommendations,search",
        admin=True,
    ),
    Spec("pause", "pause", "stop posting rounds here until resumed", "/kata pause", admin=True),
    Spec("resume", "resume", "start posting rounds again", "/kata resume", admin=True),
    Spec(
        "skip",
        "skip [YYYY-MM-DD]",
        "skip the next scheduled round (or the one on a date); streaks are not broken",
        "/kata skip 2026-12-24",
        admin=True,
    ),
    Spec(
        "unskip",
        "unskip [YYYY-MM-DD]",
        "undo a skip: the next skipped round (or the one on a date) is back on",
        "/kata unskip 2026-12-24",
        admin=True,
    ),
    Spec("now", "now", "start today's round right away", "/kata now", admin=True),
    Spec(
        "next",
        "next",
        "post the next stage of the current round (manual pacing: anyone; drip or all at "
        "once: admins and the member who ran setup)",
        "/kata next",
    ),
    Spec(
        "answer",
        "answer [stage:] <text>",
        "answer the current round without replying in its thread",
        "/kata answer metrics: NDCG@10 offline, watch time online",
    ),
    Spec(
        "leaderboard",
        "leaderboard [points|streak|reviews] [week|month|all] [workspace] [public]",
        "who leads this week, this month or all time (only you see it; add public to post it "
        "for the channel)",
        "/kata leaderboard reviews month public",
    ),
    Spec(
        "stats",
        "stats",
        "your own points, streak, answers and feedback (only you see it)",
        "/kata stats",
    ),
    Spec("streak", "streak", "your current and longest streak and banked freezes", "/kata streak"),
    Spec(
        "feedback",
        "feedback <member> [problem=1-4] [data=1-4] [modelling=1-4] [deployment=1-4] "
        "[communication=1-4] strength: <text> improve: <text>",
        "review a teammate's answers in the current round",
        "/kata feedback @alex problem=3 strength: sharp scoping improve: add a fallback",
    ),
    Spec(
        "prompts",
        "prompts list [tag] | prompts add <title> | <scenario> [| tags] | prompts remove <id>",
        "browse the prompt bank or manage this workspace's own prompts",
        "/kata prompts add Rank support tickets | Our help desk gets 5k tickets a day. "
        "Design a model that orders the queue. | nlp-llm,ranking",
    ),
    Spec("optout", "optout", "never list me on leaderboards", "/kata optout"),
    Spec("optin", "optin", "list me on leaderboards again", "/kata optin"),
    Spec(
        "forgetme",
        "forgetme [confirm]",
        "delete all your answers, feedback, points and streaks in this workspace",
        "/kata forgetme confirm",
    ),
    Spec(
        "export",
        "export [channel]",
        "a CSV of your own data, or (admins) of this channel's points",
        "/kata export",
    ),
)
BY_NAME = {s.name: s for s in SPECS}
ALIASES = {"lb": "leaderboard", "board": "leaderboard", "start": "now", "review": "feedback"}


class CommandError(ValueError):
    """Bad input from a member: the message is shown to them, with usage when helpful."""

    def __init__(self, message: str, spec: Spec | None = None) -> None:
        super().__init__(message)
        self.spec = spec


@dataclass(frozen=True)
class Parsed:
    spec: Spec
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


def parse(text: str) -> Parsed:
    text = (text or "").strip()
    if len(text) > MAX_COMMAND_CHARS:
        raise CommandError(
            f"That command is {len(text):,} characters long; a command takes at most "
            f"{MAX_COMMAND_CHARS:,}. Post a long answer as a reply in the round's thread."
        )
    if text.lower().startswith("/kata"):
        text = text[5:].strip()
    if not text:
        return Parsed(BY_NAME["help"], "")
    head, _, rest = text.partition(" ")
    spec = lookup(head)
    if spec is None:
        raise unknown_command(head)
    return Parsed(spec, rest.strip())


def lookup(word: str) -> Spec | None:
    return BY_NAME.get(ALIASES.get(word.lower(), word.lower()))


def unknown_command(word: str) -> CommandError:
    """The one wording for a command word we do not know, with the nearest real one."""
    near = difflib.get_close_matches(word.lower()[:20], [*BY_NAME, *ALIASES], n=1, cutoff=0.75)
    if near:
        hint = f"Did you mean /kata {ALIASES.get(near[0], near[0])}?"
    else:
        hint = f"Commands: {', '.join(s.name for s in SPECS)}. Try /kata help for details."
    return CommandError(f"There is no command {echo(word)}. {hint}")


def usage_message(error: str, spec: Spec | None) -> OutgoingMessage:
    if spec is None:
        return OutgoingMessage(sections=(Section(text=error),))
    return OutgoingMessage(
        sections=(
            Section(text=error),
            Section(fields=(), text=f"Usage: /kata {spec.usage}\nExample: {spec.example}"),
        )
    )


def help_message(
    topic: str | None = None, notes: Mapping[str, Section] | None = None
) -> OutgoingMessage:
    """All commands, or one; `notes` adds a section to a command's help (answer: its stages)."""
    if topic:
        spec = lookup(topic)
        if spec is None:
            return usage_message(str(unknown_command(topic)), None)
        admin = " (admins and the member who ran setup)" if spec.admin else ""
        note = (notes or {}).get(spec.name)
        return OutgoingMessage(
            title=f"/kata {spec.name}",
            sections=(
                Section(text=f"{spec.summary}{admin}."),
                Section(text=f"Usage: /kata {spec.usage}\nExample: {spec.example}"),
                *((note,) if note else ()),
            ),
        )
    lines = [f"/kata {s.name}: {s.summary}" + (" (admin)" if s.admin else "") for s in SPECS]
    return OutgoingMessage(
        title="Design Kata: daily ML system design practice",
        sections=(
            Section(
                text="Every practice day a design prompt arrives as a thread, followed by the "
                "stages of a good answer: requirements first, then framing, metrics, data, "
                "model, serving and monitoring. Reply in the thread, review a teammate, keep "
                "your streak."
            ),
            Section(heading="Commands", text="\n".join(lines)),
        ),
    )
