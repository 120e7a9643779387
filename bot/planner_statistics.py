"""Table statistics for SQLite's query planner, kept current by the bot itself.

SQLite picks indexes from the statistics `ANALYZE` gathers, and nothing gathers them unless
asked; without them it can probe an index row by row where a range scan was meant (issue 10
saw the reviews board take seconds). `PRAGMA optimize` analyzes only the tables whose
statistics are missing or stale, and `analysis_limit` bounds each table's work, so running it
is cheap. It runs when a connection goes back to the pool, at most once an hour per
connection, and when a connection closes. PostgreSQL's autovacuum keeps its own statistics.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

EVERY_SECONDS = 3600.0
ANALYSIS_LIMIT = 1000
"""Rows `ANALYZE` reads per index: approximate statistics, in milliseconds on any size."""


def keep_sqlite_statistics(
    engine: AsyncEngine,
    every_seconds: float = EVERY_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Run `PRAGMA optimize` on the engine's SQLite connections (nothing on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return
    last_run: dict[int, float] = {}

    def optimize(dbapi_conn: Any) -> bool:
        """Analyze what needs it, inside a write transaction taken first (an autocommit
        ANALYZE would read, then fail at once to write beside another writer); when another
        connection is writing, give up at once and try again later. True when it ran."""
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout")
            (patience,) = cursor.fetchone()
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except Exception:
                log.debug("PRAGMA optimize postponed: another connection is writing")
                return False
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(patience)}")
            try:
                cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
                cursor.execute("PRAGMA optimize")
                cursor.execute("COMMIT")
            except Exception:
                cursor.execute("ROLLBACK")
                raise
            return True
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn is None:
            return
        now = clock()
        if now - last_run.get(id(dbapi_conn), float("-inf")) >= every_seconds:
            try:
                if optimize(dbapi_conn):
                    last_run[id(dbapi_conn)] = now
            except Exception:  # statistics are an optimisation: never fail a request
                log.warning("PRAGMA optimize failed", exc_info=True)

    @event.listens_for(engine.sync_engine, "close")
    def _close(dbapi_conn: Any, _record: Any) -> None:
        last_run.pop(id(dbapi_conn), None)
        try:
            optimize(dbapi_conn)
        except Exception:  # a connection closing because it broke: statistics can wait
            log.debug("PRAGMA optimize skipped on a closing connection", exc_info=True)
