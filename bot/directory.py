"""Finding (or first recording) the workspace, channel and member behind an event.

Every lookup starts from the platform's own ids and goes through the workspace, which is how
one workspace's data stays out of another's reach.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chat import Actor, ChannelRef
from bot.models import Channel, Member, Workspace


async def workspace_for(
    session: AsyncSession, platform: str, external_id: str, now: datetime, create: bool = True
) -> Workspace | None:
    ws = await session.scalar(
        select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
    )
    if ws is None and create:
        ws = Workspace(platform=platform, external_id=external_id, created_at=now)
        try:
            async with session.begin_nested():
                session.add(ws)
        except IntegrityError:
            ws = await session.scalar(
                select(Workspace).where(
                    Workspace.platform == platform, Workspace.external_id == external_id
                )
            )
    return ws


async def channel_for(
    session: AsyncSession, ref: ChannelRef, now: datetime, create: bool = True
) -> Channel | None:
    ws = await workspace_for(session, ref.platform, ref.workspace_id, now, create)
    if ws is None:
        return None
    query = select(Channel).where(
        Channel.workspace_id == ws.id, Channel.external_id == ref.channel_id
    )
    channel = await session.scalar(query)
    if channel is None and create:
        channel = Channel(
            workspace_id=ws.id,
            external_id=ref.channel_id,
            skips=[],
            tag_filter=[],
            difficulty_filter=[],
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(channel)
        except IntegrityError:
            channel = await session.scalar(query)
    return channel


async def member_for(
    session: AsyncSession, workspace_id: int, actor: Actor, now: datetime
) -> Member:
    """The member behind an actor, created on first sight; the display name follows the
    platform's latest."""
    query = select(Member).where(
        Member.workspace_id == workspace_id, Member.external_id == actor.user.user_id
    )
    member = await session.scalar(query)
    if member is None:
        member = Member(
            workspace_id=workspace_id,
            external_id=actor.user.user_id,
            display_name=actor.display_name[:120] or actor.user.user_id,
            opted_out=False,
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(member)
        except IntegrityError:
            member = await session.scalar(query)
            assert member is not None
    elif actor.display_name and member.display_name != actor.display_name[:120]:
        member.display_name = actor.display_name[:120]
    return member


async def find_member(session: AsyncSession, workspace_id: int, who: str) -> Member | None:
    """A member named in a command: a mention (`<@U123>`, `<@!123>`), an id or a display name."""
    who = who.strip()
    if who.startswith("<@") and who.endswith(">"):
        who = who[2:-1].lstrip("!").split("|", 1)[0]
    who = who.lstrip("@")
    by_id = await session.scalar(
        select(Member).where(Member.workspace_id == workspace_id, Member.external_id == who)
    )
    if by_id is not None:
        return by_id
    candidates = (
        await session.scalars(select(Member).where(Member.workspace_id == workspace_id))
    ).all()
    matches = [m for m in candidates if m.display_name.lower() == who.lower()]
    return matches[0] if len(matches) == 1 else None
