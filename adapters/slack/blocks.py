"""Render the core's plain-text messages as Block Kit, within Slack's limits.

Everything the core hands over is plain text, so every string is escaped for mrkdwn before it
goes out: `<!channel>`, `<@U123>` and friends can only be written with `<`, which never reaches
Slack unescaped. Long content is split, never truncated silently, except where Slack caps a
field that has no continuation (a header, a button label).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.text import clip, split_text
from bot.chat import Button, OutgoingMessage, Section

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_TEXT = 3000
MAX_FALLBACK_TEXT = 3000
MAX_HEADING = 200
"""A section heading is ours to cap: escaped, it stays far below a section's 3,000."""

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped_pieces(text: str, limit: int, raw_limit: int | None = None) -> list[str]:
    """Split before escaping, so an entity like `&amp;` is never cut in half, and re-split any
    piece that escaping made longer than `limit` (an escaped character is at most 5 long)."""
    raw_limit = raw_limit or limit
    pieces: list[str] = []
    for piece in split_text(text, raw_limit):
        escaped = escape(piece)
        if len(escaped) <= limit:
            pieces.append(escaped)
        else:
            smaller = max(limit // 5, raw_limit * limit // len(escaped) - 5)
            pieces.extend(_escaped_pieces(piece, limit, smaller))
    return pieces or [""]


def section_blocks(section: Section) -> list[Block]:
    """One core Section as one or more Block Kit section blocks."""
    blocks: list[Block] = []
    title = (section.heading or "").strip()
    heading = f"*{escape(clip(title, MAX_HEADING))}*" if title else ""
    body = section.text
    if heading:
        budget = MAX_SECTION_TEXT - len(heading) - 1
        pieces = _escaped_pieces(body, budget) if body else [""]
        first = f"{heading}\n{pieces[0]}" if pieces[0] else heading
        texts = [first, *pieces[1:]]
    else:
        texts = _escaped_pieces(body, MAX_SECTION_TEXT) if body else []
    for text in texts:
        if text.strip():
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.extend(link_blocks(section))
    fields = [
        {
            "type": "mrkdwn",
            "text": clip(f"*{escape(f.label)}*\n{escape(f.value)}", MAX_FIELD_TEXT),
        }
        for f in section.fields
    ]
    for start in range(0, len(fields), MAX_FIELDS):
        chunk = fields[start : start + MAX_FIELDS]
        if start == 0 and blocks:
            blocks[-1]["fields"] = chunk  # a heading and its fields read as one block
        else:
            blocks.append({"type": "section", "fields": chunk})
    if section.buttons:
        elements = [button_element(b, i) for i, b in enumerate(section.buttons[:25])]
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def link_blocks(section: Section) -> list[Block]:
    """A section's links as mrkdwn `<url|label>`, ` · ` between them, in as few section
    blocks as fit 3,000 characters each (a link is never cut)."""
    links = [
        f"<{escape(k.url)}|{escape(clip(k.label, MAX_HEADING)).replace('|', '¦')}>"
        for k in section.links
        if k.url.startswith(("https://", "http://")) and len(escape(k.url)) < MAX_SECTION_TEXT // 2
    ]
    texts: list[str] = []
    for link in links:
        if texts and len(texts[-1]) + 3 + len(link) <= MAX_SECTION_TEXT:
            texts[-1] += " · " + link
        else:
            texts.append(link)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": t}} for t in texts]


def button_element(button: Button, index: int) -> Block:
    """A Block Kit button; the action id carries the core's action name."""
    label = clip(button.label.strip() or button.action, MAX_BUTTON_TEXT)
    element: Block = {
        "type": "button",
        "action_id": f"kata_{button.action}_{index}",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": button.value[:MAX_BUTTON_VALUE],
    }
    if button.primary:
        element["style"] = "primary"
    return element


def action_of(action_id: str) -> str | None:
    """The core's action name from one of our button action ids, or None for foreign ids."""
    if not action_id.startswith("kata_"):
        return None
    name, _, index = action_id[len("kata_") :].rpartition("_")
    return name if name and index.isdigit() else None


def fallback_text(message: OutgoingMessage) -> str:
    """The notification text Slack shows where blocks cannot be rendered (no button labels)."""
    text = replace(message, buttons=(), attachments=()).plain_text()
    return clip(escape(text), MAX_FALLBACK_TEXT) or " "


def content_blocks(message: OutgoingMessage) -> list[Block]:
    """Header and sections, without buttons or footer."""
    blocks: list[Block] = []
    if message.title and message.title.strip():
        header = clip(message.title.strip(), MAX_HEADER)
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": header}})
    for section in message.sections:
        blocks.extend(section_blocks(section))
    return blocks


def render_message(
    message: OutgoingMessage, *, max_blocks: int = MAX_BLOCKS
) -> list[dict[str, Any]]:
    """`chat.postMessage` arguments (`text`, `blocks`) for one or more Slack messages.

    The first message carries the buttons (it becomes a round's thread parent); the last one
    carries the footer. Further messages continue the content when it exceeds `max_blocks`.
    """
    blocks = content_blocks(message)
    actions: Block | None = None
    if message.buttons:
        elements = [button_element(b, i) for i, b in enumerate(message.buttons[:25])]
        actions = {"type": "actions", "elements": elements}
    footer: Block | None = None
    if message.footer:
        text = clip(escape(message.footer), MAX_CONTEXT_TEXT)
        footer = {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}

    pages: list[list[Block]] = []
    first_room = max_blocks - (1 if actions else 0)
    pages.append(blocks[:first_room])
    rest = blocks[first_room:]
    while rest:
        pages.append(rest[:max_blocks])
        rest = rest[max_blocks:]
    if actions:
        pages[0].append(actions)
    if footer:
        if len(pages[-1]) >= max_blocks:
            pages.append([])
        pages[-1].append(footer)

    text = fallback_text(message)
    result = []
    for number, page in enumerate(pages):
        page_text = text if number == 0 else clip(text, 150)
        result.append({"text": page_text, "blocks": page})
    return [page for page in result if page["blocks"]] or [{"text": text}]
