"""Discord's OpenAPI description as a validator for what the bot sends to the fake.

The spec is large, so it is loaded once per test session. A request body is checked against
the `requestBody` schema of the matching path and method, with `$ref`s resolved inside the
document, so a payload Discord would reject fails the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from tests.support.specs import spec_json


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    pattern: re.Pattern[str]
    schema: dict[str, Any] | None


def _spec() -> dict[str, Any]:
    return spec_json("discord-openapi.json")


@lru_cache(maxsize=1)
def _operations() -> tuple[Operation, ...]:
    spec = _spec()
    out: list[Operation] = []
    for template, item in spec["paths"].items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            content = op.get("requestBody", {}).get("content", {})
            body = content.get("application/json")
            out.append(
                Operation(template, method.upper(), re.compile(regex), body and body["schema"])
            )
    # literal segments beat placeholders: /users/@me before /users/{user_id}
    out.sort(key=lambda o: o.template.count("{"))
    return tuple(out)


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation for `method path` (path without the /api/v10 prefix)."""
    for op in _operations():
        if op.method == method and op.pattern.match(path):
            return op
    return None


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    """The spec's components, with one fix: Discord takes a snowflake in a request body as a
    JSON number as well as a string (discord.py sends numbers, e.g. `recipient_id`); the
    preview spec lists only the string form."""
    components = dict(_spec()["components"])
    schemas = dict(components["schemas"])
    schemas["SnowflakeType"] = {
        "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
    }
    components["schemas"] = schemas
    return components


@lru_cache(maxsize=256)
def _validator(template: str, method: str) -> Draft202012Validator | None:
    op = next(o for o in _operations() if o.template == template and o.method == method)
    if op.schema is None:
        return None
    schema = {**op.schema, "components": _components()}
    return Draft202012Validator(schema)


def check_request(method: str, path: str, body: Any) -> list[str]:
    """Problems Discord would have with this request: unknown route or invalid body."""
    op = find_operation(method, path)
    if op is None:
        return [f"{method} {path}: no such route in Discord's API"]
    validator = _validator(op.template, op.method)
    if validator is None or body is None:
        return []
    return [
        f"{method} {op.template}: {'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
        for e in validator.iter_errors(body)
    ]
