"""The prompts a workspace can draw from: the built-in bank plus its own custom prompts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content, Prompt
from bot.models import CustomPrompt, Member
from bot.rotation import PromptChoice

CUSTOM_PREFIX = "custom-"


@dataclass(frozen=True)
class PromptView:
    key: str
    title: str
    scenario: str
    tags: frozenset[str]
    difficulty: str | None = None
    hints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    strong_answer: tuple[str, ...] = ()
    custom: bool = False
    author: str | None = None
    """Who wrote a custom prompt (added it, or suggested it and had it approved)."""

    @cached_property
    def choice(self) -> PromptChoice:
        """Built once per view: the fan-out matches thousands of channels against one bank."""
        return PromptChoice(self.key, self.title, self.tags, self.difficulty)


def from_builtin(prompt: Prompt) -> PromptView:
    return PromptView(
        key=prompt.id,
        title=prompt.title,
        scenario=prompt.scenario,
        tags=prompt.all_tags,
        difficulty=prompt.difficulty,
        hints={
            "scope": prompt.hints.scope,
            "functional": prompt.hints.functional,
            "nonfunctional": prompt.hints.nonfunctional,
        },
        strong_answer=prompt.strong_answer,
    )


def from_custom(row: CustomPrompt, author: str | None = None) -> PromptView:
    return PromptView(
        key=row.key,
        title=row.title,
        scenario=row.scenario,
        tags=frozenset(row.tags or ()) | {"custom"},
        custom=True,
        author=author,
    )


async def workspace_prompts(
    session: AsyncSession, content: Content, workspace_id: int | None
) -> list[PromptView]:
    """The built-in prompts and the workspace's own; a workspace never seen has none."""
    custom = (
        []
        if workspace_id is None
        else (
            await session.execute(
                select(CustomPrompt, Member.display_name)
                .outerjoin(Member, Member.id == CustomPrompt.created_by_id)
                .where(CustomPrompt.workspace_id == workspace_id)
                .order_by(CustomPrompt.id)
            )
        )
        .tuples()
        .all()
    )
    return [*builtin_views(content), *(from_custom(c, a) for c, a in custom)]


_BUILTIN: dict[int, tuple[Content, tuple[PromptView, ...]]] = {}


def builtin_views(content: Content) -> tuple[PromptView, ...]:
    """The built-in bank as views, built once per loaded content (a fan-out picks thousands
    of prompts from the same bank)."""
    cached = _BUILTIN.get(id(content))
    if cached is None or cached[0] is not content:
        cached = _BUILTIN[id(content)] = (content, tuple(from_builtin(p) for p in content.prompts))
    return cached[1]


async def find_prompt(
    session: AsyncSession, content: Content, workspace_id: int, key: str
) -> PromptView | None:
    builtin = content.prompt(key)
    if builtin is not None:
        return from_builtin(builtin)
    found = (
        await session.execute(
            select(CustomPrompt, Member.display_name)
            .outerjoin(Member, Member.id == CustomPrompt.created_by_id)
            .where(CustomPrompt.workspace_id == workspace_id, CustomPrompt.key == key)
        )
    ).first()
    return from_custom(*found) if found else None


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-")
    return CUSTOM_PREFIX + (slug or "prompt")


async def add_custom(
    session: AsyncSession,
    workspace_id: int,
    title: str,
    scenario: str,
    tags: list[str],
    member_id: int,
    now: datetime,
) -> CustomPrompt:
    base = slugify(title)
    existing = set(
        (
            await session.scalars(
                select(CustomPrompt.key).where(
                    CustomPrompt.workspace_id == workspace_id,
                    CustomPrompt.key.like(f"{base}%"),
                )
            )
        ).all()
    )
    key, n = base, 2
    while key in existing:
        key, n = f"{base}-{n}", n + 1
    row = CustomPrompt(
        workspace_id=workspace_id,
        key=key,
        title=title,
        scenario=scenario,
        tags=tags,
        created_by_id=member_id,
        created_at=now,
    )
    session.add(row)
    return row
