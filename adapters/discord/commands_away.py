"""Discord's typed options for away days, holidays, reminders and nudges (issue 12, part A).

Each callback joins its options back into the core's one line of text, as every command in
`adapters.discord.commands` does; `build_groups` calls `add_away_commands` once, with the
function that says which group (`/kata` or `/kata-admin`) a command lives in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice

if TYPE_CHECKING:
    from bot.port import Core


class Runner(Protocol):
    """What these callbacks need of the adapter (a part of `commands.CommandRunner`, named
    here so this module does not import the one that imports it)."""

    @property
    def kata(self) -> Core: ...

    async def run_command(self, interaction: discord.Interaction, text: str) -> None: ...


AWAY_TYPED = frozenset({"away", "holiday", "remind", "nudges"})
"""The commands declared here with typed options (`back` is a plain subcommand)."""


def _line(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def add_away_commands(runner: Runner, home: Callable[[str], app_commands.Group]) -> None:
    """Add `away`, `holiday add|list|remove`, `remind` and `nudges` to their groups."""
    declared = runner.kata.commands

    @home("away").command(name="away", description=declared["away"].short)
    @app_commands.describe(length="3d, 1w or until YYYY-MM-DD; empty: until when you are away")
    async def away(interaction: discord.Interaction, length: str | None = None) -> None:
        await runner.run_command(interaction, _line("away", length))

    holiday = app_commands.Group(name="holiday", description=declared["holiday"].short)
    home("holiday").add_command(holiday)

    @holiday.command(name="add", description="Days off for this channel: no round, streaks safe")
    @app_commands.describe(days="YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD")
    async def holiday_add(interaction: discord.Interaction, days: str) -> None:
        await runner.run_command(interaction, _line("holiday", "add", days))

    @holiday.command(name="list", description="This channel's holidays ahead")
    async def holiday_list(interaction: discord.Interaction) -> None:
        await runner.run_command(interaction, "holiday list")

    @holiday.command(name="remove", description="Remove holidays; a round still ahead is back on")
    @app_commands.describe(days="YYYY-MM-DD, or a range YYYY-MM-DD..YYYY-MM-DD")
    async def holiday_remove(interaction: discord.Interaction, days: str) -> None:
        await runner.run_command(interaction, _line("holiday", "remove", days))

    @home("remind").command(name="remind", description=declared["remind"].short)
    @app_commands.describe(before="How long before a round closes: 2h, 90m, or off")
    async def remind(interaction: discord.Interaction, before: str) -> None:
        await runner.run_command(interaction, _line("remind", before))

    @home("nudges").command(name="nudges", description=declared["nudges"].short)
    @app_commands.describe(state="on or off; empty: which it is now")
    @app_commands.choices(state=[Choice(name="on", value="on"), Choice(name="off", value="off")])
    async def nudges(interaction: discord.Interaction, state: Choice[str] | None = None) -> None:
        await runner.run_command(interaction, _line("nudges", state.value if state else None))
