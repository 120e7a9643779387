"""Shared fixtures: every core story runs on SQLite and, where reachable, on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

from tests.support.harness import Harness, make_harness
from tests.support.memory_chat import MemoryChat
from tests.support.specs import missing_reason, specs_dir

POSTGRES_URL = os.environ.get(
    "KATA_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# Each test run gets its own schema, so two runs on one machine never share tables.
TEST_SCHEMA = f"kata_test_{os.getpid()}"
POSTGRES_TEST_URL = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}search_path={TEST_SCHEMA}"
_pg_reason: str | None = None
_pg_checked = False


def postgres_unavailable() -> str | None:
    """Why PostgreSQL tests must skip on this machine, or None when it answers."""
    global _pg_checked, _pg_reason
    if not _pg_checked:
        _pg_checked = True

        async def probe() -> None:
            import asyncpg

            dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
            conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=3)
            await conn.close()

        try:
            asyncio.run(probe())
        except Exception as exc:  # any failure means: no usable PostgreSQL here
            _pg_reason = f"PostgreSQL not reachable at {POSTGRES_URL}: {exc!r}"[:300]
        else:
            asyncio.run(_postgres_schema("CREATE SCHEMA IF NOT EXISTS"))
    return _pg_reason


async def _postgres_schema(verb: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        suffix = " CASCADE" if verb.startswith("DROP") else ""
        await conn.execute(f"{verb} {TEST_SCHEMA}{suffix}")
    finally:
        await conn.close()


def pytest_report_header() -> str:
    found = specs_dir()
    if found is None:
        return (
            f"{missing_reason()}: the fake Slack and Discord do not check calls against "
            "them, and the conformance tests skip"
        )
    return f"platform API descriptions: {found} (every fake Slack and Discord call is checked)"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _pg_checked and _pg_reason is None:
        asyncio.run(_postgres_schema("DROP SCHEMA IF EXISTS"))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "postgres":
        reason = postgres_unavailable()
        if reason:
            pytest.skip(reason)
        return POSTGRES_TEST_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'kata.db'}"


@pytest.fixture
async def harness(database_url: str) -> AsyncIterator[Harness]:
    h = await make_harness(database_url)
    try:
        yield h
    finally:
        await h.close()


@pytest.fixture
def chat(harness: Harness) -> MemoryChat:
    return MemoryChat(harness.kata)
