"""Prometheus counts every request the bot makes to Discord's REST API, by route, and every
429 Discord answers: an operator sees the bot being slowed down before members notice."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.discord import DiscordAdapter
from adapters.discord.client import route_of
from bot import metrics
from tests.discord.conftest import connect
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person
from tests.discord.test_failures import rate_limited
from tests.support.harness import Harness


@pytest.fixture
async def counted_bot(fake: FakeDiscord, harness: Harness) -> AsyncIterator[DiscordAdapter]:
    """The bot connected with a fresh set of metrics, counting from its first request."""
    metrics.reset()
    adapter = await connect(fake, harness)
    yield adapter
    await adapter.close()
    assert fake.problems == []


def samples(name: str) -> dict[tuple[tuple[str, str], ...], float]:
    page = metrics.current().render().decode()
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
        if s.name == name
    }


async def test_a_rate_limited_prompt_shows_in_the_metrics(
    counted_bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea", admin=True)
    await fake.reply_to(await lea.slash("setup", time="09:30", timezone="Europe/Berlin"))
    body, headers = rate_limited(0.1)
    fake.rest.fail("POST", rf"^/channels/{fake.channel_id}/messages$", 429, body, headers)

    await fake.reply_to(await lea.slash("now"))
    await fake.wait_for(lambda: fake.threads())

    posts = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
    threads = [c for c in fake.calls if c.path.endswith("/threads")]
    assert [c.status for c in posts[:2]] == [429, 200] and len(threads) == 1
    counted = samples("kata_platform_calls_total").items()
    calls = {dict(labels)["method"]: n for labels, n in counted}
    assert calls["POST /channels/{id}/messages"] == len(posts)
    assert calls["POST /channels/{id}/messages/{id}/threads"] == 1
    assert calls["GET /users/@me"] == 1
    assert samples("kata_platform_rate_limited_total") == {(("platform", "discord"),): 1}
    assert all(not re.search(r"\d{5,}", route) for route in calls), "no ids in route labels"


def test_routes_keep_their_words_and_hide_ids_tokens_and_emoji() -> None:
    assert route_of("GET", "/api/v10/users/@me") == "GET /users/@me"
    assert route_of("PUT", "/api/v10/channels/12/messages/34/reactions/%E2%9C%85/@me") == (
        "PUT /channels/{id}/messages/{id}/reactions/{id}/@me"
    )
    assert route_of("POST", "/api/v10/interactions/56/aW50ZXJhY3Rpb246MTIz/callback") == (
        "POST /interactions/{id}/{id}/callback"
    )
    assert route_of("PATCH", "/api/v10/webhooks/78/tok3n/messages/@original") == (
        "PATCH /webhooks/{id}/{id}/messages/@original"
    )
