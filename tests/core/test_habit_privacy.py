"""The habit features' data: `export` carries votes, model answers and suggestions, and
`forgetme` erases them while teammates keep what they earned."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from bot.chat import Outcome
from bot.models import BestVote, ModelAnswer, PromptSuggestion
from tests.support.harness import Harness, content
from tests.support.memory_chat import MemoryChat

PODCASTS = "Rank podcast episodes | Listeners type a topic and expect the right episodes first."


def csv_dicts(outcome: Outcome) -> list[dict[str, str]]:
    (attachment,) = outcome.replies[0].message.attachments
    return list(csv.DictReader(io.StringIO(attachment.content.decode(), newline="")))


async def count(harness: Harness, model: type) -> int:
    async with harness.kata.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def play(harness: Harness, chat: MemoryChat):
    lead = await chat.start_round()
    ana, bo, cy = chat.member("ana"), chat.member("bo"), chat.member("cy")
    await chat.reply(ana, "scope: one")
    await chat.reply(bo, "scope: two")
    await chat.command(bo, "vote ana")
    await chat.command(cy, "vote ana")
    await chat.command(ana, "vote bo")
    await chat.command(ana, f"prompts suggest {PODCASTS}")
    await chat.command(lead, f"prompts model {content().prompts[0].id} Two towers.")
    for _ in range(11):
        await chat.command(lead, "next")
    return lead, ana, bo


async def test_the_personal_export_carries_votes_suggestions_and_model_answers(
    harness: Harness, chat: MemoryChat
) -> None:
    lead, ana, _ = await play(harness, chat)
    rows = csv_dicts(await chat.command(ana, "export"))
    by_kind = {r["kind"]: r for r in rows}
    assert by_kind["vote_given"]["other_member"] == "bo"
    assert by_kind["votes_received"]["detail"] == "votes=2"
    assert "bo" not in by_kind["votes_received"].values()
    assert by_kind["prompt_suggestion"]["text"] == PODCASTS
    assert by_kind["prompt_suggestion"]["detail"].startswith("#1; status=pending")
    assert [r["detail"] for r in rows if r["kind"] == "points"].count("best") == 1
    lead_rows = csv_dicts(await chat.command(lead, "export"))
    (model,) = [r for r in lead_rows if r["kind"] == "model_answer"]
    assert model["text"] == "Two towers." and model["prompt"] == content().prompts[0].id


async def test_forgetme_erases_votes_and_suggestions_and_teammates_keep_their_bonus(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    ana, bo, cy = chat.member("ana"), chat.member("bo"), chat.member("cy")
    await chat.reply(ana, "scope: one")
    await chat.reply(bo, "scope: two")
    await chat.command(ana, "vote bo")
    await chat.command(cy, "vote bo")
    await chat.command(bo, "vote ana")
    await chat.command(ana, f"prompts suggest {PODCASTS}")
    await chat.command(lead, f"prompts model {content().prompts[0].id} Two towers.")
    for _ in range(11):
        await chat.command(lead, "next")
    assert await count(harness, BestVote) == 3
    await chat.command(ana, "forgetme confirm")
    assert await count(harness, BestVote) == 1  # cy's vote for bo stays
    assert await count(harness, PromptSuggestion) == 0
    assert "Points here / everywhere: 12 / 12" in (await chat.command(bo, "stats")).text
    await chat.command(lead, "forgetme confirm")
    assert await count(harness, ModelAnswer) == 1
    async with harness.kata.sessions() as session:
        assert await session.scalar(select(ModelAnswer.set_by_id)) is None
