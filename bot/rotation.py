"""Which prompt a channel gets next: nothing repeats until every matching prompt was used.

Picking among the prompts used the fewest times in the channel gives that guarantee, and
keeps holding when filters change or a workspace adds prompts midway.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PromptChoice:
    key: str
    title: str
    tags: frozenset[str]
    difficulty: str | None


def matching(
    prompts: Iterable[PromptChoice], tags: Sequence[str], difficulties: Sequence[str]
) -> list[PromptChoice]:
    wanted_tags = set(tags)
    return [
        p
        for p in prompts
        if (not wanted_tags or p.tags & wanted_tags)
        and (not difficulties or p.difficulty is None or p.difficulty in difficulties)
    ]


def pick(candidates: Sequence[PromptChoice], history: Iterable[str], seed: str) -> PromptChoice:
    """The next prompt among `candidates`, given the keys a channel already had.

    `seed` (channel and date) makes the choice repeatable, so a retried post picks the same.
    """
    if not candidates:
        raise LookupError("no prompt matches this channel's filters")
    counts = Counter(history)
    fewest = min(counts[c.key] for c in candidates)
    pool = sorted((c for c in candidates if counts[c.key] == fewest), key=lambda c: c.key)
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16))
    return rng.choice(pool)
