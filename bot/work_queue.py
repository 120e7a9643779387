"""The work queue: scheduled work lives in `work_items`, and workers claim it with a lease.

This is the shape mature PostgreSQL queues share. Creating work is idempotent (a unique key).
Workers claim due rows in batches: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so two
workers never wait for or take the same row; on SQLite every transaction already starts
with `BEGIN IMMEDIATE`, so claims are serialised. A claim is a lease: if the worker dies, the
lease runs out and the row is claimable again. Finishing or failing a row is guarded by the
worker's name, so a worker whose lease was taken over cannot overwrite the new owner's result.
Timers in memory only decide when to look; what is due is always read from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import insert_unless_present
from bot.kinds import WorkKind
from bot.models import WorkItem

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=30)


@dataclass(frozen=True)
class Claimed:
    """A row a worker now holds: enough to run it, nothing that outlives the session."""

    id: int
    kind: WorkKind
    key: str
    payload: dict[str, Any]
    attempts: int
    due_at: datetime


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 30 minutes."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


async def enqueue(
    session: AsyncSession,
    kind: WorkKind,
    key: str,
    due_at: datetime,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Create the work unless a row with `key` exists; True when this call created it."""
    statement = insert_unless_present(session, WorkItem).values(
        kind=kind, key=key, payload=payload or {}, due_at=due_at, attempts=0, created_at=now
    )
    result = cast(CursorResult[Any], await session.execute(statement))
    return result.rowcount == 1


def _open() -> Any:
    return (WorkItem.done_at.is_(None)) & (WorkItem.dead_at.is_(None))


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
) -> list[Claimed]:
    """Up to `limit` due rows, oldest first, leased to `worker` until `now + lease`."""
    async with sessions.begin() as session:
        due = (
            select(WorkItem.id)
            .where(
                _open(),
                WorkItem.due_at <= now,
                or_(WorkItem.claimed_until.is_(None), WorkItem.claimed_until < now),
            )
            .order_by(WorkItem.due_at, WorkItem.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        rows = await session.execute(
            update(WorkItem)
            .where(WorkItem.id.in_(due.scalar_subquery()))
            .values(
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=WorkItem.attempts + 1,
            )
            .returning(*_CLAIMED)
            .execution_options(synchronize_session=False)
        )
        claimed = [Claimed(*row) for row in rows]
    return sorted(claimed, key=lambda c: c.id)


_CLAIMED = (
    WorkItem.id,
    WorkItem.kind,
    WorkItem.key,
    WorkItem.payload,
    WorkItem.attempts,
    WorkItem.due_at,
)


async def claim_key(
    sessions: async_sessionmaker[AsyncSession],
    worker: str,
    key: str,
    now: datetime,
    lease: timedelta = LEASE,
) -> Claimed | None:
    """Lease one row by its key whether or not it is due yet (a command that asks for the work
    now); None when it is done, dead, missing or leased to a live worker."""
    async with sessions.begin() as session:
        row = (
            await session.execute(
                update(WorkItem)
                .where(
                    WorkItem.key == key,
                    _open(),
                    or_(WorkItem.claimed_until.is_(None), WorkItem.claimed_until < now),
                )
                .values(
                    claimed_by=worker, claimed_until=now + lease, attempts=WorkItem.attempts + 1
                )
                .returning(*_CLAIMED)
            )
        ).first()
    return Claimed(*row) if row is not None else None


def key_range(prefix: str) -> Any:
    """Rows whose key starts with `prefix` (which ends in ':'), as a range the unique index on
    `key` answers: `;` is the character after `:`."""
    assert prefix.endswith(":")
    return (WorkItem.key >= prefix) & (WorkItem.key < prefix[:-1] + ";")


async def drop_pending(session: AsyncSession, prefix: str, now: datetime) -> int:
    """Delete open rows under `prefix` that no live worker holds: plans that changed."""
    result = await session.execute(
        delete(WorkItem).where(
            key_range(prefix),
            _open(),
            or_(WorkItem.claimed_until.is_(None), WorkItem.claimed_until < now),
        )
    )
    return cast(CursorResult[Any], result).rowcount


async def is_open(session: AsyncSession, key: str) -> bool | None:
    """True while the row with `key` waits or runs, False once done or dead, None if absent."""
    row = (
        await session.execute(select(WorkItem.done_at, WorkItem.dead_at).where(WorkItem.key == key))
    ).first()
    if row is None:
        return None
    return row.done_at is None and row.dead_at is None


async def reopen(session: AsyncSession, key: str, due_at: datetime) -> bool:
    """Make a finished or dead row due again (its outcome no longer stands: a round that was
    not posted is asked for by hand)."""
    result = await session.execute(
        update(WorkItem)
        .where(
            WorkItem.key == key, or_(WorkItem.done_at.is_not(None), WorkItem.dead_at.is_not(None))
        )
        .values(done_at=None, dead_at=None, attempts=0, due_at=due_at, last_error=None)
    )
    return cast(CursorResult[Any], result).rowcount == 1


async def prune(session: AsyncSession, before: datetime) -> int:
    """Forget finished rows older than `before`; their results live in the rounds' own rows."""
    result = await session.execute(delete(WorkItem).where(WorkItem.done_at < before))
    return cast(CursorResult[Any], result).rowcount


def _held_by(item_id: int, worker: str) -> Any:
    return (WorkItem.id == item_id) & (WorkItem.claimed_by == worker) & _open()


async def finish(session: AsyncSession, item_id: int, worker: str, now: datetime) -> bool:
    """Mark the row done, in the caller's transaction (so with the result it recorded).
    False when the worker no longer holds it: someone else took it over after its lease."""
    result = await session.execute(
        update(WorkItem)
        .where(_held_by(item_id, worker))
        .values(done_at=now, claimed_by=None, claimed_until=None)
    )
    return cast(CursorResult[Any], result).rowcount == 1


async def finish_many(
    session: AsyncSession, item_ids: list[int], worker: str, now: datetime
) -> int:
    """`finish` for a batch, in one statement; returns how many were still this worker's."""
    result = await session.execute(
        update(WorkItem)
        .where(WorkItem.id.in_(item_ids), WorkItem.claimed_by == worker, _open())
        .values(done_at=now, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


async def fail(
    session: AsyncSession, item_id: int, worker: str, now: datetime, error: str
) -> datetime | None:
    """Give the row back for a later try, or give up after `MAX_ATTEMPTS`; returns when it
    will be tried again (None once it is dead or no longer this worker's)."""
    attempts = await session.scalar(
        select(WorkItem.attempts).where(_held_by(item_id, worker)).with_for_update()
    )
    if attempts is None:
        return None
    values: dict[str, Any] = {"claimed_by": None, "claimed_until": None, "last_error": error[:2000]}
    retry_at: datetime | None = None
    if attempts >= MAX_ATTEMPTS:
        values["dead_at"] = now
    else:
        retry_at = values["due_at"] = now + retry_delay(attempts)
    await session.execute(update(WorkItem).where(WorkItem.id == item_id).values(**values))
    return retry_at


async def release_all(session: AsyncSession, worker: str) -> int:
    """Hand back everything `worker` holds without counting an attempt (a clean shutdown)."""
    result = await session.execute(
        update(WorkItem)
        .where(WorkItem.claimed_by == worker, _open())
        .values(claimed_by=None, claimed_until=None, attempts=WorkItem.attempts - 1)
    )
    return cast(CursorResult[Any], result).rowcount


async def next_wake(session: AsyncSession, now: datetime) -> datetime | None:
    """When a worker should next look: the earliest due row, or the earliest lease to run
    out (a dead worker's rows become claimable then)."""
    free = await session.scalar(
        select(func.min(WorkItem.due_at)).where(
            _open(), or_(WorkItem.claimed_until.is_(None), WorkItem.claimed_until < now)
        )
    )
    leased = await session.scalar(
        select(func.min(WorkItem.claimed_until)).where(_open(), WorkItem.claimed_until >= now)
    )
    moments = [m for m in (free, leased) if m is not None]
    return min(moments) if moments else None
