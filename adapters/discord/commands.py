"""The `/kata` slash command group.

Every subcommand of the core is a typed Discord subcommand; its options are joined back into
the one line of text the core parses (`CommandInvoked.text`), so the grammar lives in the core
only. Discord allows 25 subcommands in a group, so the commands only admins may run (`pause`,
`filter`, ...) live in a second group, `/kata-admin`, with the same words after it; what the
bot writes about them (`/kata pause`) is rewritten to match (`discord_command_text`). Names
and descriptions come from the core's registry; a command without typed options below
becomes a plain subcommand. Time zones and tags autocomplete; weekdays, pace modes and
boards are fixed choices.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

import discord
from discord import app_commands
from discord.app_commands import Choice

from adapters.discord.choices import (
    WEEKDAY_CHOICES,
    level_choices,
    tag_choices,
    time_zone_choices,
)
from adapters.discord.commands_away import AWAY_TYPED, add_away_commands
from adapters.discord.commands_reviews import REVIEW_TYPED, add_review_commands
from bot.chat import ChannelRef

if TYPE_CHECKING:
    from bot.port import Core, DeclaredCommand, DeclaredCommands


class CommandRunner(Protocol):
    """What the command callbacks need from the adapter."""

    @property
    def kata(self) -> Core: ...

    async def run_command(self, interaction: discord.Interaction, text: str) -> None: ...

    async def open_answer_modal(
        self, interaction: discord.Interaction, stage: str | None
    ) -> None: ...

    def channel_of(self, interaction: discord.Interaction) -> ChannelRef | None: ...


TYPED = frozenset(
    {
        "setup",
        "pace",
        "filter",
        "skip",
        "unskip",
        "answer",
        "leaderboard",
        "feedback",
        "prompts",
        "export",
        "web",
        "vote",
        "archive",
    }
)
"""The commands declared below with typed options; every other one is a plain subcommand."""


def join_command(*parts: object) -> str:
    """Join a subcommand and its options into the core's command line, skipping unset ones."""
    return " ".join(str(p).strip() for p in parts if p is not None and str(p).strip())


def labelled(label: str, text: str | None) -> str | None:
    return f"{label}: {text.strip()}" if text and text.strip() else None


KATA = "kata"
KATA_ADMIN = "kata-admin"


def group_name(command: DeclaredCommand) -> str:
    """The top-level Discord command a core command sits under."""
    return KATA_ADMIN if command.admin_only else KATA


def discord_command_text(text: str, declared: DeclaredCommands) -> str:
    """`/kata pause` in the core's words becomes `/kata-admin pause`, the command that exists."""
    admin = "|".join(re.escape(c.name) for c in declared if c.admin_only)
    if not admin:
        return text
    return re.sub(rf"/kata (?=(?:{admin})\b)", f"/{KATA_ADMIN} ", text)


def build_group(runner: CommandRunner) -> app_commands.Group:
    """The `/kata` group alone (tests of its shape); the adapter registers `build_groups`."""
    return build_groups(runner)[0]


def build_groups(runner: CommandRunner) -> tuple[app_commands.Group, app_commands.Group]:
    """`/kata` and `/kata-admin` with all subcommands bound to `runner`, named and described
    as the core declares its commands."""
    declared = runner.kata.commands
    kata = app_commands.Group(
        name=KATA, description="Daily ML system design practice", guild_only=True
    )
    admin = app_commands.Group(
        name=KATA_ADMIN, description="Design Kata settings for admins", guild_only=True
    )

    def home(name: str) -> app_commands.Group:
        return admin if declared[name].admin_only else kata

    filters = app_commands.Group(name="filter", description=declared["filter"].short)
    prompts = app_commands.Group(name="prompts", description=declared["prompts"].short)
    home("filter").add_command(filters)
    home("prompts").add_command(prompts)

    async def tags_autocomplete(
        interaction: discord.Interaction, current: str, *, many: bool
    ) -> list[Choice[str]]:
        channel = runner.channel_of(interaction)
        if channel is None:
            return []
        try:
            known = await runner.kata.known_tags(channel)
        except Exception:  # autocomplete is a nicety; never let it fail the interaction
            return []
        return tag_choices(known, current, many=many)

    async def many_tags(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return await tags_autocomplete(interaction, current, many=True)

    async def one_tag(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return await tags_autocomplete(interaction, current, many=False)

    async def zones(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return time_zone_choices(current)

    def simple(name: str, description: str) -> None:
        async def callback(interaction: discord.Interaction) -> None:
            await runner.run_command(interaction, name)

        home(name).add_command(
            app_commands.Command(name=name, description=description, callback=callback)
        )

    for command in declared:
        if command.name not in TYPED | AWAY_TYPED | REVIEW_TYPED:
            simple(command.name, command.short)
    add_away_commands(runner, home)
    add_review_commands(kata, admin, runner)

    @home("setup").command(name="setup", description=declared["setup"].short)
    @app_commands.describe(
        time="Local time of the daily prompt, HH:MM (24 h); leave out for the form",
        timezone="Area/City, e.g. Europe/Berlin; leave out for the form",
        days="Which days (default: Monday to Friday)",
    )
    @app_commands.choices(days=WEEKDAY_CHOICES)
    @app_commands.autocomplete(timezone=zones)
    async def setup(
        interaction: discord.Interaction,
        time: str | None = None,
        timezone: str | None = None,
        days: Choice[str] | None = None,
    ) -> None:
        if time is None and timezone is None:  # `setup` alone: the core opens the form
            await runner.run_command(interaction, "setup")
            return
        await runner.run_command(
            interaction, join_command("setup", time, timezone, days.value if days else None)
        )

    @home("pace").command(name="pace", description=declared["pace"].short)
    @app_commands.describe(mode="drip: one stage every few minutes", minutes="Minutes per stage")
    @app_commands.choices(
        mode=[
            Choice(name="drip (one stage at a time)", value="drip"),
            Choice(name="all at once", value="all"),
            Choice(name="manual (/kata next)", value="manual"),
        ]
    )
    async def pace(
        interaction: discord.Interaction,
        mode: Choice[str],
        minutes: app_commands.Range[int, 1, 1440] | None = None,
    ) -> None:
        extra = minutes if mode.value == "drip" else None
        await runner.run_command(interaction, join_command("pace", mode.value, extra))

    @filters.command(name="tags", description="Only prompts with these tags")
    @app_commands.describe(tags="Comma-separated tags")
    @app_commands.autocomplete(tags=many_tags)
    async def filter_tags(interaction: discord.Interaction, tags: str) -> None:
        await runner.run_command(interaction, join_command("filter", "tags", tags.replace(" ", "")))

    @filters.command(name="difficulty", description="Only prompts of these difficulties")
    @app_commands.choices(
        levels=[
            Choice(name=v.replace(",", ", "), value=v)
            for v in ("easy", "medium", "hard", "easy,medium", "medium,hard")
        ]
    )
    async def filter_difficulty(interaction: discord.Interaction, levels: Choice[str]) -> None:
        await runner.run_command(interaction, join_command("filter", "difficulty", levels.value))

    @filters.command(name="clear", description="Any prompt again")
    async def filter_clear(interaction: discord.Interaction) -> None:
        await runner.run_command(interaction, "filter clear")

    @home("skip").command(name="skip", description=declared["skip"].short)
    @app_commands.describe(date="YYYY-MM-DD")
    async def skip(interaction: discord.Interaction, date: str | None = None) -> None:
        await runner.run_command(interaction, join_command("skip", date))

    @home("unskip").command(name="unskip", description=declared["unskip"].short)
    @app_commands.describe(date="YYYY-MM-DD")
    async def unskip(interaction: discord.Interaction, date: str | None = None) -> None:
        await runner.run_command(interaction, join_command("unskip", date))

    @home("answer").command(name="answer", description=declared["answer"].short)
    @app_commands.describe(
        stage="The stage you answer (default: the current one)",
        text="Your answer; leave empty to write it in a form",
    )
    async def answer(
        interaction: discord.Interaction, stage: str | None = None, text: str | None = None
    ) -> None:
        if not text or not text.strip():
            await runner.open_answer_modal(interaction, stage)
            return
        await runner.run_command(interaction, answer_text(stage, text))

    @home("leaderboard").command(name="leaderboard", description=declared["leaderboard"].short)
    @app_commands.choices(
        board=[Choice(name=v, value=v) for v in ("points", "streak", "reviews")],
        period=[
            Choice(name="this week", value="week"),
            Choice(name="this month", value="month"),
            Choice(name="all time", value="all"),
        ],
        scope=[Choice(name="whole server", value="workspace")],
    )
    @app_commands.describe(share="Post it for the channel (otherwise only you see it)")
    async def leaderboard(
        interaction: discord.Interaction,
        board: Choice[str] | None = None,
        period: Choice[str] | None = None,
        scope: Choice[str] | None = None,
        share: bool = False,
    ) -> None:
        await runner.run_command(
            interaction,
            join_command(
                "leaderboard",
                board.value if board else None,
                period.value if period else None,
                scope.value if scope else None,
                "public" if share else None,
            ),
        )

    rubric = runner.kata.rubric
    level_options = level_choices(rubric.levels)

    @home("feedback").command(name="feedback", description=declared["feedback"].short)
    @app_commands.describe(
        member="Whose answers you review",
        strength="One concrete strength",
        improve="One concrete improvement",
        received="Instead of reviewing: the reviews you received (only you see them)",
    )
    @app_commands.choices(
        received=[
            Choice(name="this round", value="round"),
            Choice(name="the last 7 days", value="week"),
            Choice(name="all", value="all"),
        ],
        **{key: level_options for key in rubric.signal_keys},
    )
    async def feedback(
        interaction: discord.Interaction,
        member: discord.Member | None = None,
        strength: str | None = None,
        improve: str | None = None,
        problem: Choice[str] | None = None,
        data: Choice[str] | None = None,
        modelling: Choice[str] | None = None,
        deployment: Choice[str] | None = None,
        communication: Choice[str] | None = None,
        received: Choice[str] | None = None,
    ) -> None:
        if received is not None:
            await runner.run_command(interaction, join_command("feedback received", received.value))
            return
        chosen = (problem, data, modelling, deployment, communication)
        given = zip(rubric.signal_keys, chosen, strict=True)
        scores = [f"{key}={choice.value}" for key, choice in given if choice]
        text = join_command(
            "feedback",
            f"<@{member.id}>" if member else None,
            *scores,
            labelled("strength", strength),
            labelled("improve", improve),
        )
        await runner.run_command(interaction, text)

    @prompts.command(name="list", description="The prompts this channel can get")
    @app_commands.autocomplete(tag=one_tag)
    async def prompts_list(interaction: discord.Interaction, tag: str | None = None) -> None:
        await runner.run_command(interaction, join_command("prompts", "list", tag))

    @prompts.command(name="add", description="Add a prompt of your own")
    @app_commands.describe(
        title="A short name, e.g. Podcast search",
        scenario="A sentence or more: the situation to design for",
        tags="Comma-separated tags",
    )
    @app_commands.autocomplete(tags=many_tags)
    async def prompts_add(
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        scenario: app_commands.Range[str, 1, 4000],
        tags: str | None = None,
    ) -> None:
        parts = [title.replace("|", "/").strip(), scenario.replace("|", "/").strip()]
        if tags and tags.strip():
            parts.append(tags.replace(" ", ""))
        await runner.run_command(interaction, "prompts add " + " | ".join(parts))

    @prompts.command(name="remove", description="Remove a prompt you added")
    async def prompts_remove(interaction: discord.Interaction, id: str) -> None:
        await runner.run_command(interaction, join_command("prompts", "remove", id))

    @prompts.command(name="model", description="Set or clear a prompt's model answer")
    @app_commands.describe(
        id="The prompt's id (see prompts list)",
        text="The unscored reference answer, or 'clear' to remove it",
    )
    async def prompts_model(
        interaction: discord.Interaction, id: str, text: app_commands.Range[str, 1, 4000]
    ) -> None:
        await runner.run_command(interaction, join_command("prompts", "model", id, text))

    @prompts.command(name="suggest", description="Suggest a prompt for admins to approve")
    @app_commands.describe(
        title="A short name, e.g. Podcast search",
        scenario="A sentence or more: the situation to design for",
        tags="Comma-separated tags",
    )
    @app_commands.autocomplete(tags=many_tags)
    async def prompts_suggest(
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 200],
        scenario: app_commands.Range[str, 1, 4000],
        tags: str | None = None,
    ) -> None:
        parts = [title.replace("|", "/").strip(), scenario.replace("|", "/").strip()]
        if tags and tags.strip():
            parts.append(tags.replace(" ", ""))
        await runner.run_command(interaction, "prompts suggest " + " | ".join(parts))

    @prompts.command(name="suggestions", description="Prompt suggestions waiting for admins")
    async def prompts_suggestions(interaction: discord.Interaction) -> None:
        await runner.run_command(interaction, "prompts suggestions")

    @prompts.command(name="approve", description="Approve a suggestion into the prompt bank")
    @app_commands.describe(id="The suggestion's number")
    async def prompts_approve(
        interaction: discord.Interaction, id: app_commands.Range[int, 1]
    ) -> None:
        await runner.run_command(interaction, join_command("prompts", "approve", id))

    @prompts.command(name="decline", description="Decline a suggestion")
    @app_commands.describe(id="The suggestion's number", reason="Told to its author")
    async def prompts_decline(
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await runner.run_command(interaction, join_command("prompts", "decline", id, reason))

    @home("archive").command(name="archive", description=declared["archive"].short)
    @app_commands.choices(what=[Choice(name="final boards of past weeks", value="boards")])
    @app_commands.describe(what="Past rounds (default) or past boards", page="Page number")
    async def archive(
        interaction: discord.Interaction,
        what: Choice[str] | None = None,
        page: app_commands.Range[int, 1, 1000] | None = None,
    ) -> None:
        await runner.run_command(
            interaction, join_command("archive", what.value if what else None, page)
        )

    @home("vote").command(name="vote", description=declared["vote"].short)
    @app_commands.describe(member="Whose answer was the best")
    async def vote(interaction: discord.Interaction, member: discord.Member) -> None:
        await runner.run_command(interaction, join_command("vote", f"<@{member.id}>"))

    @home("export").command(name="export", description=declared["export"].short)
    @app_commands.choices(scope=[Choice(name="this channel", value="channel")])
    async def export(interaction: discord.Interaction, scope: Choice[str] | None = None) -> None:
        await runner.run_command(
            interaction, join_command("export", scope.value if scope else None)
        )

    @home("web").command(name="web", description=declared["web"].short)
    @app_commands.choices(scope=[Choice(name="every channel", value="workspace")])
    async def web(interaction: discord.Interaction, scope: Choice[str] | None = None) -> None:
        await runner.run_command(interaction, join_command("web", scope.value if scope else None))

    return kata, admin


def answer_text(stage: str | None, text: str) -> str:
    """`answer <stage:> <text>` as the core reads it."""
    stage = (stage or "").strip().rstrip(":")
    return join_command("answer", f"{stage}:" if stage else None, text.strip())
