"""`feedback <name>` finds the member by display name in any case, and the lookup reads the
matching rows only, however many members a workspace has."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select

from bot.directory import find_member
from bot.models import Member, Workspace
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def test_a_member_is_named_in_any_case_with_any_alphabet(chat: MemoryChat) -> None:
    await chat.start_round()
    await chat.reply(chat.member("Łukasz"), "scope: members in the EU")
    out = await chat.command(
        chat.member("bo"), "feedback łUKASZ strength: clear scope improve: more numbers"
    )
    assert "Feedback for Łukasz sent" in out.text


async def test_finding_a_member_by_name_reads_only_the_matching_rows(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    await chat.reply(chat.member("Ada"), "scope: members in the EU")
    at = datetime(2026, 11, 23, tzinfo=UTC)
    async with harness.kata.sessions.begin() as session:
        ws_id = await session.scalar(select(Workspace.id))
        assert ws_id is not None
        session.add_all(
            Member(workspace_id=ws_id, external_id=f"U{n}", display_name=f"m{n}", created_at=at)
            for n in range(2_000)
        )
    loaded: list[Member] = []

    def count(member: Member, context: object) -> None:
        loaded.append(member)

    event.listen(Member, "load", count)
    try:
        async with harness.kata.sessions() as session:
            found = await find_member(session, ws_id, "ADA")
            name = found.display_name if found else None
    finally:
        event.remove(Member, "load", count)
    assert name == "Ada"
    assert len(loaded) == 1, f"{len(loaded)} members read to find one"
