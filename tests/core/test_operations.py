"""An operator runs the bot: probes ask /healthz (is the loop alive?) and /healthz/ready (may
it take traffic?), Prometheus scrapes /metrics, and failed work leaves one greppable line."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from alembic import command
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from adapters.web_server import WebServer
from bot import metrics, work_log
from bot.db import make_engine
from bot.migrate import alembic_config
from bot.models import WorkItem
from kata.http_server import OperationsRoutes, Readiness, head_revision, operations_server
from kata.log_format import JsonLines
from tests.support.harness import Harness


@asynccontextmanager
async def served(readiness: Readiness, h: Harness) -> AsyncIterator[str]:
    """The operations routes on a free local port; yields the base URL."""
    server = WebServer("127.0.0.1", 0)
    server.add_routes(OperationsRoutes(readiness, readiness.engine, h.clock.now).routes())
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.close()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def stamp(database_url: str, revision: str) -> None:
    """Record `revision` as the schema's version, as `kata migrate` would have."""
    await asyncio.to_thread(command.stamp, alembic_config(database_url), revision, purge=True)


@pytest.fixture
async def stamped(harness: Harness) -> AsyncIterator[Harness]:
    """The harness database, its Alembic version table removed afterwards (the PostgreSQL
    schema is shared by the whole run, and the harness builds tables without Alembic)."""
    yield harness
    async with harness.engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def readiness_for(h: Harness) -> Readiness:
    return Readiness(h.engine, h.database_url, head_revision(h.database_url), cache_seconds=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------- health


async def test_a_probe_learns_the_process_is_alive_and_when_it_may_take_traffic(
    stamped: Harness,
) -> None:
    h = stamped
    readiness = readiness_for(h)
    async with served(readiness, h) as base:
        assert await get(f"{base}/healthz") == (200, "ok")

        # A database nobody migrated: alive, but not ready, and the answer says why.
        status, body = await get(f"{base}/healthz/ready")
        report = json.loads(body)
        assert status == 503 and report["ready"] is False
        assert report["database"] == "ok"
        assert "kata migrate" in report["migration"]
        assert report["core"] == "starting"

        # Migrated, but the core is still building its timers: still not ready.
        await stamp(h.database_url, "head")
        status, body = await get(f"{base}/healthz?ready=1")
        assert status == 503 and json.loads(body)["migration"] == head_revision(h.database_url)

        readiness.started = True
        status, body = await get(f"{base}/healthz/ready")
        assert status == 200
        assert json.loads(body) == {
            "ready": True,
            "database": "ok",
            "migration": head_revision(h.database_url),
            "core": "ok",
        }

        # SIGTERM: the load balancer must stop sending work while the process drains.
        readiness.stopping = True
        status, body = await get(f"{base}/healthz/ready")
        assert status == 503 and json.loads(body)["core"] == "stopping"
        assert await get(f"{base}/healthz") == (200, "ok")


async def test_a_schema_one_migration_behind_is_not_ready(stamped: Harness) -> None:
    h = stamped
    await stamp(h.database_url, "0005")
    readiness = readiness_for(h)
    readiness.started = True
    report = await readiness.report()
    assert not report.ready
    assert report.checks["migration"].startswith("at 0005, the code needs ")


async def test_an_unreachable_database_is_named_without_its_password(harness: Harness) -> None:
    url = f"postgresql://kata:s3cretpw@127.0.0.1:{free_port()}/practice"
    engine = make_engine(url)
    try:
        readiness = Readiness(engine, url, "0006", cache_seconds=0)
        readiness.started = True
        async with served(readiness, harness) as base:
            status, body = await get(f"{base}/healthz/ready")
    finally:
        await engine.dispose()
    report = json.loads(body)
    assert status == 503 and report["ready"] is False
    assert report["database"].startswith("unreachable")
    assert "s3cretpw" not in body


async def test_a_database_that_hangs_gives_a_prompt_no(harness: Harness) -> None:
    """A server that accepts connections and never answers: readiness says no within its
    timeout, and liveness keeps answering meanwhile (the loop is not held)."""
    held: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    hung = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = hung.sockets[0].getsockname()[1]
    url = f"postgresql://kata@127.0.0.1:{port}/practice"
    engine = make_engine(url)
    try:
        readiness = Readiness(engine, url, "0006", timeout=0.3, cache_seconds=0)
        async with served(readiness, harness) as base:
            ready = asyncio.create_task(get(f"{base}/healthz/ready"))
            assert await get(f"{base}/healthz") == (200, "ok")
            status, body = await ready
    finally:
        for writer in held:
            writer.close()
        hung.close()
        await engine.dispose()
    assert status == 503
    assert json.loads(body)["database"] == "no answer within 0.3 s"


async def test_a_probe_storm_runs_one_database_check(stamped: Harness) -> None:
    h = stamped
    await stamp(h.database_url, "head")
    readiness = Readiness(h.engine, h.database_url, head_revision(h.database_url))
    readiness.started = True
    checks = 0
    real_check = readiness._check

    async def counted() -> Any:
        nonlocal checks
        checks += 1
        return await real_check()

    readiness._check = counted  # type: ignore[method-assign]
    reports = await asyncio.gather(*(readiness.report() for _ in range(50)))
    assert all(r.ready for r in reports)
    assert checks == 1


async def test_probes_still_answer_while_busy_work_holds_every_pooled_connection(
    stamped: Harness,
) -> None:
    """A fan-out minute uses the whole pool: the probes use connections of their own, so the
    process stays ready instead of timing out behind the work."""
    h = stamped
    await stamp(h.database_url, "head")
    server, readiness = operations_server("127.0.0.1", 0, h.engine, h.database_url, h.clock.now)
    readiness.started = True
    pool = h.engine.sync_engine.pool
    capacity = pool.size() + pool._max_overflow  # type: ignore[attr-defined]
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with AsyncExitStack() as held:
            for _ in range(capacity):
                await held.enter_async_context(h.engine.connect())
            status, body = await get(f"{base}/healthz/ready")
            assert status == 200, body
            status, page = await get(f"{base}/metrics")
        assert status == 200
        assert scraped(page)[("kata_db_pool_in_use", ())] == capacity
        assert scraped(page)[("kata_work_due", ())] == 0
    finally:
        await server.close()
        await readiness.close()


# ---------------------------------------------------------------------------- metrics


def scraped(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


async def test_prometheus_sees_the_work_queue_answers_and_platform_calls(harness: Harness) -> None:
    h = harness
    metrics.reset()
    now = h.clock.now()
    async with h.kata.sessions.begin() as session:
        for key, due, done in [
            ("round:C1:2026-11-23", now - timedelta(minutes=2), False),
            ("round:C2:2026-11-23", now - timedelta(seconds=1), False),
            ("round:C3:2026-11-23", now + timedelta(hours=1), False),  # not due yet
            ("round:C4:2026-11-22", now - timedelta(days=1), True),  # finished
        ]:
            session.add(
                WorkItem(
                    kind="round",
                    key=key,
                    payload={},
                    due_at=due,
                    attempts=0,
                    created_at=now,
                    done_at=now if done else None,
                )
            )
    metrics.work_claimed("round", 0.4)
    metrics.work_claimed("stage", 75.0)
    metrics.work_done("round")
    metrics.work_failed("stage", retrying=True)
    metrics.work_failed("stage", retrying=False)
    metrics.answers_recorded(3)
    metrics.platform_call("slack", "chat.postMessage")
    metrics.rate_limited("slack")

    readiness = readiness_for(h)
    async with served(readiness, h) as base, h.engine.connect():  # one connection held
        status, body = await get(f"{base}/metrics")
    assert status == 200
    seen = scraped(body)
    assert seen[("kata_work_due", ())] == 2
    assert seen[("kata_work_claimed_total", (("kind", "round"),))] == 1
    assert seen[("kata_work_done_total", (("kind", "round"),))] == 1
    assert seen[("kata_work_failed_total", (("kind", "stage"),))] == 2
    assert seen[("kata_work_retried_total", (("kind", "stage"),))] == 1
    assert seen[("kata_work_lag_seconds_count", (("kind", "stage"),))] == 1
    assert seen[("kata_work_lag_seconds_bucket", (("kind", "stage"), ("le", "60.0")))] == 0
    assert seen[("kata_work_lag_seconds_bucket", (("kind", "stage"), ("le", "120.0")))] == 1
    assert seen[("kata_answers_recorded_total", ())] == 3
    calls = ("kata_platform_calls_total", (("method", "chat.postMessage"), ("platform", "slack")))
    assert seen[calls] == 1
    assert seen[("kata_platform_rate_limited_total", (("platform", "slack"),))] == 1
    assert seen[("kata_db_pool_in_use", ())] == 1


async def test_a_fresh_registry_starts_from_zero(harness: Harness) -> None:
    metrics.answers_recorded(5)
    fresh = metrics.reset()
    metrics.answers_recorded(1)
    assert scraped(fresh.render().decode())[("kata_answers_recorded_total", ())] == 1


# ---------------------------------------------------------------------------- work log


def test_a_failed_work_item_leaves_one_line_with_its_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    next_try = datetime(2026, 11, 23, 9, 0, 30, tzinfo=UTC)
    with caplog.at_level(logging.WARNING, logger="kata.work"):
        work_log.work_failed(
            "stage", "stage:C1:2026-11-23:3", 2, next_try, TimeoutError("Slack did not\nanswer")
        )
        work_log.work_failed("round", "round:C1:2026-11-23", 8, None, KeyError("prompt"))
    retried, given_up = caplog.records
    assert retried.levelno == logging.WARNING
    assert retried.getMessage() == (
        "work failed kind=stage key=stage:C1:2026-11-23:3 attempt=2 "
        'next_try=2026-11-23T09:00:30+00:00 error_class=TimeoutError error="Slack did not answer"'
    )
    assert given_up.levelno == logging.ERROR
    assert "next_try=never error_class=KeyError" in given_up.getMessage()

    line = json.loads(JsonLines().format(retried))
    assert line["level"] == "WARNING" and line["logger"] == "kata.work"
    assert line["kind"] == "stage" and line["attempt"] == 2
    assert line["error_class"] == "TimeoutError"
    assert line["message"].startswith("work failed kind=stage")
