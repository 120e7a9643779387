"""Discord objects as the real API shapes them (the subset discord.py reads)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = 1 << 10 | 1 << 11 | 1 << 16 | 1 << 38  # view, send, history, in threads
_ids = itertools.count(1_310_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member(user_payload: dict[str, Any], roles: list[str], *, permissions: int | None = None):
    data: dict[str, Any] = {
        "user": user_payload,
        "roles": roles,
        "nick": None,
        "avatar": None,
        "joined_at": "2026-01-05T10:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role(role_id: str, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel(channel_id: str, guild_id: str, name: str) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
    }


def thread_channel(
    thread_id: str, guild_id: str, parent_id: str, name: str, owner_id: str, archive: int
) -> dict[str, Any]:
    return {
        "id": thread_id,
        "type": 11,
        "guild_id": guild_id,
        "parent_id": parent_id,
        "name": name,
        "owner_id": owner_id,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": archive,
            "archive_timestamp": now_iso(),
            "locked": False,
        },
    }


def message(
    message_id: str,
    channel_id: str,
    author: dict[str, Any],
    content: str = "",
    *,
    guild_id: str | None = None,
    embeds: list[Any] | None = None,
    components: list[Any] | None = None,
    flags: int = 0,
    member_payload: dict[str, Any] | None = None,
    attachments: list[Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": message_id,
        "channel_id": channel_id,
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 0,
        "flags": flags,
    }
    if guild_id is not None:
        data["guild_id"] = guild_id
    if member_payload is not None:
        data["member"] = {k: v for k, v in member_payload.items() if k != "user"}
    return data


def guild(
    guild_id: str,
    owner_id: str,
    roles: list[dict[str, Any]],
    channels: list[dict[str, Any]],
    members: list[dict[str, Any]],
    threads: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": guild_id,
        "name": "Design Kata Test Server",
        "icon": None,
        "owner_id": owner_id,
        "roles": roles,
        "channels": channels,
        "threads": threads,
        "members": members,
        "member_count": len(members),
        "large": False,
        "unavailable": False,
        "joined_at": "2026-01-05T10:00:00+00:00",
        "features": [],
        "emojis": [],
        "stickers": [],
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "system_channel_flags": 0,
        "afk_timeout": 300,
        "afk_channel_id": None,
        "system_channel_id": None,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "application_id": None,
        "max_members": 500000,
        "premium_subscription_count": 0,
    }


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    """A JSON answer as Discord's edge sends it: the exact content type (discord.py compares
    it verbatim) and a `Via` header (discord.py reads a 429 without one as a Cloudflare ban)."""
    from aiohttp import web

    body = json.dumps(data).encode()
    return web.Response(
        body=body,
        status=status,
        headers={"Via": "1.1 google", **(headers or {}), "Content-Type": "application/json"},
    )
