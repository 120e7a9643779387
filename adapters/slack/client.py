"""The Slack Web API client the adapter and bolt share, with the SDK's retry handlers."""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import PLATFORM
from bot import metrics

DEFAULT_BASE_URL = "https://slack.com/api/"

WEB_API_METHODS = (
    "auth.test",
    "apps.connections.open",
    "chat.postMessage",
    "chat.postEphemeral",
    "conversations.history",
    "conversations.replies",
    "conversations.open",
    "reactions.add",
    "users.info",
    "views.open",
    "views.publish",
    "views.update",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
)
"""Every Web API method the adapter (with bolt and the SDK) calls; the manifest's scopes are
checked against this list, and the test fake refuses any method not on it."""


NOT_IDEMPOTENT = ("chat.postMessage",)
"""Methods a blind retry could run twice: a 5xx or a dropped connection may come after Slack
accepted the post. The port retries these itself, after looking for the earlier post."""


def _not_idempotent(request: HttpRequest) -> bool:
    return request.url.rstrip("/").endswith(NOT_IDEMPOTENT)


class AnyServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """The SDK's server-error handler retries 500 and 503 only; a 502 or 504 from Slack's edge
    is just as transient. Posts are left to the port (see `NOT_IDEMPOTENT`)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _not_idempotent(request):
            return False
        return response is not None and response.status_code >= 500


class IdempotentConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """Retries dropped connections, except for posts (see `NOT_IDEMPOTENT`)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _not_idempotent(request):
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class CallCounter(AsyncRetryHandler):
    """First in the handler list, so it sees every attempt (retries too): counts each request
    by Web API method, and each 429, for `/metrics`. It never asks for a retry itself."""

    def __init__(self, base_url: str) -> None:
        super().__init__(max_retry_count=0)
        self.base_url = base_url

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and error is not None:
            return False  # the attempt was counted when its response arrived
        method = request.url.removeprefix(self.base_url)
        metrics.platform_call(PLATFORM, method if method != request.url else "file upload")
        if response is not None and response.status_code == 429:
            metrics.rate_limited(PLATFORM)
        return False


def retry_handlers(backoff_seconds: float | None = None) -> list[AsyncRetryHandler]:
    """429s wait for Retry-After; 5xx and dropped connections back off and try again.

    `backoff_seconds` fixes the wait between 5xx/connection retries (tests use a small one).
    """
    interval: RetryIntervalCalculator = (
        FixedValueRetryIntervalCalculator(backoff_seconds)
        if backoff_seconds is not None
        else BackoffRetryIntervalCalculator(backoff_factor=0.5)
    )
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=5),
        AnyServerErrorRetryHandler(max_retry_count=3, interval_calculator=interval),
        IdempotentConnectionErrorRetryHandler(max_retry_count=3, interval_calculator=interval),
    ]


def build_client(
    token: str | None, base_url: str | None = None, backoff_seconds: float | None = None
) -> AsyncWebClient:
    """An AsyncWebClient for `token`; `base_url` (SLACK_API_URL) must end with a slash."""
    url = base_url or DEFAULT_BASE_URL
    if not url.endswith("/"):
        url += "/"
    handlers = [CallCounter(url), *retry_handlers(backoff_seconds)]
    return AsyncWebClient(token=token, base_url=url, retry_handlers=handlers)
