"""The OAuth2 link a server admin opens to add the bot, with exactly the permissions it uses."""

from __future__ import annotations

from urllib.parse import urlencode

import discord

_NEEDED = discord.Permissions(
    view_channel=True,
    send_messages=True,
    create_public_threads=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
)

PERMISSIONS: int = _NEEDED.value
"""View channels, send messages, create public threads, send messages in threads, embed links,
attach files, read message history and add reactions (the bot ticks answers it counted)."""

SCOPES: tuple[str, ...] = ("bot", "applications.commands")


def invite_url(client_id: str) -> str:
    """Build the invite link for the application `client_id` (its Application ID)."""
    client_id = client_id.strip()
    if not client_id.isdigit():
        raise ValueError(
            "The Discord client id is the numeric Application ID from the Developer Portal "
            f"(General Information), not {client_id!r}."
        )
    query = urlencode(
        {"client_id": client_id, "permissions": str(PERMISSIONS), "scope": " ".join(SCOPES)}
    )
    return f"https://discord.com/oauth2/authorize?{query}"
