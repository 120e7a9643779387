"""What a use case may use of the core, as a type that imports no use case.

Use cases used to annotate their first argument as `bot.core.Kata`, which imports every use
case: a cycle through the whole core. They take `Deps` instead; `Kata` satisfies it.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.content import Content
from bot.jobs import JobQueue
from bot.port import ChatPort
from bot.web_links import LinkSigner


class WorkerHandle(Protocol):
    """What a use case may ask of this process's worker (`bot.worker.Worker`)."""

    name: str

    def poke(self) -> None:
        """New work may be due now: look soon."""
        ...

    async def run_key(self, key: str, **overrides: Any) -> str | None:
        """Run the work row `key` now (a command asked for it)."""
        ...


class Deps(Protocol):
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    clock: Clock
    jobs: JobQueue

    @property
    def worker(self) -> WorkerHandle:
        """This process's worker: use cases poke it or run one row now."""
        ...

    web_links: LinkSigner | None

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms with an adapter attached in this process."""
        ...

    def port_for(self, platform: str) -> ChatPort:
        """The adapter that posts on `platform`; LookupError when none is attached."""
        ...
