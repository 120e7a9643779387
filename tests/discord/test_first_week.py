"""A server's first week in Discord: private boards unless shared, undoing a skip, zones."""

from __future__ import annotations

from adapters.discord.choices import time_zone_choices
from bot.timezones import parse_timezone


def test_time_zone_completion_offers_only_zones_setup_accepts() -> None:
    assert [c.value for c in time_zone_choices("pst")][:1] == ["America/Los_Angeles"]
    assert [c.value for c in time_zone_choices("gmt")] == ["UTC"]
    assert [c.value for c in time_zone_choices("cet")][:1] == ["Europe/Berlin"]
    for typed in ("", "ist", "gmt", "etc", "us", "a", "new", "pst8"):
        for choice in time_zone_choices(typed):
            assert not choice.value.startswith("Etc/"), (typed, choice.value)
            assert parse_timezone(choice.value).key == choice.value
