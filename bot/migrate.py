"""Running Alembic from the code: `kata migrate`, the start-up check, and the tests.

These are synchronous on purpose: `migrations/env.py` runs its own event loop, so call them
before the bot's loop starts (or from a worker thread).
"""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db import make_engine, normalize_url
from bot.settings import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def revisions(database_url: str) -> tuple[str | None, str]:
    """(current revision, head revision) of a database, read without changing it."""
    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head() or ""
    return asyncio.run(_current_revision(database_url)), head


async def _current_revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
