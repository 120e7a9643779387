"""OutgoingMessage -> Discord message payloads, within Discord's size limits.

Pure functions: the adapter sends what these return, and tests check the limits without a
client. Text from the core is plain; it is escaped here so nothing a member typed turns into
markdown, and every send uses `AllowedMentions.none()` so nothing pings anyone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace

import discord

from adapters.text import split_text
from bot.chat import Attachment, Button, Field, Link, OutgoingMessage, Picture, Section

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FIELDS_BUDGET = 4000
"""Fields and footer share at most this much of an embed, leaving room for the title."""
EMBED_COLOUR = 0x5865F2
ALT_TEXT_LIMIT = 1024
"""Discord's limit for an attachment's description, which clients read out as alt text."""
MOST_PICTURES = 9
"""Ten embeds a message: the text's and one per picture."""

NO_PINGS = discord.AllowedMentions.none()


@dataclass
class Rendered:
    """One Discord message: plain content or a single embed, plus buttons and files."""

    content: str | None = None
    embed: discord.Embed | None = None
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    view: discord.ui.View | None = None
    """A ready-made view (the adapter's own buttons) instead of the core's `buttons`."""
    pictures: tuple[Picture, ...] = ()

    def files(self) -> list[discord.File]:
        files = [discord.File(io.BytesIO(a.content), filename=a.filename) for a in self.attachments]
        files.extend(
            discord.File(io.BytesIO(p.png), filename=p.filename, description=p.alt[:ALT_TEXT_LIMIT])
            for p in self.pictures
        )
        return files

    def embeds(self) -> list[discord.Embed]:
        """The text embed, if any, then one embed per picture showing its attached file."""
        shown = [self.embed] if self.embed is not None else []
        for picture in self.pictures:
            image = discord.Embed(colour=EMBED_COLOUR)
            shown.append(image.set_image(url=f"attachment://{picture.filename}"))
        return shown


def escape(text: str) -> str:
    """Escape Discord markdown so member text shows as typed."""
    return discord.utils.escape_markdown(text)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section_text(section: Section, *, fields_inline: bool) -> str:
    lines: list[str] = []
    if section.heading:
        lines.append(f"**{escape(section.heading)}**")
    if section.text:
        lines.append(escape(section.text))
    if section.links:
        lines.append(" · ".join(_link(k) for k in section.links))
    if not fields_inline:
        lines.extend(f"**{escape(f.label)}:** {escape(f.value)}" for f in section.fields)
    return "\n".join(lines)


def _link(link: Link) -> str:
    """`[label](url)`, a masked link (embeds render them); the label cannot close it early."""
    label = escape(link.label).replace("[", "(").replace("]", ")")
    if not link.url.startswith("https://") or any(c in link.url for c in "()<> "):
        return label
    return f"[{label}]({link.url})"


def _wants_embed(message: OutgoingMessage) -> bool:
    return bool(message.title or any(s.fields for s in message.sections) or message.footer)


def _fits_as_fields(message: OutgoingMessage) -> bool:
    fields = [f for s in message.sections for f in s.fields]
    footer = len(message.footer or "")
    total = sum(len(f.label) + len(escape(f.value)) for f in fields)
    return (
        len(fields) <= FIELD_COUNT_LIMIT
        and total + footer <= FIELDS_BUDGET
        and all(
            0 < len(f.label) <= FIELD_NAME_LIMIT and 0 < len(escape(f.value)) <= FIELD_VALUE_LIMIT
            for f in fields
        )
    )


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts towards the 6,000 per embed."""
    size = len(embed.title or "") + len(embed.description or "")
    size += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    size += len(embed.footer.text or "") if embed.footer else 0
    return size


def reworded(message: OutgoingMessage, words: Callable[[str], str]) -> OutgoingMessage:
    """The message with `words` applied to every text in it (command names, see
    `commands.discord_command_text`)."""
    sections = tuple(
        replace(
            s,
            text=words(s.text),
            fields=tuple(Field(f.label, words(f.value)) for f in s.fields),
        )
        for s in message.sections
    )
    footer = words(message.footer) if message.footer else message.footer
    return replace(message, sections=sections, footer=footer)


def render(message: OutgoingMessage, words: Callable[[str], str] | None = None) -> list[Rendered]:
    """Render one message as one or more Discord messages.

    Short untitled text goes out as plain content (split under 2,000 characters). Anything
    with a title, fields or a footer becomes an embed; a description too long for one embed
    continues in follow-up embeds. Buttons and files ride on the last message.
    """
    if words is not None:
        message = reworded(message, words)
    if not _wants_embed(message):
        text = "\n\n".join(
            t for t in (_section_text(s, fields_inline=False) for s in message.sections) if t
        )
        pieces = split_text(text, CONTENT_LIMIT, never_ending_with="\\") if text else ["\u200b"]
        out = [Rendered(content=p) for p in pieces]
    else:
        out = _render_embeds(message)
    out[-1].buttons = message.buttons
    out[-1].attachments = message.attachments
    out[-1].pictures = message.pictures[:MOST_PICTURES]
    return out


def _render_embeds(message: OutgoingMessage) -> list[Rendered]:
    inline = _fits_as_fields(message)
    title = _truncate(message.title or "", TITLE_LIMIT) or None
    footer = _truncate(message.footer, FOOTER_LIMIT) if message.footer else None
    fields = (
        [(f.label, escape(f.value)) for s in message.sections for f in s.fields] if inline else []
    )
    description = "\n\n".join(
        t for t in (_section_text(s, fields_inline=inline) for s in message.sections) if t
    )
    tail_size = sum(len(n) + len(v) for n, v in fields) + len(footer or "")
    single_room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title or "") - tail_size)
    if len(description) <= single_room:
        pieces = [description]
        tail_apart = False
    else:
        pieces = split_text(description, DESCRIPTION_LIMIT, never_ending_with="\\")
        tail_apart = bool(fields or footer)
    embeds = [
        discord.Embed(
            title=title if index == 0 else None, description=piece or None, colour=EMBED_COLOUR
        )
        for index, piece in enumerate(pieces)
    ]
    if tail_apart:
        embeds.append(discord.Embed(colour=EMBED_COLOUR))
    for name, value in fields:
        embeds[-1].add_field(name=name, value=value, inline=len(value) < 60)
    if footer:
        embeds[-1].set_footer(text=footer)
    return [Rendered(embed=e) for e in embeds]
