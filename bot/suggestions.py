"""Prompt suggestions: any member proposes `Title | Scenario | tags`; admins list, approve or
decline them. An approved suggestion joins the workspace's bank credited to its author, and
the author hears the decision privately either way."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.chat import OutgoingMessage, Section, UserRef, text_message
from bot.commands import CommandError, Parsed
from bot.echo import clip, echo
from bot.kinds import SuggestionStatus
from bot.models import Member, PromptSuggestion
from bot.plurals import plural
from bot.prompt_bank import add_custom, workspace_prompts
from bot.rounds.queries import channel_ref

if TYPE_CHECKING:
    from bot.unit import Unit

log = logging.getLogger(__name__)

SUGGESTION_ID = re.compile(r"[0-9]{1,9}")
MAX_TITLE = 120
MAX_SCENARIO = 1500
MIN_SCENARIO = 20
LISTED = 20
MAX_REASON = 300


def parse_prompt(parsed: Parsed, rest: str) -> tuple[str, str, list[str]]:
    """`Title | Scenario | tags`, checked as `prompts add` checks it."""
    parts = [p.strip() for p in rest.split("|")]
    if len(parts) < 2 or not parts[0] or len(parts[1]) < MIN_SCENARIO:
        raise CommandError(
            "Give a title and a scenario of a sentence or more: Title | Scenario | tags",
            parsed.spec,
        )
    title, scenario = parts[0], parts[1]
    if len(title) > MAX_TITLE or len(scenario) > MAX_SCENARIO:
        raise CommandError(
            f"Keep the title under {MAX_TITLE} and the scenario under {MAX_SCENARIO:,} characters.",
            parsed.spec,
        )
    raw_tags = parts[2] if len(parts) > 2 else ""
    return title, scenario, [t for t in (w.strip().lower() for w in raw_tags.split(",")) if t]


async def suggest(unit: Unit, parsed: Parsed, rest: str) -> OutgoingMessage:
    title, scenario, tags = parse_prompt(parsed, rest)
    member = await unit.ensure_member()
    session, ws_id = unit.session, member.workspace_id
    views = await workspace_prompts(session, unit.content, ws_id)
    if any(v.title.casefold() == title.casefold() for v in views):
        raise CommandError(f"There is already a prompt called {echo(title)}.")
    pending = await session.scalar(
        select(PromptSuggestion.id).where(
            PromptSuggestion.workspace_id == ws_id,
            PromptSuggestion.status == SuggestionStatus.PENDING,
            PromptSuggestion.title == title,
        )
    )
    if pending is not None:
        raise CommandError(f"{echo(title)} is already suggested (#{pending}) and waits for admins.")
    row = PromptSuggestion(
        workspace_id=ws_id,
        author_id=member.id,
        title=title,
        scenario=scenario,
        tags=tags,
        status=SuggestionStatus.PENDING,
        created_at=unit.now,
    )
    session.add(row)
    await session.flush()
    return text_message(
        f"Thanks! Your suggestion #{row.id}, {title}, waits for an admin; I will tell you "
        "when they decide."
    )


async def pending_list(unit: Unit) -> OutgoingMessage:
    ws_id = await unit.ensure_workspace_id()
    rows = (
        (
            await unit.session.execute(
                select(PromptSuggestion, Member.display_name)
                .join(Member, Member.id == PromptSuggestion.author_id)
                .where(
                    PromptSuggestion.workspace_id == ws_id,
                    PromptSuggestion.status == SuggestionStatus.PENDING,
                )
                .order_by(PromptSuggestion.id)
            )
        )
        .tuples()
        .all()
    )
    if not rows:
        return text_message("No prompt suggestions are waiting.")
    lines = []
    for row, author in rows[:LISTED]:
        tags = f" [{', '.join(row.tags)}]" if row.tags else ""
        lines.append(f"#{row.id} {row.title} (by {author}){tags}: {clip(row.scenario, 160)}")
    more = len(rows) - LISTED
    if more > 0:
        lines.append(f"and {plural(more, 'more suggestion')}")
    return OutgoingMessage(
        title=f"Prompt suggestions waiting ({len(rows)})",
        sections=(Section(text="\n".join(lines)),),
        footer="Approve with /kata prompts approve <id>; decline with "
        "/kata prompts decline <id> [reason].",
    )


async def decide(unit: Unit, parsed: Parsed, rest: str, approve: bool) -> OutgoingMessage:
    """Approve (the prompt joins the bank) or decline a pending suggestion, then tell its
    author privately once the decision is saved."""
    word, _, reason = rest.partition(" ")
    word, reason = word.lstrip("#"), reason.strip()
    if not SUGGESTION_ID.fullmatch(word):
        raise CommandError(
            "Name the suggestion by its number; /kata prompts suggestions lists them.",
            parsed.spec,
        )
    if len(reason) > MAX_REASON:
        raise CommandError(f"Keep the reason under {MAX_REASON} characters.", parsed.spec)
    channel = await unit.ensure_channel()
    session = unit.session
    row = await session.scalar(
        select(PromptSuggestion).where(
            PromptSuggestion.workspace_id == channel.workspace_id,
            PromptSuggestion.id == int(word),
        )
    )
    if row is None:
        raise CommandError(f"There is no suggestion #{word} here.", parsed.spec)
    if row.status != SuggestionStatus.PENDING:
        return text_message(f"Suggestion #{row.id} was already {row.status.value}.")
    author = await session.get(Member, row.author_id)
    assert author is not None
    row.decided_at = unit.now
    if approve:
        prompt = await add_custom(
            session, row.workspace_id, row.title, row.scenario, list(row.tags), author.id, unit.now
        )
        row.status, row.prompt_key = SuggestionStatus.APPROVED, prompt.key
        reply = (
            f"Approved #{row.id}: {row.title} joins the prompt bank as {prompt.key}, "
            f"credited to {author.display_name}."
        )
        note = (
            f"Your prompt suggestion {row.title} was approved: it joins this workspace's "
            "prompt bank with your name on it."
        )
    else:
        row.status, row.reason = SuggestionStatus.DECLINED, reason or None
        reply = f"Declined #{row.id}: {row.title}. I let {author.display_name} know."
        why = f" The reason given: {reason}" if reason else ""
        note = f"Your prompt suggestion {row.title} was declined.{why}"
    ref = await channel_ref(session, channel.id)
    user = UserRef(ref.platform, ref.workspace_id, author.external_id)
    await unit.commit()
    try:
        await unit.deps.port_for(ref.platform).send_private(
            user, OutgoingMessage(title="Your prompt suggestion", sections=(Section(note),)), ref
        )
    except Exception:
        log.warning("could not tell %s about their suggestion", user, exc_info=True)
    return text_message(reply)
