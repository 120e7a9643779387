"""A post Slack accepted whose answer never arrived (a 500 after the fact, a timeout) is found
by its metadata and not posted again, whether the adapter or the work queue retries it."""

from __future__ import annotations

from collections import Counter

from tests.slack.conftest import ALICE, CHANNEL, Team


def prompts_posted(team: Team) -> list:
    return [m for m in team.api.bot_posts(CHANNEL) if m.thread_ts is None]


async def test_a_prompt_accepted_then_answered_with_a_500_is_posted_once(team: Team) -> None:
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.settled()
    team.api.accept_then_fail("chat.postMessage", times=1)
    await team.h.advance(hours=1)

    assert len(prompts_posted(team)) == 1
    looked = team.api.calls_to("conversations.history")
    assert looked and looked[0].params.get("include_all_metadata") in (True, "true", "1")
    key = prompts_posted(team)[0].metadata
    assert key is not None and key["event_payload"]["key"].startswith("round:")


async def test_every_stage_of_a_round_arrives_once_through_repeated_lost_answers(
    team: Team,
) -> None:
    await team.member(ALICE).runs("setup 09:00 Europe/Berlin daily")
    await team.member(ALICE).runs("pace all")
    await team.settled()
    team.api.accept_then_fail("chat.postMessage", times=6)
    await team.h.advance(hours=1)
    await team.h.advance(minutes=10)

    prompts = prompts_posted(team)
    assert len(prompts) == 1
    replies = team.api.bot_replies(CHANNEL, prompts[0].ts)
    keys = Counter((m.metadata or {}).get("event_payload", {}).get("key") for m in replies)
    stages = len(team.h.kata.content.stages)
    assert sorted(k for k in keys if k) == sorted(f"stage:1:{n}" for n in range(1, stages + 1))
    assert set(keys.values()) == {1}
    assert team.api.problems == []
