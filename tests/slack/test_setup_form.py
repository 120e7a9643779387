"""Setting a channel up by form on Slack: `/kata setup` alone opens a modal (time picker,
a searchable time zone starting at the member's own, weekday checkboxes, pacing, filters
with how many prompts they leave); a wrong form comes back with its errors inline and saves
nothing; a right one changes the schedule through the same commands as typing them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.kinds import Pacing
from bot.models import Channel
from bot.prompt_bank import builtin_views
from tests.slack.conftest import ALICE, BOB, CHANNEL, Team


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def tag_without_a_level(team: Team) -> tuple[str, str]:
    """A tag and a difficulty no built-in prompt has together."""
    views = builtin_views(team.h.kata.content)
    for tag in sorted({t for v in views for t in v.tags}):
        for level in ("easy", "medium", "hard"):
            if not any(tag in v.tags and v.difficulty in (level, None) for v in views):
                return tag, level
    raise AssertionError("every tag has every difficulty")


async def channel_row(team: Team) -> Channel | None:
    async with team.h.kata.sessions() as session:
        return await session.scalar(select(Channel).where(Channel.external_id == CHANNEL))


async def test_setup_alone_opens_a_form_and_a_valid_submit_sets_the_channel_up(
    team: Team,
) -> None:
    api = team.api
    api.users[ALICE]["tz"] = "America/New_York"

    ack = await team.member(ALICE).runs("setup")
    assert ack.status == 200
    await team.settled()

    # One modal, checked by the fake against Block Kit's limits, with native inputs.
    [modal] = api.opened_views
    assert modal["callback_id"] == "kata_form:schedule"
    fields = inputs(modal)
    assert list(fields) == ["time", "zone", "days", "pace", "tags", "difficulty"]
    assert fields["time"]["element"] == {
        "type": "timepicker",
        "action_id": "time",
        "initial_time": "09:30",
    }
    zone = fields["zone"]["element"]
    assert zone["type"] == "static_select"
    assert zone["initial_option"]["value"] == "America/New_York"  # from users.info tz
    zones = [o["value"] for g in zone["option_groups"] for o in g["options"]]
    assert len(zones) > 400 and "Europe/Berlin" in zones and "UTC" in zones
    days = fields["days"]["element"]
    assert days["type"] == "checkboxes"
    assert [o["value"] for o in days["initial_options"]] == ["mon", "tue", "wed", "thu", "fri"]
    assert fields["tags"]["element"]["type"] == "multi_static_select"
    assert "prompts of" in fields["tags"]["hint"]["text"]
    assert fields["difficulty"]["element"]["type"] == "checkboxes"

    ok = await team.member(ALICE).submits(
        modal,
        {
            "time": "08:15",
            "zone": "Europe/Berlin",
            "days": "mon,wed,fri",
            "pace": "drip:30",
            "difficulty": "hard",
        },
    )
    assert ok.status == 200 and ok.body == ""
    await team.settled()

    # The team learns it in the channel, in the commands' own words.
    said = api.bot_posts(CHANNEL)[-1].text
    assert "set up here" in said and "08:15 Europe/Berlin" in said
    assert "Pacing: a new stage every 30 minutes" in said
    assert "difficulty hard" in said
    channel = await channel_row(team)
    assert channel is not None and channel.configured
    assert f"{channel.post_time:%H:%M}" == "08:15" and channel.timezone == "Europe/Berlin"
    assert channel.weekdays == 0b0010101
    assert (channel.pacing, channel.drip_minutes) == (Pacing.DRIP, 30)
    assert channel.difficulty_filter == ["hard"]


async def test_a_wrong_form_shows_its_errors_inline_and_saves_nothing(team: Team) -> None:
    api = team.api
    await team.member(ALICE).runs("setup")
    await team.settled()
    [modal] = api.opened_views
    tags = [o["value"] for o in inputs(modal)["tags"]["element"]["options"]]

    wrong = await team.member(ALICE).submits(
        modal,
        {"time": "08:15", "zone": "Europe/Berlin", "pace": "all", "tags": tags[0]},
    )
    assert wrong.status == 200
    answer = wrong.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"days": "Pick at least one day."}
    await team.settled()
    assert api.bot_posts(CHANNEL) == []
    channel = await channel_row(team)
    assert channel is None or not channel.configured

    # Filters that leave no prompt: the error sits on the field, and still nothing is saved.
    tag, level = tag_without_a_level(team)
    none_left = await team.member(ALICE).submits(
        modal,
        {
            "time": "08:15",
            "zone": "Europe/Berlin",
            "days": "mon",
            "pace": "all",
            "tags": tag,
            "difficulty": level,
        },
    )
    assert "tags" in none_left.json()["errors"]
    channel = await channel_row(team)
    assert channel is None or not channel.configured


async def test_only_admins_open_the_form_once_a_channel_is_set_up(team: Team) -> None:
    api = team.api
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin mon-fri")
    await team.settled()

    await team.member(BOB).runs("setup")
    await team.settled()
    assert api.opened_views == []
    assert "Only admins can use /kata setup" in api.responses[-1]["text"]

    # The form Alice opens shows the channel as it is.
    await team.member(ALICE).runs("setup")
    await team.settled()
    [modal] = api.opened_views
    fields = inputs(modal)
    assert fields["time"]["element"]["initial_time"] == "09:00"
    assert fields["zone"]["element"]["initial_option"]["value"] == "Europe/Berlin"

    # Saved unchanged, nothing moves and the channel hears nothing.
    posts = len(api.bot_posts(CHANNEL))
    same = await team.member(ALICE).submits(
        modal,
        {
            "time": "09:00",
            "zone": "Europe/Berlin",
            "days": "mon,tue,wed,thu,fri",
            "pace": "drip:60",
        },
    )
    assert same.body == ""
    await team.settled()
    assert len(api.bot_posts(CHANNEL)) == posts


async def test_the_form_says_how_many_prompts_the_filters_leave_as_they_change(
    team: Team,
) -> None:
    api = team.api
    await team.member(ALICE).runs("setup")
    await team.settled()
    [modal] = api.opened_views
    assert inputs(modal)["tags"].get("dispatch_action") is True
    total = len(builtin_views(team.h.kata.content))
    assert f"{total} prompts of {total} in play" in inputs(modal)["tags"]["hint"]["text"]

    hard = sum(1 for v in builtin_views(team.h.kata.content) if v.difficulty in ("hard", None))
    await team.member(ALICE).picks(modal, "difficulty", "hard")
    await team.settled()
    [updated] = api.updated_views  # checked by the fake as a modal, with the modal's hash
    for key in ("tags", "difficulty"):
        assert inputs(updated)[key]["hint"]["text"].startswith(f"{hard} prompts of {total}")
    assert updated["private_metadata"] == modal["private_metadata"]

    tag, _ = tag_without_a_level(team)
    await team.member(ALICE).picks({**api.opened_views[0], "blocks": modal["blocks"]}, "tags", tag)
    await team.settled()
    assert len(api.updated_views) == 2  # a stale hash would have been refused
