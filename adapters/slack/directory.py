"""Who a Slack member is, for the core: display name and whether they are an admin."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import PLATFORM, display_name_of, is_admin_user
from bot.chat import Actor, UserRef

log = logging.getLogger(__name__)


class MemberDirectory:
    """`users.info` with a cache, since every inbound event needs an Actor and a busy
    channel should not cost one Web API call per message."""

    def __init__(self, client: AsyncWebClient, ttl_seconds: float = 600.0) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._cache: dict[tuple[str, str], tuple[float, Actor]] = {}

    def known(self, team_id: str, user_id: str) -> Actor | None:
        """The cached Actor, if it is still fresh; never asks Slack."""
        cached = self._cache.get((team_id, user_id))
        if cached and cached[0] > time.monotonic():
            return cached[1]
        return None

    async def actor(self, team_id: str, user_id: str, fallback_name: str | None = None) -> Actor:
        """The Actor for a member; on a failed lookup a non-admin Actor with what we know."""
        known = self.known(team_id, user_id)
        if known is not None:
            return known
        user_ref = UserRef(platform=PLATFORM, workspace_id=team_id, user_id=user_id)
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return Actor(user=user_ref, display_name=fallback_name or user_id)
        except Exception as error:  # Slack unreachable after retries: answer as a member
            log.warning("users.info unreachable for %s: %s", user_id, error)
            return Actor(user=user_ref, display_name=fallback_name or user_id)
        user = response.get("user") or {}
        actor = Actor(
            user=user_ref,
            display_name=display_name_of(user),
            is_admin=is_admin_user(user),
            timezone=user.get("tz") or None,
        )
        self._cache[team_id, user_id] = (time.monotonic() + self._ttl, actor)
        return actor
