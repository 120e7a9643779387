"""Last week's (and last month's) points board, posted once, with the first round of a new
calendar period: the period closes, its champion is named first, the board starts over."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot import leaderboard, picture_data
from bot.render import final_board_message
from bot.rounds.queries import latest_posted_before, schedule_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.chat import OutgoingMessage
    from bot.models import Channel


def closed_periods(last: date, today: date) -> list[tuple[leaderboard.Period, str]]:
    """The week and month (with their boards' titles) that ended between a channel's round of
    `last` and its round of `today`."""
    closed: list[tuple[leaderboard.Period, str]] = []
    if last < today - timedelta(days=today.weekday()):
        week_of = last - timedelta(days=last.weekday())
        closed.append(("week", f"Final board for the week of {week_of:%a %d %b}"))
    if (last.year, last.month) != (today.year, today.month):
        closed.append(("month", f"Final board for {last:%B %Y}"))
    return closed


async def final_boards(
    session: AsyncSession, channel: Channel, today: date
) -> list[OutgoingMessage]:
    """The boards of every period that closed since the channel's last round; the first round
    of `today` posts them."""
    last = await latest_posted_before(session, channel.id, today)
    if last is None or last.posted_at is None:
        return []
    zone = schedule_of(channel).zone
    boards = []
    for period, title in closed_periods(last.local_date, today):
        rows = await leaderboard.board(
            session, channel.workspace_id, channel.id, "points", period, last.posted_at, zone
        )
        if rows:
            board = final_board_message(title, period, rows)
            picture = await picture_data.board_picture(title, rows)
            boards.append(replace(board, pictures=(picture,)))
    return boards
