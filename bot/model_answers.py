"""An admin's reference answer to a prompt (`prompts model <id> <text>`): unscored, one per
prompt and workspace, shown at wrap-up beside the strong-answer checklist."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bot.chat import OutgoingMessage, text_message
from bot.commands import CommandError, Parsed
from bot.content import Content
from bot.echo import echo
from bot.models import ModelAnswer
from bot.prompt_bank import find_prompt
from bot.rounds.queries import changed_rows

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_MODEL_ANSWER = 1500
"""Room for a compact reference answer inside one wrap-up section on every platform."""


async def set_model_answer(
    session: AsyncSession,
    content: Content,
    workspace_id: int,
    member_id: int,
    parsed: Parsed,
    rest: str,
    now: datetime,
) -> OutgoingMessage:
    """`prompts model <id> <text>` sets it, `prompts model <id> clear` removes it."""
    key, _, text = rest.partition(" ")
    key, text = key.strip(), text.strip()
    if not key or not text:
        raise CommandError(
            "Name the prompt and write the reference answer after it "
            "(or 'clear' to remove one); /kata prompts list shows prompt ids.",
            parsed.spec,
        )
    prompt = await find_prompt(session, content, workspace_id, key)
    if prompt is None:
        raise CommandError(f"There is no prompt {echo(key)} here.", parsed.spec)
    mine = (ModelAnswer.workspace_id == workspace_id, ModelAnswer.prompt_key == prompt.key)
    if text.lower() == "clear":
        removed = await changed_rows(session, delete(ModelAnswer).where(*mine))
        if not removed:
            return text_message(f"{prompt.title} has no model answer to remove.")
        return text_message(f"Removed the model answer of {prompt.title}.")
    if len(text) > MAX_MODEL_ANSWER:
        raise CommandError(
            f"Keep a model answer under {MAX_MODEL_ANSWER:,} characters (this one has "
            f"{len(text):,}).",
            parsed.spec,
        )
    row = await session.scalar(select(ModelAnswer).where(*mine))
    if row is None:
        row = ModelAnswer(workspace_id=workspace_id, prompt_key=prompt.key)
        session.add(row)
    row.text, row.set_by_id, row.updated_at = text, member_id, now
    return text_message(
        f"Saved the model answer of {prompt.title}. It is shown, unscored, at the wrap-up of "
        "every round with this prompt."
    )


async def model_answer_for(session: AsyncSession, workspace_id: int, prompt_key: str) -> str | None:
    return await session.scalar(
        select(ModelAnswer.text).where(
            ModelAnswer.workspace_id == workspace_id, ModelAnswer.prompt_key == prompt_key
        )
    )
