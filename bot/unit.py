"""The unit of work: one inbound event's or job's database work in one transaction.

`Kata` opens one unit per event and passes it to the handler. Inside it, `now` is fixed once,
and the event's workspace, channel and member are looked up (or recorded) once, however many
use cases ask. The transaction starts at the first query and commits when the unit closes;
an exception rolls it back. A handler that must talk to a platform first ends the unit with
`commit()`: no transaction stays open across a platform call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from bot import directory
from bot.chat import Actor, ChannelRef

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.content import Content
    from bot.context import Deps
    from bot.models import Channel, Member


class UnitClosed(RuntimeError):
    """Database work asked of a unit whose transaction already ended."""


class Unit:
    """What a use case works on: the session, the moment, and who and where the event is."""

    def __init__(self, deps: Deps, where: ChannelRef | None, actor: Actor | None) -> None:
        self.deps = deps
        self.now: datetime = deps.clock.now()
        self.where = where
        self.actor = actor
        self._session: AsyncSession | None = None
        self._over = False
        self._after: list[Callable[[], None]] = []
        self._channel: Channel | None = None
        self._member: Member | None = None
        self._workspace_id: int | None = None

    @property
    def content(self) -> Content:
        return self.deps.content

    @property
    def session(self) -> AsyncSession:
        if self._over:
            raise UnitClosed("this unit's transaction has ended")
        if self._session is None:
            self._session = self.deps.sessions()
        return self._session

    async def find_channel(self) -> Channel | None:
        """The event's channel, or None when the bot has never recorded it (nothing is)."""
        if self._channel is None and self.where is not None:
            self._channel = await directory.find_channel(self.session, self.where)
        return self._channel

    async def ensure_channel(self) -> Channel:
        """The event's channel, recorded (with its workspace) on first sight."""
        if self._channel is None:
            if self.where is None:
                raise ValueError("this event has no channel")
            self._channel = await directory.ensure_channel(self.session, self.where, self.now)
        return self._channel

    async def find_workspace_id(self) -> int | None:
        """The workspace of the event's channel, else of its actor; None when unknown."""
        if self._channel is not None:
            return self._channel.workspace_id
        if self._workspace_id is None:
            platform, external = self._workspace_key()
            ws = await directory.find_workspace(self.session, platform, external)
            self._workspace_id = ws.id if ws is not None else None
        return self._workspace_id

    async def ensure_workspace_id(self) -> int:
        if self.where is not None:
            return (await self.ensure_channel()).workspace_id
        if self._workspace_id is None:
            platform, external = self._workspace_key()
            ws = await directory.ensure_workspace(self.session, platform, external, self.now)
            self._workspace_id = ws.id
        return self._workspace_id

    async def find_member(self) -> Member | None:
        """The actor's member row, or None when they have never been seen (nothing is)."""
        if self._member is None and self.actor is not None:
            ws_id = await self.find_workspace_id()
            if ws_id is not None:
                self._member = await directory.find_actor(self.session, ws_id, self.actor)
        return self._member

    async def ensure_member(self) -> Member:
        """The actor's member row, recorded on first sight; its display name kept current."""
        if self._member is None:
            if self.actor is None:
                raise ValueError("this event has no actor")
            if self.where is None and self._workspace_id is None:
                # A direct message (the App Home): workspace and member in one statement.
                platform, external = self._workspace_key()
                found = await directory.find_actor_by_workspace_key(
                    self.session, platform, external, self.actor
                )
                if found is not None:
                    self._workspace_id, self._member = found.workspace_id, found
                    return found
            ws_id = await self.ensure_workspace_id()
            self._member = await directory.ensure_member(self.session, ws_id, self.actor, self.now)
        return self._member

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction committed (timers follow saved data only)."""
        self._after.append(callback)

    async def commit(self) -> None:
        """End the transaction now, before talking to a platform; the unit takes no more
        database work after this."""
        if self._over:
            return
        self._over = True
        self._channel = self._member = None
        if self._session is not None:
            try:
                await self._session.commit()
            finally:
                await self._session.close()
        for callback in self._after:
            callback()

    async def rollback(self) -> None:
        if self._over:
            return
        self._over = True
        self._channel = self._member = None
        if self._session is not None:
            await self._session.close()

    def _workspace_key(self) -> tuple[str, str]:
        if self.where is not None:
            return self.where.platform, self.where.workspace_id
        if self.actor is not None:
            return self.actor.user.platform, self.actor.user.workspace_id
        raise ValueError("this event names no workspace")


@asynccontextmanager
async def open_unit(
    deps: Deps, where: ChannelRef | None = None, actor: Actor | None = None
) -> AsyncIterator[Unit]:
    """One unit: committed when the block ends, rolled back when it raises."""
    unit = Unit(deps, where, actor)
    try:
        yield unit
    except BaseException:
        await unit.rollback()
        raise
    await unit.commit()
