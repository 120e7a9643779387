"""The lengths of time members type for `away`, `remind` and `assign deadline`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.durations import parse_duration


@pytest.mark.parametrize(
    ("typed", "length"),
    [
        ("2h", timedelta(hours=2)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("45 min", timedelta(minutes=45)),
        ("2 hours", timedelta(hours=2)),
        ("2 days", timedelta(days=2)),
        ("3 weeks", timedelta(weeks=3)),
        ("1W", timedelta(weeks=1)),
    ],
)
def test_a_typed_length_reads_as_it_is_meant(typed: str, length: timedelta) -> None:
    assert parse_duration(typed) == length


@pytest.mark.parametrize("typed", ["", "soon", "2h later", "h2", "24"])
def test_anything_else_is_not_a_length(typed: str) -> None:
    assert parse_duration(typed) is None


def test_a_bare_number_takes_the_unit_the_command_gives_it() -> None:
    assert parse_duration("24", bare="h") == timedelta(hours=24)
