"""Finding (or first recording) the workspace, channel and member behind an event.

Every lookup starts from the platform's own ids and goes through the workspace, which is how
one workspace's data stays out of another's reach. `find_*` only reads; `ensure_*` records
what is missing, so read-only commands in an unknown channel leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import Actor, ChannelRef
from bot.models import Channel, Member, Workspace, name_key

Row = TypeVar("Row", Workspace, Channel, Member)


async def get_or_create(
    session: AsyncSession, query: Select[tuple[Row]], make: Callable[[], Row]
) -> Row:
    """The row `query` finds, else a new one from `make`; a concurrent insert of the same
    unique key loses quietly (its savepoint rolls back) and the winner's row is returned."""
    row = await session.scalar(query)
    if row is not None:
        return row
    row = make()
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        row = await session.scalar(query)
        assert row is not None
    return row


def _workspace_query(platform: str, external_id: str) -> Select[tuple[Workspace]]:
    return select(Workspace).where(
        Workspace.platform == platform, Workspace.external_id == external_id
    )


def _channel_query(workspace_id: int, external_id: str) -> Select[tuple[Channel]]:
    return select(Channel).where(
        Channel.workspace_id == workspace_id, Channel.external_id == external_id
    )


def _member_query(workspace_id: int, external_id: str) -> Select[tuple[Member]]:
    return select(Member).where(
        Member.workspace_id == workspace_id, Member.external_id == external_id
    )


async def find_workspace(
    session: AsyncSession, platform: str, external_id: str
) -> Workspace | None:
    return await session.scalar(_workspace_query(platform, external_id))


async def ensure_workspace(
    session: AsyncSession, platform: str, external_id: str, now: datetime
) -> Workspace:
    return await get_or_create(
        session,
        _workspace_query(platform, external_id),
        lambda: Workspace(platform=platform, external_id=external_id, created_at=now),
    )


async def find_channel(session: AsyncSession, ref: ChannelRef) -> Channel | None:
    ws = await find_workspace(session, ref.platform, ref.workspace_id)
    if ws is None:
        return None
    return await session.scalar(_channel_query(ws.id, ref.channel_id))


async def ensure_channel(session: AsyncSession, ref: ChannelRef, now: datetime) -> Channel:
    ws = await ensure_workspace(session, ref.platform, ref.workspace_id, now)
    return await get_or_create(
        session,
        _channel_query(ws.id, ref.channel_id),
        lambda: Channel(
            workspace_id=ws.id,
            external_id=ref.channel_id,
            skips=[],
            tag_filter=[],
            difficulty_filter=[],
            created_at=now,
        ),
    )


async def find_actor(session: AsyncSession, workspace_id: int, actor: Actor) -> Member | None:
    return await session.scalar(_member_query(workspace_id, actor.user.user_id))


async def find_actor_by_workspace_key(
    session: AsyncSession, platform: str, external_id: str, actor: Actor
) -> Member | None:
    """The actor's member row found from the workspace's platform ids in one statement (a
    direct message knows no channel, so its workspace id is not known yet); None when
    either is not recorded. The display name follows the platform's latest, as
    `ensure_member` keeps it."""
    workspace_id = (
        select(Workspace.id)
        .where(Workspace.platform == platform, Workspace.external_id == external_id)
        .scalar_subquery()
    )
    member = await session.scalar(
        select(Member).where(
            Member.workspace_id == workspace_id, Member.external_id == actor.user.user_id
        )
    )
    name = actor.display_name[:120]
    if member is not None and name and member.display_name != name:
        member.display_name = name
    return member


async def ensure_member(
    session: AsyncSession, workspace_id: int, actor: Actor, now: datetime
) -> Member:
    """The member behind an actor, created on first sight; the display name follows the
    platform's latest."""
    name = actor.display_name[:120]
    member = await get_or_create(
        session,
        _member_query(workspace_id, actor.user.user_id),
        lambda: Member(
            workspace_id=workspace_id,
            external_id=actor.user.user_id,
            display_name=name or actor.user.user_id,
            opted_out=False,
            created_at=now,
        ),
    )
    if name and member.display_name != name:
        member.display_name = name
    return member


async def find_member(session: AsyncSession, workspace_id: int, who: str) -> Member | None:
    """A member named in a command: a mention (`<@U123>`, `<@!123>`), an id or a display name."""
    who = who.strip()
    if who.startswith("<@") and who.endswith(">"):
        who = who[2:-1].lstrip("!").split("|", 1)[0]
    who = who.lstrip("@")
    by_id = await session.scalar(_member_query(workspace_id, who))
    if by_id is not None:
        return by_id
    matches = (
        await session.scalars(
            select(Member)
            .where(Member.workspace_id == workspace_id, Member.name_key == name_key(who))
            .limit(2)
        )
    ).all()
    return matches[0] if len(matches) == 1 else None
