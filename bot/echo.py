"""Quoting what a member typed back to them: short, on one line, never the whole input.

Every reply that repeats input goes through `echo`, so a 40,000-character command gets a
one-line answer instead of dozens of messages. Adapters escape platform markup afterwards.
"""

from __future__ import annotations

ECHO_LIMIT = 40


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` as a quoted excerpt of at most `limit` characters, white space folded."""
    folded = " ".join(text[: limit * 4].split())
    if len(text) > limit * 4:
        folded += "…"
    return f"'{clip(folded, limit)}'"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
