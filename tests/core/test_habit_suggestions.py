"""Prompt suggestions: a member proposes a prompt, an admin approves it into the bank with the
author credited (or declines it), and the author hears about it privately."""

from __future__ import annotations

from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

PODCASTS = (
    "Rank podcast episodes | Listeners type a topic and expect the right episodes first. "
    "| search, ranking"
)


async def test_an_approved_suggestion_joins_the_bank_credited_to_its_author(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round(now=False)
    ana = chat.member("ana")
    sent = await chat.command(ana, f"prompts suggest {PODCASTS}")
    assert sent.replies[0].private
    assert "Your suggestion #1, Rank podcast episodes, waits for an admin" in sent.text
    refused = await chat.command(ana, "prompts approve 1")
    assert "Only admins can use /kata prompts approve" in refused.text
    assert (
        "Only admins can use /kata prompts suggestions"
        in (await chat.command(ana, "prompts suggestions")).text
    )
    waiting = (await chat.command(lead, "prompts suggestions")).text
    assert "#1 Rank podcast episodes (by ana) [search, ranking]: Listeners type" in waiting
    approved = (await chat.command(lead, "prompts approve 1")).text
    assert "Approved #1: Rank podcast episodes joins the prompt bank as " in approved
    assert "credited to ana" in approved
    (note,) = chat.private_to(ana)
    assert "Rank podcast episodes was approved" in note.text
    listing = (await chat.command(ana, "prompts list search")).text
    assert "custom-rank-podcast-episodes: Rank podcast episodes, by ana" in listing
    assert (
        "No prompt suggestions are waiting."
        in (await chat.command(lead, "prompts suggestions")).text
    )
    again = await chat.command(lead, "prompts approve 1")
    assert "Suggestion #1 was already approved." in again.text


async def test_a_declined_suggestion_tells_its_author_why(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round(now=False)
    ana = chat.member("ana")
    await chat.command(ana, f"prompts suggest {PODCASTS}")
    out = await chat.command(lead, "prompts decline #1 too close to the search prompt")
    assert "Declined #1: Rank podcast episodes. I let ana know." in out.text
    (note,) = chat.private_to(ana)
    assert "was declined. The reason given: too close to the search prompt" in note.text
    listing = (await chat.command(ana, "prompts list")).text
    assert "Rank podcast episodes" not in listing


async def test_bad_suggestions_get_a_clear_answer(harness: Harness, chat: MemoryChat) -> None:
    lead = await chat.start_round(now=False)
    ana = chat.member("ana")
    short = await chat.command(ana, "prompts suggest Podcasts | too short")
    assert "Give a title and a scenario of a sentence or more" in short.text
    await chat.command(ana, f"prompts suggest {PODCASTS}")
    twice = await chat.command(chat.member("bo"), f"prompts suggest {PODCASTS}")
    assert "'Rank podcast episodes' is already suggested (#1)" in twice.text
    assert "There is no suggestion #9 here." in (await chat.command(lead, "prompts approve 9")).text
    assert (
        "Name the suggestion by its number"
        in (await chat.command(lead, "prompts decline podcasts")).text
    )


async def test_suggestions_stay_in_their_workspace(harness: Harness, chat: MemoryChat) -> None:
    await chat.start_round(now=False)
    await chat.command(chat.member("ana"), f"prompts suggest {PODCASTS}")
    other = MemoryChat(harness.kata, workspace_id="W2")
    lead = await other.start_round(now=False)
    assert (
        "No prompt suggestions are waiting."
        in (await other.command(lead, "prompts suggestions")).text
    )
    assert (
        "There is no suggestion #1 here." in (await other.command(lead, "prompts approve 1")).text
    )
