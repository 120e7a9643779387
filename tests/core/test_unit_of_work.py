"""The unit of work: each command or event runs its database work in one transaction, a
read-only command in a channel the bot never saw records nothing, and use cases no longer
open transactions or repeat the get-or-create themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.chat import ChannelRef
from bot.models import Channel, Member, Workspace
from bot.settings import PROJECT_ROOT
from bot.unit import UnitClosed, open_unit
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


@contextmanager
def transactions(harness: Harness) -> Iterator[list[int]]:
    """Counts the transactions begun on the harness's engine while the block runs.

    A command carrying a request id (every one `MemoryChat` sends, like Slack and Discord)
    first claims that id in a short transaction of its own (`bot.replays`), so a command
    counts that claim plus its unit of work; a message, edit or deletion only its unit."""
    begun: list[int] = []

    def on_begin(_conn: Any) -> None:
        begun.append(1)

    event.listen(harness.engine.sync_engine, "begin", on_begin)
    try:
        yield begun
    finally:
        event.remove(harness.engine.sync_engine, "begin", on_begin)


CLAIM = 1
"""The replay claim's own transaction, ahead of a command's unit of work."""


async def test_each_command_and_event_runs_in_one_transaction(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    ana, bo = chat.member("ana"), chat.member("bo")
    chat.auto_work = False  # counted here: what each command does, not the worker after it
    with transactions(harness) as begun:
        await chat.command(lead, "setup 09:00 Europe/Berlin daily")
    assert len(begun) == CLAIM + 1, "setup"
    await chat.command(lead, "pace manual")
    with transactions(harness) as begun:
        await chat.command(lead, "now")
    assert len(begun) > CLAIM + 1, (
        "posting a round claims, posts, then records (the counter counts)"
    )
    thread = chat.latest_thread()

    steps = {
        "an answer": chat.reply(ana, "scope: a first answer", thread=thread),
        "another member's answer": chat.reply(bo, "scope: my answer", thread=thread),
        "an answer by command": chat.command(ana, "answer metrics: a second one", thread=thread),
        "a feedback": chat.command(
            bo, "feedback @ana problem=3 strength: sharp scoping improve: add a fallback"
        ),
        "a leaderboard": chat.command(bo, "leaderboard"),
        "stats": chat.command(ana, "stats"),
        "the stats button": chat.press(ana, "stats", thread=thread),
        "a streak": chat.command(ana, "streak"),
        "the schedule": chat.command(ana, "schedule"),
        "a refused admin command": chat.command(ana, "pause"),
        "opting out": chat.command(bo, "optout"),
        "a prompt list": chat.command(ana, "prompts list"),
    }
    without_request = {"an answer", "another member's answer", "the stats button"}
    said = {}
    for name, step in steps.items():
        with transactions(harness) as begun:
            result = await step
        said[name] = (result[1] if isinstance(result, tuple) else result).text
        expected = 1 if name in without_request else CLAIM + 1
        assert len(begun) == expected, f"{name}: {len(begun)} transactions ({said[name]!r})"
    ref, _ = await chat.reply(ana, "scope: to be edited", thread=thread)
    for name, step in {
        "an edit": chat.edit(ana, ref, "metrics: edited into another stage"),
        "a deletion": chat.delete(ref),
        "the feedback button (no request id)": chat.press(ana, "feedback", thread=thread),
    }.items():
        with transactions(harness) as begun:
            await step
        assert len(begun) == 1, f"{name}: {len(begun)} transactions"
    assert "Feedback for ana sent" in said["a feedback"]
    assert "Only admins" in said["a refused admin command"]


async def test_read_only_commands_in_an_unknown_channel_record_nothing(
    harness: Harness, chat: MemoryChat
) -> None:
    newcomer = chat.member("nia")
    for text in ("schedule", "leaderboard", "leaderboard workspace", "stats", "streak", "help"):
        outcome = await chat.command(newcomer, text, channel="C-new")
        assert outcome.replies, text
    await chat.command(newcomer, "prompts list", channel="C-new")
    assert "Not set up yet" in (await chat.command(newcomer, "schedule", channel="C-new")).text
    async with harness.kata.sessions.begin() as session:
        for model in (Workspace, Channel, Member):
            count = await session.scalar(select(func.count()).select_from(model))
            assert count == 0, f"{model.__tablename__}: {count} rows"


def _bot_sources() -> dict[str, str]:
    root = PROJECT_ROOT / "bot"
    return {str(p.relative_to(PROJECT_ROOT)): p.read_text() for p in root.rglob("*.py")}


MAY_OPEN_TRANSACTIONS = {
    "bot/unit.py",  # the unit itself
    "bot/replays.py",  # giving a claim back after a unit committed and then failed
    "bot/rounds/lifecycle.py",  # claim, post, record: the platform call between them
    "bot/rounds/startup.py",  # planning missing rounds before any event arrives
    "bot/worker.py",  # finishing or giving back a row after its use case ran
    "bot/rounds/fanout.py",  # a batch of rounds: intent, post, record, like lifecycle
    "bot/work_queue.py",  # a worker's claim is its own short transaction, before any work
    "bot/nudges.py",  # a round's reminders: the ledger, then the private messages
    "bot/assignments.py",  # review notes as work: mark each sent, then send it, like lifecycle
}


def test_use_cases_open_no_transaction_of_their_own() -> None:
    opening = [
        path
        for path, text in _bot_sources().items()
        if "sessions.begin()" in text and path not in MAY_OPEN_TRANSACTIONS
    ]
    assert opening == []


def test_nothing_looks_a_channel_up_and_then_asserts_it_exists() -> None:
    found = [
        f"{path}: {m.group(0)}"
        for path, text in _bot_sources().items()
        for m in re.finditer(r"assert (channel|ws|member) is not None|create=(True|False)", text)
    ]
    assert found == []


def test_the_get_or_create_is_written_once() -> None:
    writes = [
        path
        for path, text in _bot_sources().items()
        for _ in re.finditer(r"except IntegrityError:\n\s+\w+ = await session\.scalar", text)
    ]
    assert writes == ["bot/directory.py"]


async def test_a_unit_takes_no_database_work_after_it_committed(harness: Harness) -> None:
    async with open_unit(harness.kata, chat_channel()) as unit:
        assert await unit.find_channel() is None
        await unit.commit()
        with pytest.raises(UnitClosed):
            unit.session  # noqa: B018


async def test_after_commit_callbacks_run_only_when_the_unit_committed(harness: Harness) -> None:
    ran: list[str] = []
    with pytest.raises(LookupError):
        async with open_unit(harness.kata, chat_channel()) as unit:
            await unit.ensure_channel()
            unit.after_commit(lambda: ran.append("rolled back"))
            raise LookupError("a use case failed")
    async with open_unit(harness.kata, chat_channel()) as unit:
        assert await unit.find_channel() is None, "the failed unit's channel was rolled back"
        unit.after_commit(lambda: ran.append("committed"))
    assert ran == ["committed"]


def chat_channel() -> ChannelRef:
    return ChannelRef("memory", "W1", "C-unit")
