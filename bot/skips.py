"""A channel's skipped days (`/kata skip`), kept as `channel_skips` rows loaded with it."""

from __future__ import annotations

from datetime import date

from bot.models import Channel, ChannelSkip


def skipped(channel: Channel) -> list[date]:
    """The skipped days in order."""
    return sorted(s.local_date for s in channel.skips)


def one_off(channel: Channel) -> list[date]:
    """The days skipped with `/kata skip`, without the holidays (`bot.holidays`)."""
    return sorted(s.local_date for s in channel.skips if not s.holiday)


def skip(channel: Channel, day: date) -> None:
    if day not in skipped(channel):
        channel.skips.append(ChannelSkip(local_date=day))


def unskip(channel: Channel, day: date) -> None:
    channel.skips[:] = [s for s in channel.skips if s.local_date != day or s.holiday]


def forget_before(channel: Channel, day: date) -> None:
    """Drop skips of days long gone, so the list shown stays short."""
    channel.skips[:] = [s for s in channel.skips if s.local_date >= day]
