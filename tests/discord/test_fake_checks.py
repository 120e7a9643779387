"""The fake Discord really rejects what Discord would: the checks the other tests rely on."""

from __future__ import annotations

from tests.discord.fake_rest import message_problems, modal_problems
from tests.discord.spec import check_request


def test_bodies_are_checked_against_discords_schema() -> None:
    ok = {"content": "hi", "allowed_mentions": {"parse": []}}
    assert check_request("POST", "/channels/1/messages", ok) == []
    too_long_title = {"embeds": [{"title": "x" * 257}]}
    assert check_request("POST", "/channels/1/messages", too_long_title)
    assert check_request("POST", "/interactions/1/t/callback", {"type": 4, "data": {"flags": "x"}})
    assert check_request("GET", "/no/such/route", None)


def test_modal_with_a_select_in_a_label_is_valid_and_six_inputs_are_not() -> None:
    label = {
        "type": 18,
        "label": "Whose answers?",
        "component": {"type": 3, "custom_id": "who", "options": [{"label": "Bo", "value": "1"}]},
    }
    modal = {"type": 9, "data": {"custom_id": "m", "title": "Feedback", "components": [label]}}
    assert check_request("POST", "/interactions/1/t/callback", modal) == []
    assert modal_problems(modal) == []
    modal["data"]["components"] = [label] * 6
    assert modal_problems(modal)


def test_messages_must_not_ping_and_must_fit() -> None:
    assert message_problems({"content": "hi"})  # no allowed_mentions: could ping
    assert message_problems({"content": "x" * 2001, "allowed_mentions": {"parse": []}})
    assert message_problems({"content": "hi", "allowed_mentions": {"parse": ["everyone"]}})
    assert message_problems({"content": "hi", "allowed_mentions": {"parse": []}}) == []
