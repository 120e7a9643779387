"""One log line per failed work item, with fields a log search can filter on.

The text form is `key=value` pairs (values with spaces quoted), so `grep kind=stage` or a
log shipper's key-value parser finds them; the same fields ride on the record as `fields`,
which the JSON log format (`KATA_LOG_FORMAT=json`) turns into JSON keys.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime

log = logging.getLogger("kata.work")

ERROR_LIMIT = 300
"""Characters of the error text kept in the line: enough to recognise it, never a page."""


def key_values(fields: Mapping[str, object]) -> str:
    """`a=1 b="two words"`: plain tokens bare, anything else as a JSON string."""
    parts = []
    for name, value in fields.items():
        text = "" if value is None else str(value)
        bare = text and all(c.isalnum() or c in "-_.:/+@" for c in text)
        parts.append(f"{name}={text if bare else json.dumps(text)}")
    return " ".join(parts)


def failure_fields(
    kind: str, key: str, attempt: int, next_try: datetime | None, error: BaseException
) -> dict[str, object]:
    text = " ".join(str(error).split())
    return {
        "kind": kind,
        "key": key,
        "attempt": attempt,
        "next_try": next_try.isoformat() if next_try is not None else "never",
        "error_class": type(error).__name__,
        "error": text[:ERROR_LIMIT],
    }


def work_failed(
    kind: str, key: str, attempt: int, next_try: datetime | None, error: BaseException
) -> None:
    """Log a failed run of one work item; `next_try` None means it was given up."""
    fields = failure_fields(kind, key, attempt, next_try, error)
    level = logging.WARNING if next_try is not None else logging.ERROR
    log.log(level, "work failed %s", key_values(fields), extra={"fields": fields})
