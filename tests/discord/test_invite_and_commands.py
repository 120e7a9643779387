"""The invite link, and how slash command options become the core's command text."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import discord
import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.choices import tag_choices, time_zone_choices
from adapters.discord.commands import answer_text, join_command
from adapters.discord.invite import PERMISSIONS, invite_url
from bot.chat import ChannelRef
from tests.discord.fake_discord import FakeDiscord
from tests.discord.people import Person


def test_the_invite_asks_for_exactly_what_the_bot_uses() -> None:
    url = urlparse(invite_url("1234567890"))
    query = parse_qs(url.query)
    assert url.netloc == "discord.com" and url.path == "/oauth2/authorize"
    assert query["client_id"] == ["1234567890"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    assert granted.value == PERMISSIONS
    wanted = {
        "read_messages",  # discord.py's name for View Channel
        "send_messages",
        "create_public_threads",
        "send_messages_in_threads",
        "embed_links",
        "attach_files",
        "read_message_history",
        "add_reactions",
    }
    assert {name for name, on in granted if on} == wanted


def test_a_wrong_client_id_gets_a_friendly_error() -> None:
    with pytest.raises(ValueError, match="Application ID"):
        invite_url("my-bot")


def test_options_join_into_the_core_grammar() -> None:
    assert join_command("setup", "09:30", "Europe/Berlin", None) == "setup 09:30 Europe/Berlin"
    assert answer_text("metrics", "  NDCG@10 offline ") == "answer metrics: NDCG@10 offline"
    assert answer_text(None, "just text") == "answer just text"


def test_time_zones_complete_from_zoneinfo() -> None:
    names = [c.value for c in time_zone_choices("berl")]
    assert names == ["Europe/Berlin"]
    assert len(time_zone_choices("")) == 25
    assert [c.value for c in time_zone_choices("new york")] == ["America/New_York"]


def test_tags_complete_the_last_item_of_a_list() -> None:
    known = ["ranking", "retrieval", "nlp", "vision"]
    assert [c.value for c in tag_choices(known, "ranking,re", many=True)] == ["ranking,retrieval"]
    assert [c.value for c in tag_choices(known, "vi", many=False)] == ["vision"]


async def test_discord_asks_for_time_zones_while_typing(
    bot: DiscordAdapter, fake: FakeDiscord
) -> None:
    lea = Person(fake, "lea")
    ask = await lea.autocomplete("setup", focus="timezone", time="09:30", timezone="Europe/Lis")
    answer = await fake.reply_to(ask)
    assert answer["type"] == 8
    assert answer["data"]["choices"] == [{"name": "Europe/Lisbon", "value": "Europe/Lisbon"}]


async def test_tags_complete_from_the_prompt_bank(bot: DiscordAdapter, fake: FakeDiscord) -> None:
    lea = Person(fake, "lea")
    ask = await lea.autocomplete("filter", "tags", focus="tags", tags="ranking,")
    choices = (await fake.reply_to(ask))["data"]["choices"]
    known = await bot.kata.known_tags(ChannelRef("discord", fake.guild_id, fake.channel_id))
    assert choices and len(choices) <= 25
    assert all(c["value"].startswith("ranking,") for c in choices)
    assert {c["value"].split(",")[1] for c in choices} <= set(known)
