"""`/kata prompts`: browse the bank with what this channel already had, add and remove the
workspace's own prompts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import suggestions
from bot.chat import OutgoingMessage, Section, text_message
from bot.commands import CommandError, Invocation, Parsed
from bot.content import Content
from bot.echo import echo
from bot.model_answers import set_model_answer
from bot.models import Channel, CustomPrompt, Member, Round
from bot.prompt_bank import PromptView, add_custom, workspace_prompts
from bot.rounds.queries import changed_rows

if TYPE_CHECKING:
    from bot.unit import Unit

LIST_LIMIT = 40
MAX_TITLE = 120
MAX_SCENARIO = 1500


async def prompts(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`prompts [list|tags|add|remove]`; who may add and remove is declared with the command."""
    parsed = inv.parsed
    sub, _, rest = parsed.rest.partition(" ")
    sub, rest = sub.lower() or "list", rest.strip()
    session, content = unit.session, unit.content
    if sub in ("list", "tags"):
        tag = "tags" if sub == "tags" else rest.lower()
        channel = await unit.find_channel()
        channel_id = channel.id if channel is not None else None
        return await list_prompts(session, content, await unit.find_workspace_id(), channel_id, tag)
    if sub == "suggest":
        return await suggestions.suggest(unit, parsed, rest)
    if sub == "suggestions":
        return await suggestions.pending_list(unit)
    if sub in ("approve", "decline"):
        return await suggestions.decide(unit, parsed, rest, approve=sub == "approve")
    channel = await unit.ensure_channel()
    if sub == "add":
        member = await unit.ensure_member()
        return await add_prompt(session, content, channel, member, parsed, rest, unit.now)
    if sub == "remove":
        return await remove_prompt(session, channel, parsed, rest)
    if sub == "model":
        member = await unit.ensure_member()
        return await set_model_answer(
            session, content, channel.workspace_id, member.id, parsed, rest, unit.now
        )
    raise CommandError(f"{echo(sub)} is not a prompts subcommand.", parsed.spec)


async def list_prompts(
    session: AsyncSession,
    content: Content,
    workspace_id: int | None,
    channel_id: int | None,
    tag: str,
) -> OutgoingMessage:
    """Each prompt with its difficulty and how often this channel had it; tags on request.
    Reads only: in a channel the bot has never seen, the built-in prompts, none used."""
    views = await workspace_prompts(session, content, workspace_id)
    if tag == "tags":
        return _tag_listing(views)
    chosen = [v for v in views if not tag or tag in v.tags]
    if not chosen:
        return text_message(
            f"No prompt has the tag {echo(tag)}. /kata prompts tags lists the tags in use."
        )
    used: dict[str, int] = {}
    if channel_id is not None:
        rows = await session.execute(
            select(Round.prompt_key, func.count())
            .where(Round.channel_id == channel_id)
            .group_by(Round.prompt_key)
        )
        used = {key: n for key, n in rows}
    lines = [_line(v, used.get(v.key, 0)) for v in chosen[:LIST_LIMIT]]
    more = len(chosen) - LIST_LIMIT
    footer = (
        f"{more} more not shown: narrow the list with /kata prompts list <tag>."
        if more > 0
        else "Narrow the list with /kata prompts list <tag>; /kata prompts tags lists tags."
    )
    fresh = len([v for v in chosen if v.key not in used])
    heading = f"{len(chosen)} prompts, {fresh} not yet used here"
    return OutgoingMessage(
        title=f"Prompts{' tagged ' + tag if tag else ''}",
        sections=(Section(heading=heading, text="\n".join(lines)), Section(text=footer)),
    )


def _line(view: PromptView, used: int) -> str:
    level = f", {view.difficulty}" if view.difficulty else ""
    level += f", by {view.author}" if view.author else ""
    times = "" if not used else " (used here once)" if used == 1 else f" (used here {used} times)"
    return f"{view.key}: {view.title}{level}{times}"


def _tag_listing(views: list[PromptView]) -> OutgoingMessage:
    counts: dict[str, int] = {}
    for view in views:
        for tag in view.tags:
            counts[tag] = counts.get(tag, 0) + 1
    text = ", ".join(f"{tag} ({n})" for tag, n in sorted(counts.items()))
    return OutgoingMessage(title="Prompt tags", sections=(Section(text=text),))


async def add_prompt(
    session: AsyncSession,
    content: Content,
    channel: Channel,
    member: Member,
    parsed: Parsed,
    rest: str,
    now: datetime,
) -> OutgoingMessage:
    parts = [p.strip() for p in rest.split("|")]
    if len(parts) < 2 or not parts[0] or len(parts[1]) < 20:
        raise CommandError("Give a title and a scenario of a sentence or more.", parsed.spec)
    title, scenario = parts[0], parts[1]
    if len(title) > MAX_TITLE or len(scenario) > MAX_SCENARIO:
        raise CommandError(
            f"Keep the title under {MAX_TITLE} and the scenario under {MAX_SCENARIO:,} characters.",
            parsed.spec,
        )
    views = await workspace_prompts(session, content, channel.workspace_id)
    same = next((v for v in views if v.title.casefold() == title.casefold()), None)
    if same is not None:
        raise CommandError(f"There is already a prompt called {echo(title)} ({same.key}).")
    raw_tags = parts[2] if len(parts) > 2 else ""
    tags = [t for t in (word.strip().lower() for word in raw_tags.split(",")) if t]
    row = await add_custom(session, channel.workspace_id, title, scenario, tags, member.id, now)
    return text_message(f"Added prompt {row.key}. It joins the rotation for this workspace.")


async def remove_prompt(
    session: AsyncSession, channel: Channel, parsed: Parsed, key: str
) -> OutgoingMessage:
    if not key:
        raise CommandError(
            "Name the prompt to remove; /kata prompts list custom shows this workspace's own.",
            parsed.spec,
        )
    removed = await changed_rows(
        session,
        delete(CustomPrompt).where(
            CustomPrompt.workspace_id == channel.workspace_id, CustomPrompt.key == key
        ),
    )
    if not removed:
        raise CommandError(
            f"No custom prompt {echo(key)} here (built-in prompts stay).", parsed.spec
        )
    return text_message(f"Removed prompt {key}.")
