"""Every /kata subcommand, with typed options, reaches the core as text it understands."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord import DiscordAdapter
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.people import Person

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
