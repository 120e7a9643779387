"""Pointing discord.py at other servers (tests, proxies) through DISCORD_API_URL and
DISCORD_GATEWAY_URL.

discord.py 2.7 builds every REST URL, interaction callbacks and webhooks included, from the
class attribute `discord.http.Route.BASE`, and a plain `discord.Client` opens its first
websocket at `DiscordWebSocket.DEFAULT_GATEWAY` without asking REST for one (only
`AutoShardedClient` calls GET /gateway/bot). Both are process-wide, so they are set for the
adapter's lifetime and put back on close. Resumes go to the `resume_gateway_url` the gateway
sent in READY, as with the real Discord.
"""

from __future__ import annotations

from collections.abc import Callable

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def override_endpoints(api_url: str | None, gateway_url: str | None) -> Callable[[], None]:
    """Swap the REST base and gateway URL when given; return a function that undoes it."""
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if api_url:
        if not api_url.startswith(("http://", "https://")):
            raise ValueError(f"DISCORD_API_URL must be an http(s) URL, got {api_url!r}")
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        if not gateway_url.startswith(("ws://", "wss://")):
            raise ValueError(f"DISCORD_GATEWAY_URL must be a ws(s) URL, got {gateway_url!r}")
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)

    def restore() -> None:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore
