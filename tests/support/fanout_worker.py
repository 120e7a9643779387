"""A worker process for fan-out races, kills and the `fanout`/`crash` benchmarks.

`python -m tests.support.fanout_worker URL NAME AT [--kill-after N] [--concurrency C]`: a real
core on URL with a frozen clock at AT (ISO), posting through `TableChat`. It prints `ready`
once connected, starts draining when a line arrives on standard input (so racers start
together), and prints `done POSTS CPU_SECONDS MAX_RSS_KB` when nothing due is left. With
`--kill-after N` it sends itself SIGKILL right after its Nth post reached the platform, before
the core hears back: the worst moment. CPU is counted from the start signal to the end (not
the imports).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import sys
from datetime import datetime, timedelta

from bot.clock import FakeClock
from bot.core import Kata
from bot.db import make_engine, make_sessions
from bot.jobs import ManualJobQueue
from tests.support.harness import content
from tests.support.table_chat import TableChat

RETRY_MINUTES = 2
"""Minutes the clock moves on after the first drain, for rows retried 30 s after a failure
(not far enough for a dead worker's two-minute leases: the `crash` run starts a later worker
for those)."""


def _killer(limit: int | None):  # type: ignore[no-untyped-def]
    def after_post(count: int) -> None:
        if limit is not None and count >= limit:
            os.kill(os.getpid(), signal.SIGKILL)

    return after_post


async def main(args: argparse.Namespace) -> None:
    engine = make_engine(args.url, pool_size=15)  # as `kata run` has it (DATABASE_POOL_SIZE)
    clock = FakeClock(datetime.fromisoformat(args.at))
    kata = Kata(
        make_sessions(engine),
        content(),
        clock,
        ManualJobQueue(),
        worker_name=args.name,
        concurrency=args.concurrency,
    )
    chat = TableChat(engine, args.name, after_post=_killer(args.kill_after), buffered=args.buffered)
    kata.attach(chat)
    async with engine.connect():
        print("ready", flush=True)
    sys.stdin.readline()
    before = resource.getrusage(resource.RUSAGE_SELF)
    await kata.worker.wake()
    for _ in range(RETRY_MINUTES):
        # A row that failed waits for its retry; let the frozen clock reach it, as time would.
        clock.advance(timedelta(minutes=1))
        await kata.worker.wake()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage.ru_utime + usage.ru_stime) - (before.ru_utime + before.ru_stime)
    await chat.flush()
    print(f"done {chat.count} {cpu:.3f} {usage.ru_maxrss}", flush=True)
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("name")
    parser.add_argument("at")
    parser.add_argument("--kill-after", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--buffered", action="store_true", help="posts kept in memory till done")
    asyncio.run(main(parser.parse_args()))
