"""Slack views: the core's Form as a modal, its submission back as values, and the App Home.

A modal carries the form's id in `callback_id` and everything else the adapter needs after the
submit (the core's context, the channel and thread it was opened from) in `private_metadata`,
because a `view_submission` payload says nothing about where the modal came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from adapters.slack.blocks import clip, content_blocks, escape
from adapters.slack.setup_form import is_live, zone_select
from bot.chat import Form, FormField, OutgoingMessage

FORM_CALLBACK_PREFIX = "kata_form:"
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TITLE = 24
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_METADATA = 3000
MAX_INPUT_LENGTH = 3000
MAX_HINT = 2000
MAX_CHECKBOXES = 10


@dataclass(frozen=True)
class FormOrigin:
    """Where a modal was opened from, so replies after the submit land in the right place."""

    form_id: str
    context: str
    channel_id: str | None = None
    thread_ts: str | None = None


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def _multiple(field: FormField) -> dict[str, Any]:
    """Several choices: checkboxes while they fit (ten), else a multi-select."""
    options = [_option(c.value, c.label) for c in field.choices[:MAX_OPTIONS]]
    few = len(options) <= MAX_CHECKBOXES
    element: dict[str, Any] = {
        "type": "checkboxes" if few else "multi_static_select",
        "action_id": field.key,
        "options": options,
    }
    chosen = set((field.initial or "").split(","))
    initial = [o for o in options if o["value"] in chosen]
    if initial:
        element["initial_options"] = initial
    return element


def _element(field: FormField) -> dict[str, Any]:
    if field.kind == "time":
        element: dict[str, Any] = {"type": "timepicker", "action_id": field.key}
        if field.initial:
            element["initial_time"] = field.initial
        return element
    if field.kind == "zone":
        return zone_select(field.key, field.initial)
    if field.kind == "choice" and field.multiple and field.choices:
        element = _multiple(field)
    elif field.kind == "choice" and field.choices:  # Slack refuses a select without options
        element = {
            "type": "static_select",
            "action_id": field.key,
            "options": [_option(c.value, c.label) for c in field.choices[:MAX_OPTIONS]],
        }
        initial = next((c for c in field.choices if c.value == field.initial), None)
        if initial is not None:
            element["initial_option"] = _option(initial.value, initial.label)
    else:
        element = {
            "type": "plain_text_input",
            "action_id": field.key,
            "multiline": field.kind == "paragraph",
        }
        if field.initial:
            element["initial_value"] = field.initial
        element["max_length"] = min(field.max_length or MAX_INPUT_LENGTH, MAX_INPUT_LENGTH)
    if field.placeholder and element["type"] != "checkboxes":
        element["placeholder"] = _plain(field.placeholder, MAX_PLACEHOLDER)
    return element


def _input(field: FormField, form_id: str) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.key,
        "label": _plain(field.label, MAX_LABEL),
        "optional": not field.required,
        "element": _element(field),
    }
    if field.hint:
        block["hint"] = _plain(field.hint, MAX_HINT)
    if is_live(form_id, field.key):
        block["dispatch_action"] = True
    return block


def render_form(form: Form, origin: FormOrigin) -> dict[str, Any]:
    """A `views.open` modal for `form`; `origin` rides along in `private_metadata`."""
    metadata = json.dumps(
        {"c": origin.context, "ch": origin.channel_id, "th": origin.thread_ts},
        separators=(",", ":"),
    )
    if len(metadata) > MAX_METADATA:
        raise ValueError("form context too long for a Slack modal")
    blocks = [_input(field, form.form_id) for field in form.fields[:MAX_VIEW_BLOCKS]]
    return {
        "type": "modal",
        "callback_id": f"{FORM_CALLBACK_PREFIX}{form.form_id}",
        "private_metadata": metadata,
        "title": _plain(form.title, MAX_VIEW_TITLE),
        "submit": _plain(form.submit_label, MAX_VIEW_TITLE),
        "close": _plain("Cancel", MAX_VIEW_TITLE),
        "blocks": blocks,
    }


def form_origin(view: dict[str, Any]) -> FormOrigin:
    """Read back what `render_form` stored in a submitted view."""
    callback_id = str(view.get("callback_id", ""))
    form_id = callback_id.removeprefix(FORM_CALLBACK_PREFIX)
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    return FormOrigin(
        form_id=form_id,
        context=str(meta.get("c") or ""),
        channel_id=meta.get("ch"),
        thread_ts=meta.get("th"),
    )


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """Flatten `view.state.values` into {field key: value}; empty inputs are left out."""
    values: dict[str, str] = {}
    state = (view.get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        for action in (actions or {}).values():
            kind = action.get("type")
            if kind == "static_select":
                selected = action.get("selected_option") or {}
                value = selected.get("value")
            elif kind == "timepicker":
                value = action.get("selected_time")
            elif kind in ("checkboxes", "multi_static_select"):
                picked = action.get("selected_options") or []
                value = ",".join(str(o.get("value")) for o in picked if o.get("value"))
            else:
                value = action.get("value")
            if value not in (None, ""):
                values[block_id] = str(value)
    return values


def render_home(message: OutgoingMessage) -> dict[str, Any]:
    """The App Home tab: the core's home message; only the buttons of a section (a
    channel's controls, which name their channel) come along, the message's own need one."""
    blocks = content_blocks(message)
    if message.footer:
        text = clip(escape(message.footer), 3000)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    if len(blocks) > MAX_VIEW_BLOCKS:
        more = {"type": "mrkdwn", "text": "More in `/kata stats` and `/kata leaderboard`."}
        blocks = blocks[: MAX_VIEW_BLOCKS - 1] + [{"type": "context", "elements": [more]}]
    if not blocks:
        note = "Nothing here yet: join a channel that practises with `/kata`."
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": note}}]
    return {"type": "home", "blocks": blocks}


def inline_errors(view: dict[str, Any], form_errors: dict[str, str]) -> dict[str, str]:
    """The core's field errors keyed by the modal's block ids, for `response_action: errors`.

    Slack refuses errors for blocks the view does not have, so an error about the form as a
    whole goes on its first input.
    """
    block_ids = [b.get("block_id") for b in view.get("blocks") or [] if b.get("block_id")]
    errors: dict[str, str] = {}
    for key, message in form_errors.items():
        target = key if key in block_ids else (block_ids[0] if block_ids else key)
        joined = f"{errors[target]} {message}" if target in errors else message
        errors[target] = clip(joined, 150)
    return errors
