"""Slack's published API descriptions (../shared/specs), loaded once per test session.

The fake Web API checks each call's method and parameter names against the OpenAPI file, and
the payloads the tests send in are checked against the Events API schemas, so neither side of
a test can drift from what Slack really speaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema

from tests.support.specs import spec_json


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: frozenset[str]
    required: frozenset[str]
    scopes: frozenset[str]
    """Bot scopes that grant the method (any one of them); empty when none is needed."""


NEWER_METHODS = {
    # Methods newer than the spec snapshot, described from Slack's method reference.
    "apps.connections.open": MethodSpec(
        "apps.connections.open", frozenset(), frozenset(), frozenset({"connections:write"})
    ),
    "files.getUploadURLExternal": MethodSpec(
        "files.getUploadURLExternal",
        frozenset({"filename", "length", "alt_txt", "snippet_type"}),
        frozenset({"filename", "length"}),
        frozenset({"files:write"}),
    ),
    "files.completeUploadExternal": MethodSpec(
        "files.completeUploadExternal",
        frozenset({"files", "channel_id", "channels", "initial_comment", "thread_ts"}),
        frozenset({"files"}),
        frozenset({"files:write"}),
    ),
}
NEWER_PARAMS = {
    # Parameters newer than the spec snapshot, from Slack's method reference: message metadata
    # (`metadata` on chat.postMessage; `include_all_metadata` to read it back).
    "chat.postMessage": frozenset({"metadata"}),
    "conversations.history": frozenset({"include_all_metadata"}),
    "conversations.replies": frozenset({"include_all_metadata"}),
}
APP_LEVEL_SCOPES = frozenset({"connections:write"})
"""Scopes of the app-level token (Socket Mode), not requested in the manifest's bot scopes."""


def _bot_scope(scope: str) -> str | None:
    """The spec lists legacy scopes (`chat:write:bot`); today's bot scope drops the suffix."""
    if scope == "none":
        return None
    for suffix in (":bot", ":user"):
        if scope.endswith(suffix) and scope.count(":") == 2:
            return scope[: -len(suffix)]
    return scope


def web_api() -> dict[str, Any]:
    return spec_json("slack-web-openapi-v2.json")


@cache
def method_spec(method: str) -> MethodSpec | None:
    """Parameter names and scopes of a Web API method, or None if Slack has no such method."""
    if method in NEWER_METHODS:
        return NEWER_METHODS[method]
    path = web_api()["paths"].get(f"/{method}")
    if not path:
        return None
    params: set[str] = set()
    required: set[str] = set()
    scopes: set[str] = set()
    for operation in path.values():
        for param in operation.get("parameters", []):
            if param.get("name") == "token":
                continue
            params.add(param["name"])
            if param.get("required"):
                required.add(param["name"])
        for security in operation.get("security", []):
            scopes.update(s for s in map(_bot_scope, security.get("slackAuth", [])) if s)
    params |= NEWER_PARAMS.get(method, frozenset())
    return MethodSpec(method, frozenset(params), frozenset(required), frozenset(scopes))


def events_api() -> dict[str, Any]:
    return spec_json("slack-events-api-asyncapi-v1.json")


def event_wrapper_schema() -> dict[str, Any]:
    return spec_json("slack-event-wrapper-schema.json")


def _loosen(schema: Any) -> Any:
    """The spec's `message` schema was generated from one deleted-file example, so its
    `required` lists fit that example only; keep its types, drop the requirements."""
    if isinstance(schema, dict):
        return {k: _loosen(v) for k, v in schema.items() if k != "required"}
    if isinstance(schema, list):
        return [_loosen(v) for v in schema]
    return schema


@cache
def message_event_schema() -> dict[str, Any]:
    payload = events_api()["topics"]["message"]["subscribe"]["payload"]
    return _loosen(payload["properties"]["event"])


def event_scopes(subscription: str) -> frozenset[str]:
    """Scopes Slack requires to subscribe to an event (`message.channels` -> channels:history)."""
    topic = events_api()["topics"].get(subscription.replace("_", "."))
    if topic is None:
        return frozenset()
    return frozenset(topic["subscribe"].get("x-scopes-required") or ())


def known_event(subscription: str) -> bool:
    return subscription.replace("_", ".") in events_api()["topics"]


def check_event_callback(body: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError if an Events API payload is not what Slack sends."""
    jsonschema.validate(body, event_wrapper_schema())
    if body["event"]["type"] == "message":
        jsonschema.validate(body["event"], message_event_schema())
