"""Boards, stats, streak and the App Home cost the same few statements in a small team and
in a big one: nothing loops over channels or members. A workspace week or month asked for the
first time in a zone also registers it (`bot.board_periods`): a few statements more, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event

from bot.chat import CommandInvoked
from tests.support.harness import Harness, make_harness
from tests.support.memory_chat import MemoryChat

MOST = 5
"""Statements a call may take (SQLite's `BEGIN IMMEDIATE` is not counted: it is no query)."""

ASKED = (
    "leaderboard",
    "leaderboard points month",
    "leaderboard points all",
    "leaderboard reviews week",
    "leaderboard streak",
    "leaderboard points week workspace",
    "leaderboard points all workspace",
    "leaderboard reviews all workspace",
    "leaderboard reviews month workspace",
    "leaderboard streak workspace",
    "stats",
    "streak",
)

REGISTERING = 4
"""Statements the first ask of a workspace week or month adds: the periods, their fill, the
periods long over dropped and the board again (PostgreSQL also takes a lock first and
refreshes the table's statistics after the fill)."""
FIRST_ASKED = ("leaderboard points week workspace",)
"""It registers this week and month (and the next ones), so the month asked later reads them."""


async def team_of(harness: Harness, channels: int, members: int) -> MemoryChat:
    """`ana` answers in every practice channel; in the first, `members` teammates answer
    too and one of them reviews her."""
    chat = MemoryChat(harness.kata)
    for c in range(channels):
        await chat.start_round("09:00 Europe/Berlin daily", channel=f"C{c}")
        await chat.reply(chat.member("ana"), "scope: one region", chat.latest_thread(f"C{c}"))
    first = chat.latest_thread("C0")
    for m in range(members):
        await chat.reply(chat.member(f"mate{m}"), "metrics: ndcg", first)
    review = "feedback ana problem=3 strength: clear goal improve: a latency budget"
    await chat.command(chat.member("mate0"), review, thread=first)
    return chat


async def statements_per_call(
    harness: Harness, chat: MemoryChat
) -> tuple[dict[str, int], dict[str, int]]:
    """Statements of each call's first ask and of the next."""
    counted = 0

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal counted
        if not statement.startswith("BEGIN"):
            counted += 1

    ana = chat.member("ana")
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        line: (lambda line=line: harness.kata.handle(CommandInvoked(chat.channel("C0"), ana, line)))
        for line in ASKED
    }
    calls["App Home"] = lambda: harness.kata.home(ana)
    firsts: dict[str, int] = {}
    counts: dict[str, int] = {}
    event.listen(harness.engine.sync_engine, "before_cursor_execute", seen)
    try:
        for name, call in calls.items():
            counted = 0
            await call()
            firsts[name] = counted
            counted = 0
            await call()
            counts[name] = counted
    finally:
        event.remove(harness.engine.sync_engine, "before_cursor_execute", seen)
    return firsts, counts


async def test_a_big_team_costs_the_same_statements_as_a_small_one(database_url: str) -> None:
    seen: list[tuple[dict[str, int], dict[str, int]]] = []
    homes: list[str] = []
    for channels, members in ((2, 2), (20, 20)):
        harness = await make_harness(database_url)
        try:
            chat = await team_of(harness, channels, members)
            seen.append(await statements_per_call(harness, chat))
            homes.append((await harness.kata.home(chat.member("ana"))).plain_text())
        finally:
            await harness.close()
    (small_first, small), (big_first, big) = seen
    assert big == small and big_first == small_first
    # `stats` with its calendar, radar and rubric trend too.
    assert max(small.values()) <= MOST, small
    registering = {k: v - small[k] for k, v in small_first.items() if v != small[k]}
    assert set(registering) == set(FIRST_ASKED), small_first
    assert all(REGISTERING <= v <= REGISTERING + 2 for v in registering.values()), registering
    assert homes[0].count("Streak 1") == 2 and homes[1].count("Streak 1") == 20


async def test_the_app_home_shows_only_the_members_own_channels(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin daily", channel="C1")
    await chat.start_round("09:00 Europe/Berlin daily", channel="C2")
    await chat.reply(chat.member("ana"), "scope: one region", chat.latest_thread("C1"))
    await chat.reply(chat.member("bo"), "scope: all regions", chat.latest_thread("C2"))
    home = (await harness.kata.home(chat.member("ana"))).plain_text()
    assert "Channel C1" in home and "Channel C2" not in home
    assert "answered: #1" in home and "1. ana: 7 pts" in home
    newcomer = (await harness.kata.home(chat.member("cy"))).plain_text()
    assert "Channel C" not in newcomer and "answer a round" in newcomer
