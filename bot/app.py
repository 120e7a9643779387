"""Putting a core together from settings: database, content, clock and scheduler."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.content import load_content
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import JobQueue, SchedulerJobQueue
from bot.settings import Settings


@dataclass
class Runtime:
    kata: Kata
    engine: AsyncEngine

    async def close(self) -> None:
        await self.kata.close()
        await self.engine.dispose()


def build(settings: Settings, clock: Clock | None = None, jobs: JobQueue | None = None) -> Runtime:
    content = load_content(settings.content_dir)
    engine = make_engine(settings.database_url)
    kata = Kata(make_sessions(engine), content, clock or SystemClock(), jobs or SchedulerJobQueue())
    return Runtime(kata, engine)
