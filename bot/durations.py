"""Lengths of time as members type them: `2h`, `90m`, `1h30m`, `2d`, `45 min`, `3 days`."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(
    r"(\d{1,4})\s*(weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)?\s*", re.IGNORECASE
)
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}


def parse_duration(text: str, bare: str | None = None) -> timedelta | None:
    """The length `text` names, or None. `bare` is the unit of a number typed alone
    (`assign deadline 24` means hours); without it a unit is required."""
    text = text.strip()
    total, at, parts = timedelta(), 0, 0
    while at < len(text):
        part = _PART.match(text, at)
        if part is None or part.end() == at:
            return None
        unit = (part.group(2) or bare or "").lower()[:1]
        if not unit:
            return None
        total += int(part.group(1)) * _UNITS.get(unit, timedelta(minutes=1))
        at, parts = part.end(), parts + 1
    return total if parts else None
