"""Feedback typed as a command: the reply names the real problem, and updates lose nothing."""

from __future__ import annotations

from tests.support.memory_chat import MemoryChat

STRENGTH = "strength: clear users and goal"
IMPROVE = "improve: say what is out of scope"


async def round_answered_by_ana(chat: MemoryChat) -> None:
    await chat.start_round()
    await chat.reply(chat.member("ana"), "scope: members in the EU")
    await chat.reply(chat.member("bo"), "scope: only new members")


async def test_a_self_review_is_refused_for_what_it_is_even_with_short_texts(
    chat: MemoryChat,
) -> None:
    await round_answered_by_ana(chat)
    out = await chat.command(chat.member("ana"), "feedback ana strength: ok improve: ok")
    assert "You can't review yourself" in out.text


async def test_a_missing_improvement_is_named(chat: MemoryChat) -> None:
    await round_answered_by_ana(chat)
    out = await chat.command(chat.member("bo"), f"feedback ana problem=3 {STRENGTH}")
    assert "Add 'improve:' and one concrete improvement" in out.text
    assert "could not read" not in out.text


async def test_the_two_texts_may_come_in_either_order_and_scores_may_have_spaces(
    chat: MemoryChat,
) -> None:
    await round_answered_by_ana(chat)
    bo = chat.member("bo")
    out = await chat.command(
        bo, f"feedback ana problem = 3 data= 2 modelling =4 {IMPROVE} {STRENGTH}"
    )
    assert "Feedback for ana sent (+3 points)" in out.text
    [note] = chat.private_to(chat.member("ana"))
    assert "Problem understanding: strong" in note.text
    assert "Data and feature engineering: weak" in note.text
    assert "Strength\nclear users and goal" in note.text
    assert "Improvement\nsay what is out of scope" in note.text


async def test_a_level_out_of_range_names_the_signal(chat: MemoryChat) -> None:
    await round_answered_by_ana(chat)
    out = await chat.command(chat.member("bo"), f"feedback ana problem=5 {STRENGTH} {IMPROVE}")
    assert "Problem understanding: pick a level from 1 (very weak) to 4 (very strong)" in out.text
    assert "'5' is not one" in out.text


async def test_a_word_among_the_scores_is_pointed_out(chat: MemoryChat) -> None:
    await round_answered_by_ana(chat)
    out = await chat.command(
        chat.member("bo"), f"feedback ana problem=3 great {STRENGTH} {IMPROVE}"
    )
    assert "I read 'great' among the scores" in out.text


async def test_sending_feedback_again_with_only_texts_keeps_the_earlier_scores(
    chat: MemoryChat,
) -> None:
    await round_answered_by_ana(chat)
    bo, ana = chat.member("bo"), chat.member("ana")
    await chat.command(bo, f"feedback ana problem=3 communication=4 {STRENGTH} {IMPROVE}")
    again = await chat.command(
        bo, "feedback ana communication=2 strength: sharp scoping improve: name a latency budget"
    )
    assert "updated" in again.text
    assert "Your earlier scores stay: Problem understanding" in again.text
    update_note = chat.private_to(ana)[-1]
    assert "Problem understanding: strong" in update_note.text
    assert "Communication and collaboration: weak" in update_note.text
    assert "name a latency budget" in update_note.text
