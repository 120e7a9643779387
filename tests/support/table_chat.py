"""A chat platform whose posts land in a database table, so several worker processes (and a
killed one) share one platform: the test counts posts per key, and a retry's lookup by key
sees a post the killed process made. Zero latency: the fan-out benchmark measures the bot."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.chat import ChannelRef, MessageRef, Once, OutgoingMessage, ThreadRef, UserRef

PLATFORM = "memory"
metadata = MetaData()
posts = Table(
    "fake_platform_posts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("thread", String(64), nullable=True),
    Column("message", String(64), nullable=False),
    Column("key", String(200), nullable=True, index=True),
    Column("kind", String(20), nullable=False),
    Column("worker", String(64), nullable=False),
)


async def create(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


class TableChat:
    """`ChatPort` over the `fake_platform_posts` table. `after_post` runs after each post is
    stored and before its answer returns: a test kills the process there."""

    platform = PLATFORM

    def __init__(
        self,
        engine: AsyncEngine,
        worker: str,
        after_post: Callable[[int], None] | None = None,
        buffered: bool = False,
    ) -> None:
        self.engine = engine
        self.worker = worker
        self.after_post = after_post
        self.buffered = buffered
        """Keep posts in memory until `flush` (a run with no kill and no retry lookups), so
        the benchmark times the bot, not this fake's own writes."""
        self._held: list[dict[str, object]] = []
        self.count = 0
        self._ids = itertools.count(1)

    async def _earlier(self, once: Once | None) -> str | None:
        if once is None or not once.retry:
            return None
        async with self.engine.connect() as conn:
            return await conn.scalar(
                select(posts.c.message).where(posts.c.key == once.key).order_by(posts.c.id).limit(1)
            )

    async def _store(
        self, channel: ChannelRef, thread: str | None, kind: str, once: Once | None
    ) -> str:
        earlier = await self._earlier(once)
        if earlier is not None:
            return earlier
        message = f"{self.worker}-{os.getpid()}-{next(self._ids)}"
        row = {
            "channel": channel.channel_id,
            "thread": thread,
            "message": message,
            "key": once.key if once else None,
            "kind": kind,
            "worker": self.worker,
        }
        if self.buffered:
            self._held.append(row)
        else:
            async with self.engine.begin() as conn:
                await conn.execute(insert(posts).values(**row))
        self.count += 1
        if self.after_post is not None:
            self.after_post(self.count)
        return message

    async def flush(self) -> None:
        if self._held:
            async with self.engine.begin() as conn:
                await conn.execute(insert(posts), self._held)
            self._held = []

    async def post_prompt(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> ThreadRef:
        return ThreadRef(channel, await self._store(channel, None, "prompt", once))

    async def post_in_thread(
        self, thread: ThreadRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        kind = "wrapup" if once is not None and once.key.startswith("wrapup:") else "stage"
        made = await self._store(thread.channel, thread.thread_id, kind, once)
        return MessageRef(thread.channel, made, thread)

    async def post_in_channel(
        self, channel: ChannelRef, message: OutgoingMessage, once: Once | None = None
    ) -> MessageRef:
        return MessageRef(channel, await self._store(channel, None, "board", once))

    async def send_private(
        self, user: UserRef, message: OutgoingMessage, channel: ChannelRef | None = None
    ) -> None:
        await self._store(
            channel or ChannelRef(PLATFORM, user.workspace_id, "dm"), None, "dm", None
        )

    async def react(self, message: MessageRef, emoji: str) -> None:
        return None


async def duplicates(engine: AsyncEngine) -> dict[str, int]:
    """Keys posted more than once, with how often."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(posts.c.key, func.count())
                .where(posts.c.key.is_not(None))
                .group_by(posts.c.key)
                .having(func.count() > 1)
            )
        ).all()
    return {key: n for key, n in rows}
