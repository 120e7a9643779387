"""Block Kit limits Slack enforces (it answers `invalid_blocks` when one is broken).

A focused checker, not a full schema: the limits a bot that renders user text can trip over.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100


def _text(obj: Any, where: str, limit: int, kinds: tuple[str, ...]) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"{where}: expected a text object of type {kinds}, got {obj!r:.80}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}: text is empty"]
    if len(text) > limit:
        return [f"{where}: {len(text)} characters > {limit}"]
    return []


def _options(options: list[Any], where: str) -> list[str]:
    problems: list[str] = []
    for i, option in enumerate(options):
        problems += _text(option.get("text"), f"{where}.options[{i}]", 75, ("plain_text",))
        if not 0 < len(option.get("value", "")) <= 150:
            problems.append(f"{where}.options[{i}]: bad value")
    values = [o.get("value") for o in options]
    if len(values) != len(set(values)):
        problems.append(f"{where}: two options share a value")
    return problems


def _select_options(element: dict[str, Any], where: str, problems: list[str]) -> list[Any]:
    """A select's options, from `options` (1 to 100) or `option_groups` (1 to 100 groups of
    1 to 100 options, labels up to 75 characters), never both."""
    if ("options" in element) == ("option_groups" in element):
        problems.append(f"{where}: a select needs options or option_groups, not both")
    if "option_groups" in element:
        groups = element["option_groups"] or []
        if not 1 <= len(groups) <= 100:
            problems.append(f"{where}: {len(groups)} option groups")
        options: list[Any] = []
        for g, group in enumerate(groups):
            problems += _text(
                group.get("label"), f"{where}.option_groups[{g}].label", 75, ("plain_text",)
            )
            inner = group.get("options") or []
            if not 1 <= len(inner) <= 100:
                problems.append(f"{where}.option_groups[{g}]: {len(inner)} options")
            options += inner
        problems += _options(options, where)
        return options
    options = element.get("options") or []
    if not 1 <= len(options) <= 100:
        problems.append(f"{where}: {len(options)} options")
    problems += _options(options, where)
    return options


def _initial_options(element: dict[str, Any], options: list[Any], where: str) -> list[str]:
    initial = element.get("initial_options")
    if initial is None:
        return []
    if not initial or any(o not in options for o in initial):
        return [f"{where}: initial_options must be some of the options"]
    return []


def _element(element: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    kind = element.get("type")
    action_id = element.get("action_id", "")
    if len(action_id) > 255:
        problems.append(f"{where}: action_id too long")
    if kind == "button":
        problems += _text(element.get("text"), f"{where}.text", 75, ("plain_text",))
        if len(element.get("value", "")) > 2000:
            problems.append(f"{where}: button value > 2000")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}: bad style")
    elif kind in ("static_select", "multi_static_select"):
        options = _select_options(element, where, problems)
        if "initial_option" in element and element["initial_option"] not in options:
            problems.append(f"{where}: initial_option is not one of the options")
        if kind == "static_select" and "initial_options" in element:
            problems.append(f"{where}: a static_select takes initial_option, not initial_options")
        problems += _initial_options(element, options, where)
    elif kind == "checkboxes":
        options = element.get("options") or []
        if not 1 <= len(options) <= 10:
            problems.append(f"{where}: {len(options)} checkboxes (1 to 10)")
        problems += _options(options, where)
        problems += _initial_options(element, options, where)
        if "placeholder" in element:
            problems.append(f"{where}: checkboxes take no placeholder")
    elif kind == "timepicker":
        initial = element.get("initial_time")
        if initial is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(initial)):
            problems.append(f"{where}: initial_time {initial!r} is not HH:mm")
    elif kind == "plain_text_input":
        if not 0 < element.get("max_length", 3000) <= 3000:
            problems.append(f"{where}: max_length out of range")
    else:
        problems.append(f"{where}: unexpected element type {kind}")
    if "placeholder" in element:
        problems += _text(element["placeholder"], f"{where}.placeholder", 150, ("plain_text",))
    return problems


def check_blocks(blocks: Any, limit: int = MESSAGE_BLOCKS) -> list[str]:
    """Problems Slack would reject `blocks` for; an empty list when they are fine."""
    if not isinstance(blocks, list):
        return [f"blocks must be a list, got {type(blocks).__name__}"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"{len(blocks)} blocks > {limit}")
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        problems.append("duplicate block_id")
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        kind = block.get("type")
        if kind == "header":
            problems += _text(block.get("text"), where, 150, ("plain_text",))
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: section without text or fields")
            if "text" in block:
                problems += _text(block["text"], where, 3000, ("mrkdwn", "plain_text"))
            fields = block.get("fields", [])
            if len(fields) > 10:
                problems.append(f"{where}: {len(fields)} fields > 10")
            for j, field in enumerate(fields):
                problems += _text(field, f"{where}.fields[{j}]", 2000, ("mrkdwn", "plain_text"))
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                problems.append(f"{where}: {len(elements)} elements")
            ids = [e.get("action_id") for e in elements]
            if len(ids) != len(set(ids)):
                problems.append(f"{where}: duplicate action_id")
            for j, element in enumerate(elements):
                problems += _element(element, f"{where}.elements[{j}]")
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                problems.append(f"{where}: {len(elements)} context elements")
            for j, element in enumerate(elements):
                problems += _text(element, f"{where}.elements[{j}]", 3000, ("mrkdwn", "plain_text"))
        elif kind == "input":
            problems += _text(block.get("label"), f"{where}.label", 2000, ("plain_text",))
            problems += _element(block.get("element") or {}, f"{where}.element")
            if "hint" in block:
                problems += _text(block["hint"], f"{where}.hint", 2000, ("plain_text",))
            if block.get("element", {}).get("type") == "button":
                problems.append(f"{where}: a button is not an input element")
        elif kind != "divider":
            problems.append(f"{where}: unexpected block type {kind}")
    return problems


def check_view(view: Any, kind: str) -> list[str]:
    """Problems with a modal or Home tab view."""
    if not isinstance(view, dict) or view.get("type") != kind:
        return [f"view must be a {kind} object"]
    problems = check_blocks(view.get("blocks"), VIEW_BLOCKS)
    if kind == "modal":
        problems += _text(view.get("title"), "title", 24, ("plain_text",))
        for key in ("submit", "close"):
            if key in view:
                problems += _text(view[key], key, 24, ("plain_text",))
        if len(view.get("private_metadata", "")) > 3000:
            problems.append("private_metadata > 3000")
        if len(view.get("callback_id", "")) > 255:
            problems.append("callback_id > 255")
        has_input = any(b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and "submit" not in view:
            problems.append("a modal with inputs needs a submit button")
    return problems
