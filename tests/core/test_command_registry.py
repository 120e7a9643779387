"""The registry holds every command once and enforces who may run it, for every command.

The access tests walk the registry, so a new admin command (or subcommand) is covered the
moment it is declared.
"""

from __future__ import annotations

import pytest

from bot.chat import OutgoingMessage
from bot.commands import Access
from bot.commands.catalogue import COMMANDS, help_message
from bot.commands.dispatch import refusal_text
from tests.support.memory_chat import MemoryChat

PATHS = [(path, COMMANDS[path[0]]) for path in COMMANDS.paths()]
ADMIN_ONLY = [
    " ".join(path)
    for path, command in PATHS
    if (command.subcommand_named(path[1]).access if len(path) > 1 else command.access)
    is not Access.MEMBER
]
OPEN = [" ".join(path) for path, _ in PATHS if " ".join(path) not in ADMIN_ONLY]


def example_of(path: str) -> str:
    """The declared example for a command or subcommand, else its bare words (a command with
    subcommands, bare, runs its default)."""
    command = COMMANDS[path.split()[0]]
    bare = " " not in path and bool(command.subcommands)
    found = (e.removeprefix("/kata ") for e in command.examples)
    return next((e for e in found if e == path or (e.startswith(path + " ") and not bare)), path)


def text_of(message: OutgoingMessage) -> str:
    return "\n".join(s.text for s in message.sections)


async def timed_round_set_up_by_ana(chat: MemoryChat) -> None:
    ana = chat.member("ana")
    for text in ("setup 09:00 UTC daily", "pace drip 30", "now"):
        assert "Usage" not in (await chat.command(ana, text)).text


def test_admin_commands_are_declared_and_found() -> None:
    assert {"setup", "pause", "prompts add", "prompts remove", "export channel", "next"} <= set(
        ADMIN_ONLY
    )
    assert {"prompts list", "export", "stats", "help"} <= set(OPEN)


@pytest.mark.parametrize("path", ADMIN_ONLY)
async def test_a_member_is_refused_an_admin_command_with_the_one_message(
    chat: MemoryChat, path: str
) -> None:
    await timed_round_set_up_by_ana(chat)
    out = await chat.command(chat.member("bo"), example_of(path))
    assert out.text.endswith(refusal_text(path)), out.text
    assert [r.private for r in out.replies] == [True]


@pytest.mark.parametrize("path", ADMIN_ONLY)
async def test_admins_and_the_member_who_ran_setup_may_run_it(chat: MemoryChat, path: str) -> None:
    await timed_round_set_up_by_ana(chat)
    for who in (chat.member("ana"), chat.member("boss", admin=True)):
        out = await chat.command(who, example_of(path))
        assert "Only admins" not in out.text, (who.display_name, out.text)
        assert "Something went wrong" not in out.text, out.text


@pytest.mark.parametrize("path", OPEN)
async def test_member_commands_are_open_to_everyone(chat: MemoryChat, path: str) -> None:
    await timed_round_set_up_by_ana(chat)
    out = await chat.command(chat.member("bo"), example_of(path))
    assert "Only admins" not in out.text, out.text
    assert "Something went wrong" not in out.text, out.text


async def test_anyone_sets_up_a_new_channel_and_moves_a_manual_round_on(
    chat: MemoryChat,
) -> None:
    bo = chat.member("bo")
    assert "set up here" in (await chat.command(bo, "setup 09:00 UTC daily")).text
    await chat.command(bo, "pace manual")
    await chat.command(bo, "now")
    assert "Posted the next stage" in (await chat.command(chat.member("cy"), "next")).text
    assert "Only admins" in (await chat.command(chat.member("cy"), "pause")).text


def test_help_lists_every_command_and_marks_the_admin_ones() -> None:
    listing = text_of(help_message())
    for command in COMMANDS:
        line = next(ln for ln in listing.splitlines() if ln.startswith(f"/kata {command.name}:"))
        assert line.endswith("(admin)") == command.admin, line
        assert command.usage in text_of(help_message(command.name))


def test_a_mistyped_command_is_answered_with_the_nearest_declared_name() -> None:
    assert "Did you mean /kata leaderboard?" in str(COMMANDS.unknown_command("leaderbord"))
    assert "Did you mean /kata now?" in str(COMMANDS.unknown_command("strt"))
