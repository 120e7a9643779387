"""Text from a platform made safe for the core, once, at its edge.

JSON allows a lone surrogate (`\\ud800`) that no encoder will write, and PostgreSQL refuses a
NUL inside text. Both arrive through ordinary messages, so `Kata.handle` cleans every string
of an inbound event before any use case sees it.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"

T = TypeVar("T")


def clean_text(text: str) -> str:
    """`text` without NUL characters and with each lone surrogate replaced by U+FFFD."""
    if text.isascii():
        return text.replace("\x00", "") if "\x00" in text else text
    return _SURROGATE.sub(REPLACEMENT, text.replace("\x00", ""))


def clean_event(event: T) -> T:
    """A copy of a frozen event (or any nested value in it) with every string cleaned."""
    return _clean(event)  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value
