"""The fake Discord REST API: records every call and checks it as Discord would.

Always checked: the documented limits the preview spec is looser about (2,000 characters of
content for bots, 6,000 per embed) and our own rule that every message pings no one. Where
the specs are at hand (tests/support/specs.py), each request body is also validated with the
OpenAPI `requestBody` schema of its route. Problems are collected in `problems`, answered
with a 400 like Discord's, and fail the test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.discord import payloads as p
from tests.discord.discord_spec import check_request
from tests.support.fake_server import Recorder, ScriptedFailures
from tests.support.specs import have_specs

if TYPE_CHECKING:
    from tests.discord.fake_discord import FakeDiscord

PREFIX = "/api/v10"
EPHEMERAL = 1 << 6


@dataclass
class Call:
    method: str
    path: str
    body: Any
    query: dict[str, str]
    files: list[str] = field(default_factory=list)
    status: int = 200
    uploads: dict[str, bytes] = field(default_factory=dict)
    """Each multipart file's bytes by filename."""


def message_problems(body: dict[str, Any]) -> list[str]:
    """Documented limits and the no-ping rule for anything that creates a message."""
    out: list[str] = []
    content = body.get("content") or ""
    if len(content) > 2000:
        out.append(f"content is {len(content)} characters (bots may send 2,000)")
    for embed in body.get("embeds") or []:
        size = len(embed.get("title") or "") + len(embed.get("description") or "")
        size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields") or [])
        size += len((embed.get("footer") or {}).get("text") or "")
        if size > 6000:
            out.append(f"embed holds {size} characters (6,000 at most)")
    if content or body.get("embeds"):
        mentions = body.get("allowed_mentions")
        if not mentions or mentions.get("parse") != [] or mentions.get("users"):
            out.append(f"message may ping someone: allowed_mentions={mentions!r}")
    return out


def attachment_problems(body: dict[str, Any], files: list[str]) -> list[str]:
    """An embed can show an attached image (`attachment://name`) only if that file came with
    the message, declared in `attachments` with a description (its alt text) at most 1,024
    characters long."""
    out: list[str] = []
    declared = {a.get("filename"): a for a in body.get("attachments") or []}
    for embed in body.get("embeds") or []:
        url = (embed.get("image") or {}).get("url") or ""
        if url.startswith("attachment://") and url.removeprefix("attachment://") not in files:
            out.append(f"embed image {url} names no attached file (sent {files})")
    for name in files:
        if name not in declared:
            out.append(f"file {name} is not declared in attachments")
        elif len(declared[name].get("description") or "") > 1024:
            out.append(f"file {name}: description over 1,024 characters")
    return out


def modal_problems(body: dict[str, Any]) -> list[str]:
    """Discord's documentation allows five top-level components in a modal; the preview
    spec says 40. The documentation wins."""
    data = body.get("data") or {}
    components = data.get("components") or []
    out: list[str] = []
    if len(components) > 5:
        out.append(f"modal has {len(components)} top-level components (5 at most)")
    if not 1 <= len(data.get("title") or "") <= 45:
        out.append("modal title must be 1 to 45 characters")
    for number, top in enumerate(components):
        out += [f"modal component {number}: {p}" for p in _modal_component_problems(top)]
    return out


def _modal_component_problems(top: dict[str, Any]) -> list[str]:
    """A label (type 18) around one select or text input, within Discord's documented sizes:
    label 45, description 100, 1 to 25 options, min/max values and defaults that fit."""
    if top.get("type") != 18:
        return [] if top.get("type") in (1, 10) else [f"type {top.get('type')} in a modal"]
    out: list[str] = []
    if not 1 <= len(top.get("label") or "") <= 45:
        out.append("label must be 1 to 45 characters")
    if len(top.get("description") or "") > 100:
        out.append("description over 100 characters")
    inner = top.get("component") or {}
    if len(inner.get("custom_id") or "") > 100:
        out.append("custom_id over 100 characters")
    if inner.get("type") == 3:
        options = inner.get("options") or []
        low, high = inner.get("min_values", 1), inner.get("max_values", 1)
        if not 1 <= len(options) <= 25:
            out.append(f"{len(options)} select options (1 to 25)")
        if not 0 <= low <= high <= max(len(options), 1):
            out.append(f"min_values {low} / max_values {high} do not fit {len(options)} options")
        if sum(1 for o in options if o.get("default")) > high:
            out.append("more default options than max_values")
        for option in options:
            if not 1 <= len(option.get("label") or "") <= 100 or len(option.get("value", "")) > 100:
                out.append("a select option's label or value is out of range")
    elif inner.get("type") == 4:
        value, most = inner.get("value") or "", inner.get("max_length", 4000)
        if len(value) > most:
            out.append(f"text input value of {len(value)} over its max_length {most}")
    return out


class FakeRest:
    def __init__(self, discord: FakeDiscord) -> None:
        self.d = discord
        self.recorder: Recorder[Call] = Recorder()
        self.failures: ScriptedFailures[Call] = ScriptedFailures()
        self.after_accept: list[tuple[str, re.Pattern[str], int, list[int]]] = []

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with an error, as Discord would."""
        pattern = re.compile(path)

        def matches(call: Call) -> bool:
            return call.method == method and bool(pattern.search(call.path))

        def respond() -> web.Response:
            return p.json_response(body, status=status, headers=headers or {})

        self.failures.add(matches, respond, times)

    def accept_then_fail(self, method: str, path: str, status: int = 500, times: int = 1) -> None:
        """Carry out the next `times` matching requests, then answer `status` anyway: Discord
        made the message but the bot cannot know (as with a timeout)."""
        self.after_accept.append((method, re.compile(path), status, [times]))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix(PREFIX)
        body, files, uploads = await self._body(request)
        call = Call(request.method, path, body, dict(request.query), files, uploads=uploads)
        if have_specs():
            self.recorder.note(*check_request(request.method, path, body))
        if request.method == "POST" and isinstance(body, dict) and _creates_message(path, body):
            self.recorder.note(*message_problems(_message_part(path, body)))
            if files:
                self.recorder.note(*attachment_problems(_message_part(path, body), files))
        if path.endswith("/callback") and isinstance(body, dict) and body.get("type") == 9:
            self.recorder.note(*modal_problems(body))
        response = self.failures.answer(call) or await self._route(call)
        for method, pattern, status, left in self.after_accept:
            if call.method == method and pattern.search(call.path) and left[0] > 0:
                left[0] -= 1
                if response.status < 300:
                    response = p.json_response(
                        {"message": "500: Internal Server Error", "code": 0}, status=status
                    )
        call.status = response.status
        await self.recorder.record(call)
        return response

    async def _body(self, request: web.Request) -> tuple[Any, list[str], dict[str, bytes]]:
        if request.content_type == "multipart/form-data":
            body: Any = None
            files: list[str] = []
            uploads: dict[str, bytes] = {}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files.append(part.filename or "")
                    uploads[part.filename or ""] = bytes(await part.read())
            return body, files, uploads
        raw = await request.read()
        return (json.loads(raw) if raw else None), [], {}

    async def _route(self, call: Call) -> web.Response:
        d, m, path = self.d, call.method, call.path
        parts = path.strip("/").split("/")
        if m == "GET" and path == "/users/@me":
            return p.json_response(d.bot_user)
        if m == "GET" and path == "/oauth2/applications/@me":
            return p.json_response(d.application())
        if m == "PUT" and re.fullmatch(r"/applications/\d+/guilds/\d+/commands", path):
            d.synced.append(parts[3])
            created = [
                {**c, "id": p.snowflake(), "application_id": d.app_id, "version": "1"}
                for c in call.body
            ]
            d.command_ids.update({c["name"]: c["id"] for c in created})
            return p.json_response(created)
        if m == "POST" and re.fullmatch(r"/channels/\d+/messages", path):
            return d.create_message(parts[1], call.body or {}, call.files)
        if m == "POST" and re.fullmatch(r"/channels/\d+/messages/\d+/threads", path):
            return await d.create_thread(parts[1], parts[3], call.body)
        if m == "PUT" and "/reactions/" in path:
            d.reactions.append((parts[1], parts[3]))
            return web.Response(status=204)
        if m == "GET" and re.fullmatch(r"/channels/\d+/messages", path):
            limit = int(call.query.get("limit", "50"))
            if not 1 <= limit <= 100:
                self.recorder.note(f"GET {path}: limit {limit} is outside 1-100")
            return d.history(parts[1], call.query.get("after", "0"), limit)
        if m == "GET" and re.fullmatch(r"/channels/\d+", path):
            channel = d.channels.get(parts[1])
            return p.json_response(channel) if channel else _unknown_channel()
        if m == "POST" and path == "/users/@me/channels":
            return p.json_response(d.dm_channel(call.body["recipient_id"]))
        if m == "GET" and re.fullmatch(r"/users/\d+", path):
            return p.json_response(d.users[parts[1]])
        if m == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            return d.interaction_callback(parts[1], parts[2], call.body, call.files)
        if m == "POST" and re.fullmatch(r"/webhooks/\d+/[^/]+", path):
            return d.followup(parts[2], call.body or {}, call.files)
        if m == "PATCH" and re.fullmatch(r"/webhooks/\d+/[^/]+/messages/@original", path):
            return d.edit_original(parts[2], call.body or {})
        self.recorder.note(f"the fake does not serve {m} {path}")
        return p.json_response({"message": "404: Not Found", "code": 0}, status=404)


def _creates_message(path: str, body: dict[str, Any]) -> bool:
    if re.fullmatch(r"/channels/\d+/messages", path) or re.fullmatch(r"/webhooks/\d+/[^/]+", path):
        return True
    return path.endswith("/callback") and body.get("type") in (4, 7)


def _message_part(path: str, body: dict[str, Any]) -> dict[str, Any]:
    return body.get("data") or {} if path.endswith("/callback") else body


def _unknown_channel() -> web.Response:
    return p.json_response({"message": "Unknown Channel", "code": 10003}, status=404)
