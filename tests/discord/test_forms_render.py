"""Form fields as modal components, whatever the number of choices."""

from __future__ import annotations

from adapters.discord.forms import FormModal, FormSession, field_item, pages
from bot.chat import Actor, Choice, Form, FormField, UserRef
from tests.discord.discord_spec import check_request
from tests.discord.fake_rest import modal_problems

TEAM = tuple(Choice(str(100 + i), f"Member {i}") for i in range(40))


def test_a_short_list_is_a_select_with_the_current_choice_marked() -> None:
    levels = tuple(Choice(str(i), f"{i} - level") for i in range(1, 5))
    item = field_item(FormField("data", "Data and features", "choice", choices=levels), "3")
    data = item.to_component_dict()
    assert data["type"] == 18 and data["component"]["type"] == 3
    assert [o["value"] for o in data["component"]["options"] if o.get("default")] == ["3"]


def test_a_long_list_of_members_uses_discords_member_picker() -> None:
    field = FormField("reviewee", "Whose answers?", "choice", required=True, choices=TEAM)
    data = field_item(field, "105").to_component_dict()["component"]
    assert data["type"] == 5  # user select
    assert data["default_values"] == [{"id": 105, "type": "user"}]


def feedback_page() -> dict[str, object]:
    """The first page of a feedback form with a 40-member team, as the modal callback body."""
    levels = tuple(Choice(str(i), f"{i} - level") for i in range(1, 5))
    fields = (
        FormField("reviewee", "Whose answers?", "choice", required=True, choices=TEAM),
        *(FormField(k, k.title(), "choice", choices=levels) for k in ("problem", "data")),
        FormField("strength", "One concrete strength", "paragraph", required=True),
    )
    actor = Actor(UserRef("discord", "1", "2"), "Lea")
    session = FormSession("abc123", Form("feedback", "Feedback: round #12", "12", fields), actor)
    modal = FormModal(session, 0, on_page=_ignore)
    return {"type": 9, "data": modal.to_dict()}


async def test_a_big_feedback_form_is_a_valid_modal_for_discord() -> None:
    assert modal_problems(feedback_page()) == []


async def test_a_feedback_page_matches_discords_schema() -> None:
    assert check_request("POST", "/interactions/1/t/callback", feedback_page()) == []


async def _ignore(*_: object) -> None:
    return None


def test_eight_fields_become_two_modals() -> None:
    fields = tuple(FormField(f"f{i}", f"Field {i}", "paragraph") for i in range(8))
    form = Form("feedback", "Feedback", "1", fields)
    assert [len(p) for p in pages(form)] == [5, 3]
