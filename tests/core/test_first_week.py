"""A team's first week: settings answer in one line, say what they did, and read naturally."""

from __future__ import annotations

import ast
import re

from bot.settings import PROJECT_ROOT
from tests.support.harness import Harness, content
from tests.support.memory_chat import MemoryChat


def suggestions(text: str) -> list[str]:
    m = re.search(r"Did you mean (.+?)\?", text)
    return [s.strip() for s in m.group(1).replace(" or ", ", ").split(",")] if m else []


# ---------------------------------------------------------------- 10: time zones


async def test_time_zones_are_accepted_the_way_people_type_them(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    typed = {
        "CET": "Europe/Berlin",
        "cest": "Europe/Berlin",
        "PST": "America/Los_Angeles",
        "pt": "America/Los_Angeles",
        "EST": "America/New_York",
        "utc": "UTC",
        "GMT": "UTC",
        "Z": "UTC",
        "europe/lisbon": "Europe/Lisbon",
        "America/new_york": "America/New_York",
    }
    for text, zone in typed.items():
        out = await chat.command(lead, f"setup 09:00 {text}")
        assert "Usage" not in out.text, (text, out.text)
        assert zone in (await chat.command(lead, "schedule")).text, text


async def test_a_time_with_am_or_pm_apart_from_the_hour_still_reads_as_a_time(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    out = await chat.command(lead, "setup 9 am UTC mon-fri")
    assert "Bamako" not in out.text and "Usage" not in out.text, out.text
    assert "09:00 UTC, Mon-Fri" in (await chat.command(lead, "schedule")).text
    await chat.command(lead, "setup 6:30 PM Europe/Berlin")
    assert "18:30 Europe/Berlin" in (await chat.command(lead, "schedule")).text


async def test_an_ambiguous_abbreviation_asks_and_names_real_zones(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    out = await chat.command(lead, "setup 09:00 IST")
    assert set(suggestions(out.text)) >= {"Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"}
    assert "Not set up yet" in (await chat.command(lead, "schedule")).text


async def test_every_time_zone_suggested_is_then_accepted(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    suggested: set[str] = set()
    for typo in (
        "IST",
        "MST",
        "CST",
        "AEST",
        "BST",
        "Berln",
        "new york",
        "GMT+1",
        "pacific",
        "Europe/Berlim",
        "Kolkatta",
        "am",
        "lisbon",
        "Etc/GMT",
        "Sao Paulo",
    ):
        out = await chat.command(lead, f"setup 09:00 '{typo}'")
        suggested |= set(suggestions(out.text))
        assert "Etc/GMT" not in out.text and "Bamako" not in out.text, (typo, out.text)
    assert len(suggested) >= 10
    for zone in sorted(suggested):
        out = await chat.command(lead, f"setup 09:00 {zone}")
        assert "Usage" not in out.text, (zone, out.text)


# ---------------------------------------------------------------- 12: skip


async def test_skip_refuses_a_day_without_a_round_and_unskip_undoes_a_skip(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")  # Monday 08:00 in Berlin
    saturday = await chat.command(lead, "skip 2026-11-28")
    assert "Sat 28 Nov" in saturday.text and "no round" in saturday.text, saturday.text
    past = await chat.command(lead, "skip 2026-11-20")
    assert "passed" in past.text
    assert "Skipping" not in (await chat.command(lead, "schedule")).text

    assert "skipped" in (await chat.command(lead, "skip 2026-11-24")).text
    undone = await chat.command(lead, "unskip 2026-11-24")
    assert "Tue 24 Nov" in undone.text and "Usage" not in undone.text, undone.text
    assert "Skipping" not in (await chat.command(lead, "schedule")).text
    assert "not skipped" in (await chat.command(lead, "unskip 2026-11-24")).text

    await chat.command(lead, "skip")  # today, Monday
    assert "Mon 23 Nov" in (await chat.command(lead, "unskip")).text
    await harness.advance(days=1, hours=2)
    assert len(chat.prompts()) == 2  # Monday and Tuesday both came
    assert "unskip" in (await chat.command(lead, "help")).text


# ---------------------------------------------------------------- 13: filter


async def test_a_filter_says_how_many_prompts_it_leaves_and_refuses_none(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    await chat.command(lead, "setup 09:00 Europe/Berlin mon-fri")
    search = len([p for p in content().prompts if "search" in p.all_tags])
    out = await chat.command(lead, "filter tags search")
    assert f"{search} prompts" in out.text, out.text

    empty = await chat.command(lead, "filter tags custom")  # no custom prompt exists yet
    assert "No prompt" in empty.text and "nothing" in empty.text.lower(), empty.text
    shown = (await chat.command(lead, "schedule")).text
    assert "Tags: search" in shown
    await chat.command(lead, "now")
    assert len(chat.prompts()) == 1


# ---------------------------------------------------------------- 14: now


async def test_now_after_todays_round_is_wrapped_up_says_when_the_next_comes(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin mon-fri", "manual")
    assert "already running" in (await chat.command(lead, "now")).text
    for _ in range(11):
        await chat.command(lead, "next")
    assert chat.in_thread()[-1].message.title.startswith("Wrap-up")
    out = await chat.command(lead, "now")
    assert "running" not in out.text
    assert "Today's round is done" in out.text and "Tue 24 Nov" in out.text, out.text


# ---------------------------------------------------------------- 20: who sees what


async def test_a_leaderboard_asked_for_is_private_unless_shared(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin daily")
    ana = chat.member("ana")
    await chat.reply(ana, "scope: an answer")
    asked = await chat.command(ana, "leaderboard")
    assert asked.replies[0].private is True and "1. ana" in asked.text
    shared = await chat.command(ana, "leaderboard month public")
    assert shared.replies[0].private is False and "this month" in shared.text
    assert (await chat.command(ana, "lb share")).replies[0].private is False
    help_text = (await chat.command(ana, "help leaderboard")).text
    assert "public" in help_text


async def test_settings_changes_answer_in_one_public_line(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = chat.member("lea", admin=True)
    for command in (
        "setup 09:00 Europe/Berlin mon-fri",
        "pace drip 20",
        "filter difficulty medium",
        "skip 2026-11-24",
        "unskip 2026-11-24",
        "pause",
        "resume",
    ):
        out = await chat.command(lead, command)
        [reply] = out.replies
        assert reply.private is False, command
        assert "\n" not in out.text.strip() and "Usage" not in out.text, (command, out.text)
        assert not reply.message.title and not any(s.fields for s in reply.message.sections)
    block = await chat.command(lead, "schedule")
    assert "Next round: Mon 23 Nov 09:00" in block.text and "Pacing:" in block.text


# ---------------------------------------------------------------- 21: plurals


async def test_counts_read_naturally_for_one_and_many(harness: Harness, chat: MemoryChat) -> None:
    lead = chat.member("lea", admin=True)
    await chat.start_round("09:00 Europe/Berlin daily", "drip 1")
    prompt = chat.prompt_post().text
    assert "a new stage every minute" in prompt and "1 minutes" not in prompt
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: an answer")
    await chat.reply(bo, "scope: an answer")
    await chat.command(ana, "feedback bo strength: clear scope improve: name a latency budget")
    streak_board = (await chat.command(ana, "leaderboard streak")).text
    assert "1. ana: 1 round\n" in streak_board + "\n", streak_board
    assert "1. ana: 1 review" in (await chat.command(ana, "leaderboard reviews")).text
    streak = (await chat.command(ana, "streak")).text
    assert "(s)" not in streak and "1 round in a row" in streak, streak
    assert "6 more rounds in a row" in streak
    await harness.advance(minutes=20)
    wrapup = chat.in_thread()[-1].text
    assert "ana: 1 stage:" in wrapup and "(s)" not in wrapup, wrapup
    pace = await chat.command(lead, "pace drip 1")
    assert "every minute" in pace.text, pace.text


# ---------------------------------------------------------------- 23: next, stage names


async def test_in_drip_pacing_only_admins_and_the_setup_member_post_a_stage_early(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin mon-fri", "drip 30")
    ana = chat.member("ana")
    refused = await chat.command(ana, "next")
    assert "admins" in refused.text and "every 30 minutes" in refused.text, refused.text
    assert len(chat.stage_titles()) == 1
    await chat.command(lead, "next")
    assert len(chat.stage_titles()) == 2
    help_next = (await chat.command(ana, "help next")).text
    assert "manual" in help_next and "anyone" in help_next.lower(), help_next


async def test_in_all_at_once_pacing_a_member_cannot_wrap_up_early(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round("09:00 Europe/Berlin mon-fri", "all")
    refused = await chat.command(chat.member("ana"), "next")
    assert "admins" in refused.text
    assert not chat.in_thread()[-1].message.title.startswith("Wrap-up")


async def test_help_answer_lists_the_stage_names_and_no_single_letter_alias_remains(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round("09:00 Europe/Berlin mon-fri", "manual")
    text = (await chat.command(lead, "help answer")).text
    for stage in content().stages:
        assert stage.key in text, stage.key
        assert all(len(alias) > 1 for alias in stage.aliases), stage.aliases
    assert "scoping" in text and "nfr" in text
    for _ in range(4):
        await chat.command(lead, "next")  # the current stage is now framing
    ana = chat.member("ana")
    await chat.reply(ana, "a: predict watch time")
    for _ in range(7):
        await chat.command(lead, "next")
    assert "ana: 1 stage: ML problem framing" in chat.in_thread()[-1].text


def test_no_message_in_the_code_hedges_a_plural_with_s_in_brackets() -> None:
    hedged = []
    for folder in ("bot", "adapters"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                text = node.value if isinstance(node, ast.Constant) else None
                if isinstance(text, str) and re.search(r"(?<!http)(?<!ws)\(s\)", text):
                    hedged.append(f"{path.name}: {text!r}")
    assert hedged == []
