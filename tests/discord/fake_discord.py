"""A local Discord for tests: REST (aiohttp) and gateway on 127.0.0.1, one server, one
text channel, a bot and a few members. Tests drive it like Discord would: members post,
edit and delete messages and fire interactions; the fake records what the bot sent."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from tests.discord import payloads as p
from tests.discord.fake_gateway import FakeGateway
from tests.discord.fake_rest import EPHEMERAL, Call, FakeRest
from tests.support.fake_server import AnswerWindows, LocalServer

MESSAGE_CONTENT_LIMITED = 1 << 19


class FakeDiscord:
    def __init__(self, *, message_content: bool = True) -> None:
        self.message_content = message_content
        self.app_id = p.snowflake()
        self.guild_id = p.snowflake()
        self.channel_id = p.snowflake()
        self.admin_role = p.snowflake()
        self.bot_user = p.user(self.app_id, "design-kata", bot=True)
        self.users: dict[str, dict[str, Any]] = {self.app_id: self.bot_user}
        self.members: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {
            self.channel_id: p.text_channel(self.channel_id, self.guild_id, "practice")
        }
        self.messages: dict[str, dict[str, Any]] = {}
        self.member_messages: dict[str, dict[str, Any]] = {}
        """What members wrote (and still show), by message id: the threads' history."""
        self.originals: dict[str, dict[str, Any]] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, dict[str, Any]] = {}
        """The message each interaction's response created, by interaction id."""
        self.reactions: list[tuple[str, str]] = []
        self.synced: list[str] = []
        self.command_ids: dict[str, str] = {}
        self.posts: list[dict[str, Any]] = []
        self.by_nonce: dict[tuple[str, str], dict[str, Any]] = {}
        """Messages by (channel, nonce): with `enforce_nonce`, a repeat returns the first."""
        self.dms: dict[str, str] = {}
        """DM channel id -> the member it reaches."""
        """Messages the bot created with POST /channels/{id}/messages, in order."""
        self._interaction_channels: dict[str, str] = {}
        self._answer_windows = AnswerWindows()
        self.rest = FakeRest(self)
        self.gateway = FakeGateway(self._ready, self._guild)
        self._server = LocalServer()
        self.api_url = self.gateway_url = ""

    # ------------------------------------------------------------------ server

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        await self._server.serve(app)
        self.api_url = self._server.url("http", "/api/v10")
        self.gateway_url = self.gateway.url = self._server.url("ws", "/gateway")

    async def close(self) -> None:
        await self._server.close()

    @property
    def calls(self) -> list[Call]:
        return self.rest.recorder.calls

    @property
    def problems(self) -> list[str]:
        return self.rest.recorder.problems

    def uploaded(self, filename: str) -> list[bytes]:
        """The bytes of every file named `filename` the bot sent, in order."""
        return [c.uploads[filename] for c in self.rest.recorder.calls if filename in c.uploads]

    async def wait_for(self, check: Callable[[], Any], within: float = 5.0) -> Any:
        """Wait until `check()` returns something truthy after a REST call; return it."""
        return await self.rest.recorder.wait_for(check, within)

    # ------------------------------------------------------------------ people

    def add_member(self, name: str, *, admin: bool = False) -> str:
        user_id = p.snowflake()
        self.users[user_id] = p.user(user_id, name)
        roles = [self.admin_role] if admin else []
        self.members[user_id] = p.member(self.users[user_id], roles)
        return user_id

    async def create_channel(self, name: str) -> str:
        """A new text channel, announced on the gateway as Discord does."""
        channel_id = p.snowflake()
        self.channels[channel_id] = p.text_channel(channel_id, self.guild_id, name)
        await self.gateway.dispatch("CHANNEL_CREATE", self.channels[channel_id])
        return channel_id

    def permissions_of(self, user_id: str) -> int:
        perms = p.EVERYONE_PERMISSIONS
        if self.admin_role in self.members[user_id]["roles"]:
            perms |= p.MANAGE_GUILD
        return perms

    # ------------------------------------------------------------------ gateway payloads

    def application(self) -> dict[str, Any]:
        return {
            "id": self.app_id,
            "name": "Design Kata",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": p.user(p.snowflake(), "owner"),
            "verify_key": "0" * 64,
            "flags": MESSAGE_CONTENT_LIMITED if self.message_content else 0,
            "interactions_endpoint_url": None,
        }

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "application": {"id": self.app_id, "flags": self.application()["flags"]},
            "session_type": "normal",
        }

    def _guild(self) -> dict[str, Any]:
        roles = [
            p.role(self.guild_id, "@everyone", p.EVERYONE_PERMISSIONS, 0),
            p.role(self.admin_role, "Mods", p.MANAGE_GUILD, 1),
        ]
        channels = [c for c in self.channels.values() if c["type"] == 0]
        threads = [c for c in self.channels.values() if c["type"] == 11]
        bot = p.member(self.bot_user, [])
        return p.guild(self.guild_id, p.snowflake(), roles, channels, [bot], threads)

    # ------------------------------------------------------------------ REST behaviour

    def create_message(
        self, channel_id: str, body: dict[str, Any], files: list[str]
    ) -> web.Response:
        if channel_id not in self.channels and channel_id not in self.dms:
            return p.json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        nonce = body.get("nonce")
        if nonce is not None and len(str(nonce)) > 25:
            self.recorder.note(f"nonce {nonce!r} is longer than 25 characters")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self.by_nonce.get((channel_id, str(nonce)))
            if earlier is not None:
                return p.json_response(earlier)  # Discord returns the message it already made
        message = self._store(channel_id, body, files)
        if nonce is not None:
            message["nonce"] = nonce
            self.by_nonce[(channel_id, str(nonce))] = message
        self.posts.append(message)
        return p.json_response(message)

    def _store(
        self, channel_id: str, body: dict[str, Any], files: list[str], flags: int = 0
    ) -> dict[str, Any]:
        attachments = [
            {
                "id": p.snowflake(),
                "filename": f,
                "size": 1,
                "url": "http://127.0.0.1/x",
                "proxy_url": "http://127.0.0.1/x",
            }
            for f in files
        ]
        message = p.message(
            p.snowflake(),
            channel_id,
            self.bot_user,
            body.get("content") or "",
            guild_id=self.guild_id if channel_id in self.channels else None,
            embeds=body.get("embeds"),
            components=body.get("components"),
            flags=flags | (body.get("flags") or 0),
            attachments=attachments,
        )
        self.messages[message["id"]] = message
        return message

    async def create_thread(
        self, channel_id: str, message_id: str, body: dict[str, Any]
    ) -> web.Response:
        if channel_id not in self.channels:
            return p.json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        if message_id in self.channels:
            return p.json_response(
                {"message": "A thread has already been created for this message", "code": 160004},
                status=400,
            )
        thread = p.thread_channel(
            message_id,  # a thread started from a message shares the message's id
            self.guild_id,
            channel_id,
            body["name"],
            self.app_id,
            body.get("auto_archive_duration", 1440),
        )
        self.channels[message_id] = thread
        await self.gateway.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return p.json_response(thread, status=201)

    def history(self, channel_id: str, after: str, limit: int) -> web.Response:
        """GET /channels/{id}/messages?after=: the `limit` messages just after `after`,
        newest first, as Discord sends them."""
        if channel_id not in self.channels:
            return p.json_response({"message": "Unknown Channel", "code": 10003}, status=404)
        every = [
            m
            for m in [*self.messages.values(), *self.member_messages.values()]
            if m["channel_id"] == channel_id and int(m["id"]) > int(after)
        ]
        every.sort(key=lambda m: int(m["id"]))
        page = every[:limit]
        return p.json_response(list(reversed(page)))

    def dm_channel(self, recipient: str | int) -> dict[str, Any]:
        recipient_id = str(recipient)
        channel_id = f"9{recipient_id[1:]}"
        self.dms[channel_id] = recipient_id
        return {
            "id": channel_id,
            "type": 1,
            "recipients": [self.users[recipient_id]],
            "last_message_id": None,
        }

    async def send_interaction(self, payload: dict[str, Any]) -> None:
        """Dispatch INTERACTION_CREATE and start its 3-second answer window."""
        self._answer_windows.open(payload["id"])
        await self.gateway.dispatch("INTERACTION_CREATE", payload)

    def interaction_callback(
        self,
        interaction_id: str,
        token: str,
        body: dict[str, Any],
        files: Sequence[str] = (),
    ) -> web.Response:
        """Discord's rules: one answer per interaction, within three seconds."""
        if interaction_id in self.callbacks:
            self.problems.append(f"interaction {interaction_id} answered twice")
            error = {"message": "Interaction has already been acknowledged.", "code": 40060}
            return p.json_response(error, status=400)
        if self._answer_windows.state(interaction_id) == "expired":
            self.problems.append(f"interaction {interaction_id} answered after 3 seconds")
            return p.json_response({"message": "Unknown interaction", "code": 10062}, status=404)
        self.callbacks[interaction_id] = body
        kind = body["type"]
        result: dict[str, Any] = {
            "interaction": {"id": interaction_id, "type": 2},
            "resource": {"type": kind},
        }
        data = body.get("data") or {}
        if kind in (4, 5):
            channel_id = self._interaction_channels.get(token, self.channel_id)
            message = self._store(channel_id, data, list(files), flags=data.get("flags") or 0)
            self.originals[token] = message
            self.responses[interaction_id] = message
            result["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool((data.get("flags") or 0) & EPHEMERAL),
            )
            result["resource"]["message"] = message
        return p.json_response(result)

    def followup(self, token: str, body: dict[str, Any], files: list[str]) -> web.Response:
        channel_id = self._interaction_channels.get(token, self.channel_id)
        return p.json_response(self._store(channel_id, body, files))

    def edit_original(self, token: str, body: dict[str, Any]) -> web.Response:
        original = self.originals.get(token)
        if original is None:
            return p.json_response({"message": "Unknown Webhook", "code": 10015}, status=404)
        original.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        return p.json_response(original)

    def new_token(self, channel_id: str) -> str:
        token = "tok-" + secrets.token_hex(8)
        self._interaction_channels[token] = channel_id
        return token

    # ------------------------------------------------------------------ reading what the bot did

    def posts_in(self, channel_id: str) -> list[dict[str, Any]]:
        return [m for m in self.posts if m["channel_id"] == channel_id]

    def message_with(self, custom_id: str) -> dict[str, Any]:
        """The message (of any kind) that carries the button `custom_id`."""
        return next(m for m in self.messages.values() if custom_id in custom_ids(m))

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        return [m for m in self.posts if self.dms.get(m["channel_id"]) == user_id]

    def threads(self) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c["type"] == 11]

    async def reply_to(self, interaction_id: str, within: float = 5.0) -> dict[str, Any]:
        """The interaction callback the bot sent for `interaction_id`."""
        return await self.wait_for(lambda: self.callbacks.get(interaction_id), within)


def text_of(message: dict[str, Any]) -> str:
    """Everything a member reads in a message: content, embed titles, text, fields, footer."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(x for x in parts if x)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]
