"""A worker process for the queue race test: claims until nothing is due, writes what it got.

Run as `python -m tests.support.queue_worker DATABASE_URL WORKER OUT_FILE`; it says `ready`
on standard output once connected and starts claiming when a line arrives on standard input,
so every racer starts at the same moment.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot import work_queue
from bot.db import make_engine, make_sessions


async def main(url: str, worker: str) -> list[int]:
    engine = make_engine(url)
    sessions = make_sessions(engine)
    async with engine.connect():
        print("ready", flush=True)
    sys.stdin.readline()
    got: list[int] = []
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    while batch := await work_queue.claim(sessions, worker, now, limit=7):
        got += [item.id for item in batch]
        async with sessions.begin() as session:
            for item in batch:
                await work_queue.finish(session, item.id, worker, now)
    await engine.dispose()
    return got


if __name__ == "__main__":
    claimed = asyncio.run(main(sys.argv[1], sys.argv[2]))
    Path(sys.argv[3]).write_text("\n".join(map(str, claimed)))
