"""Messages the core writes, as Discord messages within Discord's limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    embed_size,
    render,
    split_text,
)
from bot.chat import Button, Field, OutgoingMessage, Section, text_message

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
long_text = st.lists(words, max_size=900).map(" ".join)


@given(text=long_text, limit=st.integers(min_value=20, max_value=2000))
@settings(max_examples=60, deadline=None)
def test_split_text_keeps_every_word_under_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


@given(
    title=st.text(max_size=400),
    texts=st.lists(long_text, min_size=1, max_size=4),
    fields=st.lists(st.tuples(st.text(min_size=1, max_size=300), long_text), max_size=30),
    footer=st.text(max_size=2500),
)
@settings(max_examples=40, deadline=None)
def test_any_message_fits_discord_limits(
    title: str, texts: list[str], fields: list[tuple[str, str]], footer: str
) -> None:
    sections = tuple(Section(text=t) for t in texts) + (
        Section(fields=tuple(Field(label, value) for label, value in fields)),
    )
    message = OutgoingMessage(title=title or None, sections=sections, footer=footer or None)
    for part in render(message):
        assert part.content is None or len(part.content) <= CONTENT_LIMIT
        if part.embed is not None:
            embed = part.embed
            assert len(embed.title or "") <= TITLE_LIMIT
            assert len(embed.description or "") <= DESCRIPTION_LIMIT
            assert len(embed.fields) <= FIELD_COUNT_LIMIT
            assert all(len(f.value or "") <= FIELD_VALUE_LIMIT for f in embed.fields)
            assert embed_size(embed) <= EMBED_TOTAL_LIMIT


def test_a_prompt_is_one_embed_with_its_buttons() -> None:
    message = OutgoingMessage(
        title="Design Kata #3: Ride-pool matching",
        sections=(Section(text="Riders share cars.", heading="Scenario"),),
        buttons=(Button("next", "Next stage", "7", primary=True), Button("stats", "My stats", "7")),
        footer="Answer in the thread",
    )
    (part,) = render(message)
    assert part.content is None and part.embed is not None
    assert part.embed.title == "Design Kata #3: Ride-pool matching"
    assert part.embed.description == "**Scenario**\nRiders share cars."
    assert part.embed.footer.text == "Answer in the thread"
    assert [b.action for b in part.buttons] == ["next", "stats"]


def test_plain_replies_are_plain_text_and_member_markdown_is_escaped() -> None:
    (part,) = render(text_message("Recorded: *my* answer with `code` and __underline__"))
    assert part.embed is None
    assert part.content == "Recorded: \\*my\\* answer with \\`code\\` and \\_\\_underline\\_\\_"


def test_a_long_wrap_up_continues_in_more_messages_with_buttons_on_the_last() -> None:
    body = "\n\n".join(f"Answer {i}: " + "word " * 150 for i in range(20))
    message = OutgoingMessage(
        title="Wrap-up", sections=(Section(text=body),), buttons=(Button("feedback", "Give", "1"),)
    )
    parts = render(message)
    assert len(parts) > 1
    assert parts[0].embed is not None and parts[0].embed.title == "Wrap-up"
    assert all(p.buttons == () for p in parts[:-1]) and parts[-1].buttons


def test_a_piece_never_ends_on_an_escaping_backslash() -> None:
    text = "x" * 9 + "\\*" + "y" * 9
    pieces = split_text(text, 10, never_ending_with="\\")
    assert all(not p.endswith("\\") for p in pieces)
    assert "".join(pieces) == text
