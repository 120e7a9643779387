"""Typed Discord options for the assigned-review commands (`bot.assignment_commands`):
`assign` with an optional on/off choice and an optional deadline, joined back into the
core's words (`assign`, `assign off`, `assign deadline 48h`)."""

from __future__ import annotations

from typing import Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice

from bot.port import Core


class ReviewRunner(Protocol):
    """What these commands need of `commands.CommandRunner` (declared here, not imported, so
    `commands` can import this module)."""

    @property
    def kata(self) -> Core: ...

    async def run_command(self, interaction: discord.Interaction, text: str) -> None: ...


REVIEW_TYPED = frozenset({"assign"})
"""The commands added here, which `build_groups` must not add again as plain ones."""


def assign_text(turn: str | None, deadline: str | None) -> str:
    """The core's command line for the options chosen (a deadline wins over on/off)."""
    if deadline and deadline.strip():
        return f"assign deadline {deadline.strip()}"
    if turn:
        return f"assign {turn}"
    return "assign"


def add_review_commands(
    kata: app_commands.Group, admin: app_commands.Group, runner: ReviewRunner
) -> None:
    """Add `assign` to `/kata-admin` (or `/kata` if the core ever opens it to members)."""
    declared = runner.kata.commands["assign"]

    @app_commands.command(name="assign", description=declared.short)
    @app_commands.describe(
        turn="Assign reviewers at every wrap-up (on) or not (off)",
        deadline="How long an assigned reviewer has, e.g. 24h or 2d",
    )
    @app_commands.choices(turn=[Choice(name="on", value="on"), Choice(name="off", value="off")])
    async def assign(
        interaction: discord.Interaction,
        turn: Choice[str] | None = None,
        deadline: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        await runner.run_command(interaction, assign_text(turn.value if turn else None, deadline))

    (admin if declared.admin_only else kata).add_command(assign)
