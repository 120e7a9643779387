"""A worker killed mid fan-out (issue 8): `python -m bench.crash [--channels 1000,10000]` is
`bench.fanout --crash`: the first worker is SIGKILLed after half its posts, the second (on
PostgreSQL) keeps going, and one started after the leases ran out finishes; every channel
must end with one round and every stage posted once, nothing orphaned."""

from __future__ import annotations

import sys

from bench.fanout import main, parser_for

if __name__ == "__main__":
    import asyncio

    asyncio.run(main(parser_for().parse_args([*sys.argv[1:], "--crash"])))
