"""The fake Discord really rejects what Discord would: the checks the other tests rely on."""

from __future__ import annotations

from tests.discord.discord_spec import check_request
from tests.discord.fake_rest import message_problems, modal_problems


def test_bodies_are_checked_against_discords_schema() -> None:
    ok = {"content": "hi", "allowed_mentions": {"parse": []}}
    assert check_request("POST", "/channels/1/messages", ok) == []
    too_long_title = {"embeds": [{"title": "x" * 257}]}
    assert check_request("POST", "/channels/1/messages", too_long_title)
    assert check_request("POST", "/interactions/1/t/callback", {"type": 4, "data": {"flags": "x"}})
    assert check_request("GET", "/no/such/route", None)


LABEL = {
    "type": 18,
    "label": "Whose answers?",
    "component": {"type": 3, "custom_id": "who", "options": [{"label": "Bo", "value": "1"}]},
}


def modal(*components: dict[str, object]) -> dict[str, object]:
    data = {"custom_id": "m", "title": "Feedback", "components": list(components)}
    return {"type": 9, "data": data}


def test_a_modal_with_a_select_in_a_label_matches_discords_schema() -> None:
    assert check_request("POST", "/interactions/1/t/callback", modal(LABEL)) == []


def test_a_modal_takes_five_inputs_and_not_six() -> None:
    assert modal_problems(modal(*[LABEL] * 5)) == []
    assert modal_problems(modal(*[LABEL] * 6))


def test_messages_must_not_ping_and_must_fit() -> None:
    assert message_problems({"content": "hi"})  # no allowed_mentions: could ping
    assert message_problems({"content": "x" * 2001, "allowed_mentions": {"parse": []}})
    assert message_problems({"content": "hi", "allowed_mentions": {"parse": ["everyone"]}})
    assert message_problems({"content": "hi", "allowed_mentions": {"parse": []}}) == []
