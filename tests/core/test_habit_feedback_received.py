"""Feedback you received, later: `feedback received` lists your reviews privately, and
`stats` shows how each rubric signal moves across them."""

from __future__ import annotations

from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat


async def review_day(harness: Harness, chat: MemoryChat, lead, levels: str, words: str) -> None:
    """A new round where ana answers and bo reviews her."""
    await chat.command(lead, "now")
    await chat.reply(chat.member("ana"), "scope: EU shoppers")
    out = await chat.command(
        chat.member("bo"), f"feedback ana {levels} strength: {words} improve: more numbers"
    )
    assert "Feedback for ana sent" in out.text, out.text


async def test_a_member_reads_the_reviews_they_received_privately(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round(now=False)
    await review_day(harness, chat, lead, "problem=2 data=3", "clear goals")
    await harness.advance(days=1)
    await review_day(harness, chat, lead, "problem=4", "sharp trade-offs")
    ana = chat.member("ana")
    everything = await chat.command(ana, "feedback received")
    assert everything.replies[0].private
    text = everything.text
    assert text.startswith("Feedback you received so far (2 reviews)")
    newest, oldest = text.index("sharp trade-offs"), text.index("clear goals")
    assert newest < oldest
    assert "Round #2, " in text and ": from bo (" in text
    rubric = harness.kata.rubric
    titles = {s.key: s.title for s in rubric.signals}
    assert f"{titles['problem']}: 4 - {rubric.levels[3]}" in text
    assert f"{titles['data']}: 3 - {rubric.levels[2]}" in text
    latest = (await chat.command(ana, "feedback received round")).text
    assert "in round #2 (1 review)" in latest and "clear goals" not in latest
    nothing = await chat.command(lead, "feedback received")
    assert "Nobody has reviewed your answers" in nothing.text
    wrong = await chat.command(ana, "feedback received yesterday")
    assert "'yesterday' is not a period: use round, week or all." in wrong.text


async def test_a_week_means_the_last_seven_days(harness: Harness, chat: MemoryChat) -> None:
    lead = await chat.start_round(now=False)
    await review_day(harness, chat, lead, "problem=2", "clear goals")
    await harness.advance(days=8)
    await review_day(harness, chat, lead, "problem=3", "sharp trade-offs")
    week = (await chat.command(chat.member("ana"), "feedback received week")).text
    assert "in the last 7 days (1 review)" in week
    assert "sharp trade-offs" in week and "clear goals" not in week


async def test_stats_show_the_rubric_trend_per_signal(harness: Harness, chat: MemoryChat) -> None:
    lead = await chat.start_round(now=False)
    for day, levels in enumerate(("problem=1 data=3", "problem=2 data=3", "problem=4 data=2")):
        if day:
            await harness.advance(days=1)
        await review_day(harness, chat, lead, levels, "clear goals")
    stats = (await chat.command(chat.member("ana"), "stats")).text
    assert "Your rubric trend (levels 1-4, oldest first)" in stats
    problem = next(s for s in harness.kata.rubric.signals if s.key == "problem").title
    data = next(s for s in harness.kata.rubric.signals if s.key == "data").title
    assert f"{problem}: 1, 2, 4 (rising)" in stats
    assert f"{data}: 3, 3, 2 (falling)" in stats
    assert "Your rubric trend" not in (await chat.command(chat.member("bo"), "stats")).text
