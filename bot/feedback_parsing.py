"""Reading `/kata feedback` typed on one line, in time linear in its length.

The line is `<member> [signal=level …] strength: <text> improve: <text>`, with the two texts
in either order and spaces allowed around `=`. The earlier single regular expression nested
quantifiers and backtracked exponentially on input like `bob a=a=a=…`, which froze the event
loop for every team; this reader finds the two labels with one scan and splits the rest on
white space, so no input makes it slower than a few passes over the text.
"""

from __future__ import annotations

import re

from bot.content import Rubric
from bot.echo import echo

_LABEL = re.compile(r"\b(strength|improvement|improve)\s*:", re.IGNORECASE)
"""A fixed word, then `\\s*:`: each white-space run is scanned once, so matching is linear."""

EXAMPLE = "/kata feedback @alex problem=3 strength: sharp scoping improve: add a fallback"


class ReviewLineError(ValueError):
    """A line that cannot be read as a review; the message says which part and how to fix it."""


def parse_review_line(rubric: Rubric, text: str) -> dict[str, str]:
    """The same fields the feedback form has, read from one line of text."""
    starts: dict[str, tuple[int, int]] = {}
    for found in _LABEL.finditer(text):
        field = "strength" if found.group(1).lower() == "strength" else "improvement"
        starts.setdefault(field, (found.start(), found.end()))
        if len(starts) == 2:
            break
    head_end = min((start for start, _ in starts.values()), default=len(text))
    who, scores = _member_and_scores(rubric, text[:head_end].split())
    missing = [hint for field, hint in _MISSING_HINTS if field not in starts]
    if missing:
        raise ReviewLineError(f"Add {' and '.join(missing)}, for example: {EXAMPLE}")
    values = {"reviewee": who, **scores}
    (first, (_, first_end)), (second, (second_start, second_end)) = sorted(
        starts.items(), key=lambda item: item[1]
    )
    values[first] = text[first_end:second_start].strip()
    values[second] = text[second_end:].strip()
    return values


_MISSING_HINTS = (
    ("strength", "'strength:' and one concrete strength"),
    ("improvement", "'improve:' and one concrete improvement"),
)


def _member_and_scores(rubric: Rubric, words: list[str]) -> tuple[str, dict[str, str]]:
    """Leading words name the member; `signal=level` pairs (spaces around `=` allowed) follow."""
    pairs: list[str] = []
    name: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        following = words[i + 1] if i + 1 < len(words) else ""
        if following.startswith("="):
            if following == "=" and i + 2 < len(words):
                word, i = f"{word}={words[i + 2]}", i + 3
            else:
                word, i = word + following, i + 2
        elif word.endswith("=") and following:
            word, i = word + following, i + 2
        else:
            i += 1
        if "=" in word:
            pairs.append(word)
        elif pairs:
            raise ReviewLineError(
                f"I read {echo(word)} among the scores; write each score as signal=level, "
                "for example problem=3."
            )
        else:
            name.append(word)
    if not name:
        raise ReviewLineError("Name the teammate you are reviewing first, for example @alex.")
    return " ".join(name), _scores(rubric, pairs)


def _scores(rubric: Rubric, pairs: list[str]) -> dict[str, str]:
    scores: dict[str, str] = {}
    for pair in pairs:
        word, _, value = pair.partition("=")
        signal = rubric.signal_named(word)
        if signal is None:
            keys = ", ".join(s.key for s in rubric.signals)
            raise ReviewLineError(f"{echo(word)} is not a rubric signal; use {keys}.")
        key = signal.key
        if not value:
            raise ReviewLineError(f"Give {key} a level from 1 to 4, for example {key}=3.")
        scores[key] = value
    return scores
