"""The App Home as a control panel: each channel the member manages, with its schedule, next
round and buttons for pause/resume, skip next, start now and edit (the set-up form)."""

from __future__ import annotations

from typing import Any

from tests.slack.conftest import ALICE, BOB, CHANNEL, Team


def home_text(view: dict[str, Any]) -> str:
    texts = []
    for block in view["blocks"]:
        if block.get("text"):
            texts.append(block["text"]["text"])
        texts += [f["text"] for f in block.get("fields", [])]
    return "\n".join(texts)


def controls(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(action, channel) of every control button on the view."""
    return [
        (e["action_id"].split("_")[1], e["value"])
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


async def test_the_app_home_controls_the_channels_a_member_manages(team: Team) -> None:
    api = team.api
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.settled()

    await team.member(ALICE).opens_home()
    await team.settled()
    home = api.home_views[ALICE]  # the fake checked it as a valid Home tab
    assert "Channels you manage" in home_text(home)
    assert "#design-practice: schedule" in home_text(home)
    assert "09:00 Europe/Berlin, Mon-Fri" in home_text(home)
    assert "Next round" in home_text(home)
    assert controls(home) == [(a, CHANNEL) for a in ("pause", "skip", "now", "edit")]

    # Bob manages no channel: no controls on his home.
    await team.member(BOB).opens_home()
    await team.settled()
    assert controls(api.home_views[BOB]) == []

    # Pause from the home: the channel is told, and the home now offers Resume.
    ack = await team.member(ALICE).presses_on_home("pause", CHANNEL)
    assert ack.status == 200
    await team.settled()
    assert api.bot_posts(CHANNEL)[-1].text.startswith("Paused")
    home = api.home_views[ALICE]
    assert "paused" in home_text(home)
    assert controls(home)[0] == ("resume", CHANNEL)

    await team.member(ALICE).presses_on_home("resume", CHANNEL)
    await team.settled()
    assert api.bot_posts(CHANNEL)[-1].text.startswith("Resumed")

    # Skip next: the next practice day is skipped and the schedule says so.
    await team.member(ALICE).presses_on_home("skip", CHANNEL)
    await team.settled()
    assert "will be skipped" in api.bot_posts(CHANNEL)[-1].text
    assert "Skipping" in home_text(api.home_views[ALICE])

    # Edit opens the set-up form with the channel as it is; saving changes the pacing only.
    await team.member(ALICE).presses_on_home("edit", CHANNEL)
    await team.settled()
    [modal] = api.opened_views
    pace = next(b for b in modal["blocks"] if b.get("block_id") == "pace")
    assert pace["element"]["initial_option"]["value"] == "drip:60"
    saved = await team.member(ALICE).submits(
        modal,
        {"time": "09:00", "zone": "Europe/Berlin", "days": "mon,tue,wed,thu,fri", "pace": "manual"},
    )
    assert saved.body == ""
    await team.settled()
    assert (
        api.bot_posts(CHANNEL)[-1].text == "Pacing: each stage on /kata next, from the next round."
    )
    assert "each stage on /kata next" in home_text(api.home_views[ALICE])

    # Start now posts today's round.
    await team.member(ALICE).presses_on_home("now", CHANNEL)
    await team.settled()
    assert any(m.text.startswith("Design Kata #1") for m in api.bot_posts(CHANNEL))


async def test_a_member_who_manages_nothing_cannot_press_a_channels_controls(team: Team) -> None:
    api = team.api
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.settled()
    await team.member(ALICE).opens_home()
    await team.settled()
    # Bob replays Alice's home payload as his own: the core's admin rule still applies.
    api.home_views[BOB] = api.home_views[ALICE]
    await team.member(BOB).presses_on_home("pause", CHANNEL)
    await team.settled()
    assert not any(m.text.startswith("Paused") for m in api.bot_posts(CHANNEL))
    assert "Only admins can use /kata pause" in api.ephemerals[-1]["text"]
