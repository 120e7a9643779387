"""Counts in bot messages read naturally: `1 round`, `2 rounds`, `every minute`."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n` and the noun, singular for exactly one (`many` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def every(n: int, unit: str) -> str:
    """A repeating interval: `every minute`, `every 30 minutes`."""
    return f"every {unit}" if n == 1 else f"every {plural(n, unit)}"
