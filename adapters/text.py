"""Fitting the core's plain text into a platform's size limits, shared by every adapter.

Long text is split at the best boundary in the second half of the window (a paragraph, then a
line, then a word), and cut hard only when there is none; a field with no continuation is
clipped with an ellipsis. Adapters escape their own markup and say which character must not
end a piece (Discord's escaping backslash).
"""

from __future__ import annotations

from bot.echo import clip

__all__ = ["clip", "split_text"]

BOUNDARIES = ("\n\n", "\n", " ")


def split_text(text: str, limit: int, *, never_ending_with: str = "") -> list[str]:
    """`text` in pieces of at most `limit` characters, each word whole where it fits."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = next((c for sep in BOUNDARIES if (c := window.rfind(sep)) > limit // 2), limit)
        while never_ending_with and cut > 1 and window[cut - 1] == never_ending_with:
            cut -= 1
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces
