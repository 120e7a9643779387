"""The bot's Prometheus metrics, on a registry of its own.

Not the client library's global registry: a test (or a second app in one process) takes a
fresh set with `reset()` and reads exactly what its own run counted. The engine, the core
and the adapters call the small functions below; `/metrics` refreshes the two gauges that
are read at scrape time (work due, connections in use) and renders the registry.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import WorkItem

LAG_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
"""Seconds between a row's due time and its claim: sub-second when healthy, minutes when a
backlog or an outage held the work back."""

CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Every metric the bot exposes, registered on `registry`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.work_due = Gauge(
            "kata_work_due", "Open work items whose due time has passed.", registry=r
        )
        self.work_claimed = Counter(
            "kata_work_claimed", "Work items claimed by this process.", ["kind"], registry=r
        )
        self.work_done = Counter(
            "kata_work_done", "Work items finished by this process.", ["kind"], registry=r
        )
        self.work_failed = Counter(
            "kata_work_failed",
            "Work item runs that failed (retried or given up).",
            ["kind"],
            registry=r,
        )
        self.work_retried = Counter(
            "kata_work_retried", "Failed work items scheduled to run again.", ["kind"], registry=r
        )
        self.work_lag = Histogram(
            "kata_work_lag_seconds",
            "Seconds from a work item's due time to its claim.",
            ["kind"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.answers = Counter("kata_answers_recorded", "Answers recorded.", registry=r)
        self.platform_calls = Counter(
            "kata_platform_calls",
            "HTTP requests made to a chat platform's API, retries included.",
            ["platform", "method"],
            registry=r,
        )
        self.rate_limited = Counter(
            "kata_platform_rate_limited",
            "Platform API responses with status 429.",
            ["platform"],
            registry=r,
        )
        self.pool_in_use = Gauge(
            "kata_db_pool_in_use", "Database connections checked out of the pool.", registry=r
        )

    def render(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


_current = Metrics()


def current() -> Metrics:
    return _current


def reset() -> Metrics:
    """Start counting afresh (a new registry); returns the new set."""
    global _current
    _current = Metrics()
    return _current


def work_claimed(kind: str, lag_seconds: float) -> None:
    _current.work_claimed.labels(kind).inc()
    _current.work_lag.labels(kind).observe(max(lag_seconds, 0.0))


def work_done(kind: str) -> None:
    _current.work_done.labels(kind).inc()


def work_failed(kind: str, retrying: bool) -> None:
    _current.work_failed.labels(kind).inc()
    if retrying:
        _current.work_retried.labels(kind).inc()


def answers_recorded(count: int = 1) -> None:
    _current.answers.inc(count)


def platform_call(platform: str, method: str) -> None:
    _current.platform_calls.labels(platform, method).inc()


def rate_limited(platform: str) -> None:
    _current.rate_limited.labels(platform).inc()


async def refresh_gauges(engine: AsyncEngine, now: datetime, probe: AsyncEngine | None) -> None:
    """Read the scrape-time gauges: open due work (one indexed count, through `probe` when
    given, so a scrape never waits for the busy pool) and the use of `engine`'s pool."""
    _current.pool_in_use.set(pool_in_use(engine))
    due = (
        select(func.count())
        .select_from(WorkItem)
        .where(WorkItem.done_at.is_(None), WorkItem.dead_at.is_(None), WorkItem.due_at <= now)
    )
    async with (probe or engine).connect() as conn:
        count = (await conn.execute(due)).scalar_one()
    _current.work_due.set(count)


def pool_in_use(engine: AsyncEngine) -> int:
    """Connections checked out now; 0 for pools that do not count (SQLite's static pool)."""
    checkedout = getattr(engine.sync_engine.pool, "checkedout", None)
    return int(checkedout()) if callable(checkedout) else 0
