"""Every /kata subcommand, with typed options, reaches the core as text it understands."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from discord import app_commands

from adapters.discord import DiscordAdapter
from adapters.discord.commands import (
    KATA_ADMIN,
    CommandRunner,
    build_groups,
    discord_command_text,
)
from bot.commands.catalogue import COMMANDS
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.people import Person
from tests.support.harness import content

CASES: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("help",), {}),
    (("schedule",), {}),
    (("pace",), {"mode": "drip", "minutes": 20}),
    (("pace",), {"mode": "all"}),
    (("filter", "tags"), {"tags": "ranking, retrieval"}),
    (("filter", "difficulty"), {"levels": "easy,medium"}),
    (("filter", "clear"), {}),
    (("skip",), {"date": "2026-11-25"}),
    (("pause",), {}),
    (("resume",), {}),
    (("leaderboard",), {"board": "streak", "period": "month", "scope": "workspace"}),
    (("stats",), {}),
    (("streak",), {}),
    (("prompts", "list"), {"tag": "ranking"}),
    (
        ("prompts", "add"),
        {
            "title": "Podcast search",
            "scenario": "Listeners type a topic and expect the right podcast episodes first.",
            "tags": "search",
        },
    ),
    (("optout",), {}),
    (("optin",), {}),
    (("archive",), {"page": 1}),
    (
        ("prompts", "suggest"),
        {
            "title": "Rank podcast episodes",
            "scenario": "Listeners type a topic and expect the right episodes first.",
            "tags": "search",
        },
    ),
    (("prompts", "suggestions"), {}),
    (("prompts", "model"), {"id": content().prompts[0].id, "text": "Two towers, then a reranker."}),
    (("away",), {"length": "3d"}),
    (("back",), {}),
    (("holiday", "add"), {"days": "2026-12-24..2026-12-26"}),
    (("holiday", "list"), {}),
    (("remind",), {"before": "2h"}),
    (("nudges",), {"state": "off"}),
    (("assign",), {}),
    (("assign",), {"turn": "off"}),
    (("assign",), {"deadline": "48h"}),
]


@pytest.mark.parametrize(("path", "options"), CASES, ids=[" ".join(c[0]) for c in CASES])
async def test_the_core_understands_the_joined_command(
    bot: DiscordAdapter, fake: FakeDiscord, path: tuple[str, ...], options: dict[str, Any]
) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    reply = await fake.reply_to(await lea.slash(*path, **options))
    assert reply["type"] == 4
    shown = text_of(reply["data"])
    assert "Usage:" not in shown and "Sorry" not in shown, shown


COVERED_ELSEWHERE = {
    ("setup",): "run before every case above",
    ("now",): "test_round_story.py",
    ("next",): "test_round_story.py",
    ("answer",): "test_connect.py",
    ("feedback",): "test_round_story.py",
    ("unskip",): "test_first_week.py",
    ("forgetme",): "tests/core/test_privacy.py (no typed options: the text is the core's)",
    ("export",): "test_round_story.py",
    ("export", "channel"): "test_round_story.py (an option of export, not a subcommand)",
    ("prompts", "remove"): "tests/core/test_leaderboards_and_commands.py",
    ("web",): "test_pictures.py",
    ("web", "workspace"): "test_pictures.py (an option of web, not a subcommand)",
    ("vote",): "test_habit_vote.py",
    ("prompts", "approve"): "test_habit_vote.py (a suggestion approved, its author told)",
    ("prompts", "decline"): "tests/core/test_habit_suggestions.py",
    ("archive", "boards"): "tests/core/test_habit_archive.py (an option of archive on Discord)",
    ("feedback", "received"): "test_habit_vote.py (an option of feedback, not a subcommand)",
    ("holiday", "remove"): "tests/core/test_habit_away.py (needs a holiday added first)",
    ("assign", "on"): "the cases above (an option of assign, not a subcommand)",
    ("assign", "off"): "the cases above (an option of assign, not a subcommand)",
    ("assign", "deadline"): "the cases above (an option of assign, not a subcommand)",
}
"""Subcommands a story walks elsewhere; a newly declared command fails until it is walked."""


def test_every_registry_command_is_walked_here_or_named_where_it_is() -> None:
    walked = {path for path, _ in CASES}
    missing = [p for p in COMMANDS.paths() if not any(w[: len(p)] == p for w in walked)]
    assert [p for p in missing if p not in COVERED_ELSEWHERE] == []


def test_kata_and_kata_admin_together_are_the_registry() -> None:
    core = SimpleNamespace(commands=COMMANDS, rubric=content().framework.rubric)
    runner = cast(CommandRunner, SimpleNamespace(kata=core))
    kata, admin = build_groups(runner)
    listed = {c.name: c for c in (*kata.commands, *admin.commands)}
    assert set(listed) == {c.name for c in COMMANDS}
    assert {c.name for c in admin.commands} == {c.name for c in COMMANDS if c.admin_only}
    assert admin.name == KATA_ADMIN and "pause" in {c.name for c in admin.commands}
    assert len(kata.commands) <= 25 and len(admin.commands) <= 25
    for name, sub in listed.items():
        assert sub.description == COMMANDS[name].short[:100]
        if isinstance(sub, app_commands.Group):
            assert {c.name for c in sub.commands} == {s.name for s in COMMANDS[name].subcommands}


def test_what_the_bot_writes_names_the_admin_commands_where_discord_has_them() -> None:
    said = "Paused. Try /kata resume, /kata next or /kata filter tags nlp; /kata pauses is no word."
    assert discord_command_text(said, COMMANDS) == (
        "Paused. Try /kata-admin resume, /kata next or /kata-admin filter tags nlp;"
        " /kata pauses is no word."
    )
