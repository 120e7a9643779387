"""The set-up form's time zone on Slack: one searchable select of every city zone.

Slack's static select filters its options as the member types, and takes up to 100 option
groups of up to 100 options each, so the ~490 city zones fit as groups by area (America is
cut in two), with no options endpoint to serve: the modal opens within the trigger's 3 s.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.chat import SCHEDULE_FORM_ID
from bot.timezones import city_zones

GROUP_SIZE = 100
MAX_GROUP_LABEL = 75


def _option(zone: str) -> dict[str, Any]:
    shown = zone.replace("_", " ")
    return {"text": {"type": "plain_text", "text": shown[:75], "emoji": True}, "value": zone}


@cache
def zone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(label, zones) per area, UTC first, each at most `GROUP_SIZE` zones."""
    areas: dict[str, list[str]] = {}
    for zone in city_zones():
        areas.setdefault(zone.split("/", 1)[0], []).append(zone)
    groups: list[tuple[str, tuple[str, ...]]] = [("UTC", ("UTC",))]
    for area, zones in sorted(areas.items()):
        chunks = [zones[i : i + GROUP_SIZE] for i in range(0, len(zones), GROUP_SIZE)]
        for number, chunk in enumerate(chunks, 1):
            label = area if len(chunks) == 1 else f"{area} ({number} of {len(chunks)})"
            groups.append((label[:MAX_GROUP_LABEL], tuple(chunk)))
    return tuple(groups)


def zone_select(action_id: str, initial: str | None) -> dict[str, Any]:
    """A `static_select` of zones grouped by area, starting at `initial` when it is one."""
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": {"type": "plain_text", "text": "Type a city", "emoji": True},
        "option_groups": [
            {
                "label": {"type": "plain_text", "text": label, "emoji": True},
                "options": [_option(z) for z in zones],
            }
            for label, zones in zone_groups()
        ],
    }
    if initial and any(initial in zones for _, zones in zone_groups()):
        element["initial_option"] = _option(initial)
    return element


LIVE_FIELDS = ("tags", "difficulty")
"""Inputs that send `block_actions` as they change (`dispatch_action`), so the form can say
how many prompts the filters picked so far leave."""


def is_live(form_id: str, key: str) -> bool:
    return form_id == SCHEDULE_FORM_ID and key in LIVE_FIELDS


def with_hint(view: dict[str, Any], hint: str) -> dict[str, Any]:
    """The open modal again (for `views.update`) with `hint` under both filters; Slack keeps
    what the member has entered, since the blocks keep their ids."""
    blocks = []
    for block in view.get("blocks") or []:
        block = dict(block)
        if block.get("block_id") in LIVE_FIELDS:
            block["hint"] = {"type": "plain_text", "text": hint[:2000], "emoji": True}
        blocks.append(block)
    kept = ("type", "callback_id", "private_metadata", "title", "submit", "close")
    return {**{k: view[k] for k in kept if k in view}, "blocks": blocks}
