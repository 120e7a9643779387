"""Links to the web page: only the bot can make one, each opens one workspace's page for a
week, and changing the secret turns every earlier link off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.web_links import LIFETIME, LinkRefused, LinkSigner, load_secret
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIGNER = LinkSigner(b"first-secret", "https://kata.example.org")


def parts(signer: LinkSigner, workspace: int, channel: int | None) -> dict[str, str]:
    link = signer.new_link(workspace, channel, NOW)
    until, sig = (p.split("=")[1] for p in signer.query(link).split("&"))
    return {"workspace": str(workspace), "scope": link.scope, "until": until, "sig": sig}


def test_a_link_opens_its_own_workspace_and_channel_until_it_expires() -> None:
    given = parts(SIGNER, 7, 42)
    link = SIGNER.verify(**given, now=NOW + LIFETIME - timedelta(seconds=1))
    assert (link.workspace_id, link.channel_id) == (7, 42)
    with pytest.raises(LinkRefused) as refused:
        SIGNER.verify(**given, now=NOW + LIFETIME)
    assert refused.value.reason == "expired"


@pytest.mark.parametrize(
    "change",
    [
        {"workspace": "8"},  # another workspace with this link's signature
        {"scope": "all"},  # the whole workspace from a channel's link
        {"scope": "43"},
        {"until": str(int((NOW + timedelta(days=365)).timestamp()))},  # a longer life
        {"sig": "0" * 64},
        {"sig": None},
        {"until": "soon"},
        {"workspace": "-1"},
    ],
)
def test_any_change_to_a_link_makes_it_forged(change: dict[str, str | None]) -> None:
    with pytest.raises(LinkRefused) as refused:
        SIGNER.verify(**{**parts(SIGNER, 7, 42), **change}, now=NOW)  # type: ignore[arg-type]
    assert refused.value.reason == "forged"


def test_a_new_secret_turns_every_earlier_link_off() -> None:
    rotated = LinkSigner(b"second-secret", SIGNER.base_url)
    with pytest.raises(LinkRefused):
        rotated.verify(**parts(SIGNER, 7, None), now=NOW)


def test_without_a_configured_secret_one_is_made_once_and_kept(tmp_path: Path) -> None:
    kept = tmp_path / "kata-web-secret"
    first = load_secret(None, kept)
    assert len(first) == 64 and kept.stat().st_mode & 0o077 == 0  # only the bot may read it
    assert load_secret(None, kept) == first  # a restart keeps every link working
    assert load_secret("from-the-environment", kept) == b"from-the-environment"
    kept.unlink()
    assert load_secret(None, kept) != first  # deleting the file revokes the old links


async def test_a_member_is_told_when_the_web_page_is_off(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    out = await chat.command(chat.member("ana"), "web")
    assert out.replies[0].private
    assert "not switched on" in out.text and "KATA_PUBLIC_URL" in out.text


async def test_a_channel_without_practice_has_no_page_but_the_workspace_has(
    harness: Harness, chat: MemoryChat
) -> None:
    harness.kata.web_links = SIGNER
    await chat.start_round()
    quiet = await chat.command(chat.member("ana"), "web", channel="C-quiet")
    assert "no practice yet" in quiet.text and "/kata web workspace" in quiet.text
    everywhere = await chat.command(chat.member("ana"), "web workspace", channel="C-quiet")
    assert "https://kata.example.org/kata/web/" in everywhere.text
    assert "/all?until=" in everywhere.text
