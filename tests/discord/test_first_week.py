"""A server's first week in Discord: private boards unless shared, undoing a skip, zones."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from adapters.discord.choices import time_zone_choices
from bot.timezones import parse_timezone
from tests.discord.fake_discord import FakeDiscord, text_of
from tests.discord.fake_rest import EPHEMERAL
from tests.discord.people import Person


async def test_a_leaderboard_is_private_unless_the_member_shares_it(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    asked = (await fake.reply_to(await lea.slash("leaderboard")))["data"]
    assert asked["flags"] & EPHEMERAL and "Leaderboard" in text_of(asked)
    shared = (await fake.reply_to(await lea.slash("leaderboard", share=True)))["data"]
    assert not (shared.get("flags") or 0) & EPHEMERAL and "Leaderboard" in text_of(shared)


async def test_a_skip_is_undone_with_unskip(bot: DiscordAdapter, fake: FakeDiscord) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    await fake.reply_to(await lea.slash("skip", date="2026-11-25"))
    undone = (await fake.reply_to(await lea.slash("unskip", date="2026-11-25")))["data"]
    assert "Wed 25 Nov 2026 is back on" in text_of(undone)


def test_time_zone_completion_offers_only_zones_setup_accepts() -> None:
    assert [c.value for c in time_zone_choices("pst")][:1] == ["America/Los_Angeles"]
    assert [c.value for c in time_zone_choices("gmt")] == ["UTC"]
    assert [c.value for c in time_zone_choices("cet")][:1] == ["Europe/Berlin"]
    for typed in ("", "ist", "gmt", "etc", "us", "a", "new", "pst8"):
        for choice in time_zone_choices(typed):
            assert not choice.value.startswith("Etc/"), (typed, choice.value)
            assert parse_timezone(choice.value).key == choice.value
