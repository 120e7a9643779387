"""The core's plain-text messages and forms, rendered for Slack: safe and within limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack.blocks import action_of, escape, render_message, split_text
from adapters.slack.views import (
    FormOrigin,
    form_origin,
    inline_errors,
    render_form,
    render_home,
    submitted_values,
)
from bot.chat import (
    Button,
    Choice,
    Field,
    Form,
    FormField,
    OutgoingMessage,
    Section,
    text_message,
)
from tests.slack.blockkit import check_blocks, check_view

PING = "<!channel> hey <!here> and <@U123> & <https://evil.example|click>"


def parsed_texts(node: object) -> list[str]:
    """Every string Slack parses for mentions: mrkdwn text objects (plain_text is shown as is)."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(node["text"])
        for value in node.values():
            found += parsed_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += parsed_texts(value)
    return found


def test_text_that_tries_to_ping_everyone_is_escaped_everywhere() -> None:
    message = OutgoingMessage(
        title=PING,
        sections=(Section(text=PING, heading=PING, fields=(Field(PING, PING),)),),
        buttons=(Button("next", PING, "1"),),
        footer=PING,
    )
    pages = render_message(message)
    parsed = [pages[0]["text"], *parsed_texts(pages)]
    assert len(parsed) == 4  # fallback text, section (heading + text), field, footer
    assert not any("<" in text or ">" in text for text in parsed)
    assert "&lt;!channel&gt;" in pages[0]["blocks"][1]["text"]["text"]
    assert "&amp;" in pages[0]["text"]
    assert check_blocks(pages[0]["blocks"]) == []


def test_a_long_scenario_is_split_into_sections_of_at_most_3000_characters() -> None:
    paragraph = "Design the ranking for a marketplace search. " * 40  # ~1,800 chars
    text = "\n".join([paragraph] * 6)
    pages = render_message(text_message(text, title="Kata"))
    sections = [b for b in pages[0]["blocks"] if b["type"] == "section"]
    assert len(sections) >= 4
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    rebuilt = "".join(b["text"]["text"] for b in sections).replace("\n", "")
    assert rebuilt.replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_escaping_never_pushes_a_section_over_the_limit_or_cuts_an_entity() -> None:
    pages = render_message(text_message("<&>" * 2500))
    for block in pages[0]["blocks"]:
        body = block["text"]["text"]
        assert len(body) <= 3000
        assert body.endswith(";")
    joined = "".join(b["text"]["text"] for b in pages[0]["blocks"])
    assert joined == escape("<&>" * 2500)


def test_more_than_fifty_blocks_continue_in_further_messages_with_buttons_on_the_first() -> None:
    sections = tuple(Section(text=f"Point {i}") for i in range(120))
    message = OutgoingMessage(
        title="Wrap-up",
        sections=sections,
        buttons=(Button("feedback", "Give feedback", "7", primary=True),),
        footer="See you tomorrow",
    )
    pages = render_message(message)
    assert len(pages) == 3
    assert all(check_blocks(p["blocks"]) == [] for p in pages)
    assert pages[0]["blocks"][-1]["type"] == "actions"
    assert pages[-1]["blocks"][-1]["type"] == "context"
    texts = [b["text"]["text"] for p in pages for b in p["blocks"] if b["type"] == "section"]
    assert texts == [f"Point {i}" for i in range(120)]


def test_header_and_button_labels_are_clipped_to_slack_limits() -> None:
    message = OutgoingMessage(title="T" * 400, buttons=(Button("stats", "L" * 200, "9" * 3000),))
    blocks = render_message(message)[0]["blocks"]
    assert len(blocks[0]["text"]["text"]) == 150
    button = blocks[1]["elements"][0]
    assert len(button["text"]["text"]) == 75
    assert action_of(button["action_id"]) == "stats"
    assert check_blocks(blocks) == []


def test_a_huge_heading_is_capped_and_its_text_still_fits() -> None:
    section = Section(heading="<" * 5000, text="&" * 5000)
    blocks = render_message(OutgoingMessage(sections=(section,)))[0]["blocks"]
    assert check_blocks(blocks) == []
    assert blocks[0]["text"]["text"].startswith("*&lt;")


def test_many_fields_are_spread_over_sections_of_ten() -> None:
    fields = tuple(Field(f"Member {i}", f"{i} pts") for i in range(23))
    blocks = render_message(OutgoingMessage(sections=(Section(heading="Board", fields=fields),)))[
        0
    ]["blocks"]
    assert [len(b.get("fields", [])) for b in blocks] == [10, 10, 3]
    assert check_blocks(blocks) == []


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=9000), st.text(max_size=300), st.text(max_size=300))
def test_any_text_renders_to_blocks_slack_accepts(body: str, title: str, heading: str) -> None:
    message = OutgoingMessage(
        title=title or None,
        sections=(Section(text=body, heading=heading or None),),
        buttons=(Button("next", title or "Next", "1"),),
    )
    for page in render_message(message):
        assert check_blocks(page.get("blocks", [])) == []
        assert "<" not in page["text"] and len(page["text"]) <= 3000


def test_split_text_prefers_line_breaks() -> None:
    assert split_text("aaaa\nbbbb\ncccc", 10) == ["aaaa\nbbbb", "cccc"]
    assert split_text("", 10) == [""]


# ---------------------------------------------------------------- modals

FEEDBACK = Form(
    form_id="feedback",
    title="Feedback: round #12 of the autumn season",
    context="12",
    fields=(
        FormField(
            "reviewee",
            "Whose answers are you reviewing?",
            "choice",
            required=True,
            choices=(Choice("UBOB", "Bob"), Choice("UCAROL", "Carol")),
        ),
        FormField("problem", "Problem understanding", "choice", choices=(Choice("1", "1"),)),
        FormField("strength", "One concrete strength", "paragraph", required=True, max_length=1000),
        FormField("note", "A short note", "text", placeholder="x" * 400),
    ),
    submit_label="Send",
)


def test_a_form_becomes_a_modal_slack_accepts_and_comes_back_unchanged() -> None:
    origin = FormOrigin("feedback", "12", "CPRACTICE", "1700000000.000100")
    view = render_form(FEEDBACK, origin)
    assert check_view(view, "modal") == []
    assert len(view["title"]["text"]) <= 24
    assert [b["optional"] for b in view["blocks"]] == [False, True, False, True]
    assert view["blocks"][2]["element"]["multiline"] is True
    assert form_origin(view) == origin


def test_submitted_state_flattens_to_field_values() -> None:
    view = render_form(FEEDBACK, FormOrigin("feedback", "12"))
    view["state"] = {
        "values": {
            "reviewee": {
                "reviewee": {"type": "static_select", "selected_option": {"value": "UBOB"}}
            },
            "problem": {"problem": {"type": "static_select", "selected_option": None}},
            "strength": {"strength": {"type": "plain_text_input", "value": "clear metrics"}},
            "note": {"note": {"type": "plain_text_input", "value": None}},
        }
    }
    assert submitted_values(view) == {"reviewee": "UBOB", "strength": "clear metrics"}


def test_tampered_metadata_reads_as_an_empty_context() -> None:
    origin = form_origin({"callback_id": "kata_form:feedback", "private_metadata": "not json"})
    assert origin == FormOrigin("feedback", "")


def test_the_home_tab_never_carries_buttons_and_stays_within_100_blocks() -> None:
    sections = tuple(Section(text=f"Round {i}") for i in range(150))
    home = render_home(
        OutgoingMessage(
            title="Design Kata", sections=sections, buttons=(Button("stats", "S", "1"),)
        )
    )
    assert check_view(home, "home") == []
    assert all(b["type"] != "actions" for b in home["blocks"])
    assert len(home["blocks"]) == 100


def test_errors_about_the_whole_form_are_shown_on_its_first_input() -> None:
    view = render_form(FEEDBACK, FormOrigin("feedback", "12"))
    errors = inline_errors(view, {"form": "This form is out of date.", "strength": "Too short."})
    assert errors == {"reviewee": "This form is out of date.", "strength": "Too short."}
    long = inline_errors(view, {"strength": "x" * 400})
    assert len(long["strength"]) <= 150
