"""Fixtures both platform suites share. Import them into a conftest to use them there.

The adapter tests talk to a local fake over real sockets; their subject is the adapter, so
they run the core on SQLite only (the core's own stories cover PostgreSQL).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol, TypeVar

import pytest

from bot.port import ChatPort
from tests.support.harness import Harness, make_harness


class StartableAdapter(ChatPort, Protocol):
    async def start(self) -> None: ...


A = TypeVar("A", bound=StartableAdapter)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """The real core on a SQLite file (overrides the suite's SQLite+PostgreSQL harness)."""
    h = await make_harness(database_url=f"sqlite+aiosqlite:///{tmp_path}/kata.db")
    yield h
    await h.close()


async def attached(harness: Harness, adapter: A) -> A:
    """`adapter` as the core's port, started (connected to its fake)."""
    harness.kata.attach(adapter)
    await adapter.start()
    return adapter
