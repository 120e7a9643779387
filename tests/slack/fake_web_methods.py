"""What each Slack Web API method does in the fake: Slack's checks, answers and error codes.

State lives on `FakeSlackWebAPI`; this mixin holds one handler per method, named after it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.slack.blockkit import check_blocks, check_view
from tests.support.fake_server import AnswerWindows, Recorder


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    user: str | None = None
    edited: bool = False
    deleted: bool = False
    metadata: dict[str, Any] | None = None

    def as_slack(self, with_metadata: bool) -> dict[str, Any]:
        """The message as conversations.history and conversations.replies return it."""
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.user:
            out["user"] = self.user
        else:
            out["bot_id"] = "BKATA"
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


class SlackMethods:
    team_id: str
    bot_user_id: str
    bot_id: str
    url: str
    recorder: Recorder[Any]
    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, bool]]
    messages: list[Posted]
    ephemerals: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    opened_views: list[dict[str, Any]]
    updated_views: list[dict[str, Any]]
    home_views: dict[str, dict[str, Any]]
    reactions: list[tuple[str, str, str]]
    uploads: dict[str, bytes]
    upload_requests: dict[str, dict[str, Any]]
    shared_files: list[dict[str, Any]]
    socket_url: str | None
    _triggers: AnswerWindows
    _clock: itertools.count[int]

    def next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._clock)}.{next(self._clock):06d}"

    def _check_channel(self, channel: str) -> str | None:
        if channel.startswith("D"):
            return None
        state = self.channels.get(channel)
        if state is None:
            return "channel_not_found"
        if state["archived"]:
            return "is_archived"
        if not state["member"]:
            return "not_in_channel"
        return None

    def _check_blocks(self, method: str, params: dict[str, Any]) -> None:
        if "blocks" in params:
            self.recorder.note(*[f"{method}: {p}" for p in check_blocks(params["blocks"])])
        if not params.get("text") and not params.get("blocks"):
            self.recorder.note(f"{method}: neither text nor blocks")

    # ------------------------------------------------------------------ methods

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://kata.example.slack.com/",
            "team": "Kata",
            "user": "design_kata",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.socket_url}

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_blocks("chat.postMessage", params)
        channel = params["channel"]
        error = self._check_channel(channel)
        if error:
            return {"ok": False, "error": error}
        thread_ts = params.get("thread_ts")
        if thread_ts and not any(m.channel == channel and m.ts == thread_ts for m in self.messages):
            self.recorder.note(f"chat.postMessage: thread_ts {thread_ts} is not a message")
        posted = Posted(channel, self.next_ts(), params.get("text", ""), params.get("blocks", []))
        posted.thread_ts = thread_ts
        metadata = params.get("metadata")
        if metadata is not None:
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            if not metadata.get("event_type") or not isinstance(
                metadata.get("event_payload"), dict
            ):
                self.recorder.note("chat.postMessage: metadata needs event_type and event_payload")
            posted.metadata = metadata
        self.messages.append(posted)
        return {"ok": True, "channel": channel, "ts": posted.ts, "message": {"ts": posted.ts}}

    def _page(self, found: list[Posted], params: dict[str, Any]) -> dict[str, Any]:
        """One page of messages, newest first for history as Slack gives them, with a cursor."""
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        chunk = found[start : start + limit]
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("true", "1")
        body: dict[str, Any] = {
            "ok": True,
            "messages": [m.as_slack(with_metadata) for m in chunk],
            "has_more": start + limit < len(found),
        }
        if start + limit < len(found):
            body["response_metadata"] = {"next_cursor": str(start + limit)}
        return body

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params["channel"]
        error = self._check_channel(channel)
        if error:
            return {"ok": False, "error": error}
        top = [m for m in self.messages if m.channel == channel and m.thread_ts in (None, m.ts)]
        return self._page(list(reversed(top)), params)

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self._check_blocks("chat.postEphemeral", params)
        error = self._check_channel(params["channel"])
        if error:
            return {"ok": False, "error": error}
        if params["user"] not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        self.ephemerals.append(params)
        return {"ok": True, "message_ts": self.next_ts()}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("users", ""))
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": "D" + user}}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread's parent and replies, oldest first, after `oldest` when given; `limit`
        per page, `has_more` when the page was cut (Slack also pages by cursor)."""
        error = self._check_channel(params["channel"])
        if error:
            return {"ok": False, "error": error}
        channel, ts = params["channel"], params["ts"]
        if not any(m.channel == channel and m.ts == ts for m in self.messages):
            return {"ok": False, "error": "thread_not_found"}
        in_thread = [
            m
            for m in self.messages
            if m.channel == channel and (m.ts == ts or m.thread_ts == ts) and not m.deleted
        ]
        in_thread.sort(key=lambda m: float(m.ts))
        if params.get("oldest"):
            inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
            oldest = float(params["oldest"])
            parent = [m for m in in_thread if m.ts == ts]
            later = [
                m
                for m in in_thread
                if m.ts != ts and (float(m.ts) > oldest or (inclusive and float(m.ts) == oldest))
            ]
            in_thread = parent + later
        limit = int(params.get("limit") or 1000)
        start = int(params.get("cursor") or 0)
        page = in_thread[start : start + limit]
        more = len(in_thread) > start + limit
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("true", "1")
        return {
            "ok": True,
            "messages": [self._as_history(m, ts, with_metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _as_history(
        self, message: Posted, thread_ts: str, with_metadata: bool = False
    ) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "type": "message",
            "ts": message.ts,
            "thread_ts": thread_ts,
            "text": message.text,
        }
        if message.user is None:
            shown.update(user=self.bot_user_id, bot_id=self.bot_id)
        else:
            shown["user"] = message.user
        if message.edited:
            shown["edited"] = {"user": message.user, "ts": self.next_ts()}
        if with_metadata and message.metadata:
            shown["metadata"] = message.metadata
        return shown

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (params["channel"], params["timestamp"], params["name"])
        if not any(m.channel == key[0] and m.ts == key[1] for m in self.messages):
            return {"ok": False, "error": "message_not_found"}
        if key in self.reactions:
            return {"ok": False, "error": "already_reacted"}
        self.reactions.append(key)
        return {"ok": True}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(params.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        self.recorder.note(*[f"views.open: {p}" for p in check_view(params["view"], "modal")])
        window = self._triggers.state(params["trigger_id"], use=True)
        if window != "open":
            error = "invalid_trigger_id" if window == "unknown" else "expired_trigger_id"
            return {"ok": False, "error": error}
        view = {
            **params["view"],
            "id": f"V{next(self._clock)}",
            "team_id": self.team_id,
            "hash": f"{next(self._clock)}.hash",
        }
        self.opened_views.append(view)
        return {"ok": True, "view": view}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """Replace an open modal by its id; a stale `hash` is refused as Slack does, so an
        update never overwrites a newer one."""
        self.recorder.note(*[f"views.update: {p}" for p in check_view(params["view"], "modal")])
        if not params.get("view_id") and not params.get("external_id"):
            self.recorder.note("views.update: neither view_id nor external_id")
        index = next(
            (i for i, v in enumerate(self.opened_views) if v["id"] == params.get("view_id")), None
        )
        if index is None:
            return {"ok": False, "error": "not_found"}
        current = self.opened_views[index]
        if params.get("hash") and params["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        view = {**params["view"], "id": current["id"], "team_id": self.team_id}
        view["hash"] = f"{next(self._clock)}.hash"
        self.opened_views[index] = view
        self.updated_views.append(view)
        return {"ok": True, "view": view}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        self.recorder.note(*[f"views.publish: {p}" for p in check_view(params["view"], "home")])
        self.home_views[params["user_id"]] = params["view"]
        return {"ok": True, "view": {**params["view"], "id": f"V{next(self._clock)}"}}

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._clock)}"
        self.upload_requests[file_id] = params
        if len(str(params.get("alt_txt", ""))) > 1000:
            self.recorder.note("files.getUploadURLExternal: alt_txt over 1,000 characters")
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        thread_ts = params.get("thread_ts")
        channel = params.get("channel_id")
        if thread_ts and not any(m.channel == channel and m.ts == thread_ts for m in self.messages):
            self.recorder.note(f"files.completeUploadExternal: thread_ts {thread_ts} is no message")
        for item in params["files"]:
            if item["id"] not in self.uploads:
                self.recorder.note(f"files.completeUploadExternal: {item['id']} not uploaded")
            asked = self.upload_requests.get(item["id"], {})
            shared = {**item, "channel": channel, "thread_ts": thread_ts}
            shared.update({k: asked[k] for k in ("filename", "alt_txt") if k in asked})
            self.shared_files.append(shared)
        return {"ok": True, "files": params["files"]}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        content = await request.read()
        declared = self.upload_requests.get(file_id, {}).get("length")
        if declared is None:
            self.recorder.note(f"upload to {file_id}: no files.getUploadURLExternal asked for it")
        elif int(declared) != len(content):
            self.recorder.note(f"upload to {file_id}: {len(content)} bytes, declared {declared}")
        self.uploads[file_id] = content
        return web.Response(text="OK - uploaded")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "blocks" in body:
            self.recorder.note(*[f"response_url: {p}" for p in check_blocks(body["blocks"])])
        self.responses.append(body)
        return web.Response(text="ok")
