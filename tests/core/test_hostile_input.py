"""Input nobody should type, typed anyway: every reply stays short and quick, nothing is lost.

One slow parse blocks the event loop for every team the process serves, so the guard here is
a hard deadline per command at the longest input the core accepts: linear parsing finishes in
milliseconds, a backtracking one never finishes at all.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.answers import explicit_stage
from bot.commands import MAX_COMMAND_CHARS, CommandError
from bot.commands.catalogue import COMMANDS as SPECS
from bot.commands.catalogue import parse
from bot.feedback_parsing import ReviewLineError, parse_review_line
from bot.models import Answer, Member
from tests.support.harness import Harness, content, make_harness
from tests.support.memory_chat import MemoryChat

DEADLINE_SECONDS = 2.0
HOSTILE_UNITS = (
    "a=",
    "=",
    " ",
    "a ",
    "\t",
    ":",
    "a:",
    "[",
    "[a",
    "]",
    "@",
    "<@",
    "|",
    ",",
    "-",
    "9",
    "09:",
    "mon,",
    "strength:",
    "improve: ",
    "problem=",
    "é",
    "&",
)


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Raise in the running code (regex matching included) once `seconds` have passed."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what!r} still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def long_repetition(prefix: str, unit: str) -> str:
    return prefix + unit * ((MAX_COMMAND_CHARS - len(prefix)) // len(unit))


@pytest.fixture
async def sqlite_chat() -> Iterator[MemoryChat]:
    h = await make_harness()
    chat = MemoryChat(h.kata)
    await chat.start_round()
    await chat.reply(chat.member("bob"), "scope: a first answer to review")
    yield chat
    await h.close()


async def test_no_command_slows_down_on_long_repetitive_input(sqlite_chat: MemoryChat) -> None:
    chat, member = sqlite_chat, sqlite_chat.member("eve")
    for spec in SPECS:
        prefixes = [f"{spec.name} ", f"{spec.name} bob "]
        if spec.name == "feedback":
            prefixes += ["feedback bob strength: ", "feedback bob problem=3 improve: x strength: "]
        for prefix in prefixes:
            for unit in HOSTILE_UNITS:
                text = long_repetition(prefix, unit)
                with deadline(DEADLINE_SECONDS, text[:40]):
                    outcome = await chat.command(member, text)
                assert "Something went wrong" not in outcome.text, text[:60]
                assert len(outcome.text) < 4_000, (text[:60], outcome.text[:200])


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from(["", "bob ", "bob a", "bob strength: x ", "bob problem"]),
    unit=st.text(alphabet=" \t=:abz9@<>[]|,-", min_size=1, max_size=4),
)
def test_the_parsers_stay_linear_on_any_repetition(prefix: str, unit: str) -> None:
    text = long_repetition(prefix, unit)
    framework = content().framework
    with deadline(DEADLINE_SECONDS, text[:40]):
        for candidate in (text, "feedback " + text[:-9]):
            try:
                parse(candidate)
            except CommandError:
                pass
        try:
            parse_review_line(framework.rubric, text)
        except ReviewLineError:
            pass
        explicit_stage(framework, text)


async def test_a_megabyte_command_is_refused_before_anything_reads_it(chat: MemoryChat) -> None:
    await chat.start_round()
    with deadline(DEADLINE_SECONDS, "1 MB"):
        out = await chat.command(chat.member("eve"), "feedback bob " + "a=" * 500_000)
    assert "a command takes at most 20,500" in out.text
    assert len(out.text) < 300


async def test_help_with_a_huge_topic_answers_in_one_short_message(chat: MemoryChat) -> None:
    for junk in ("&" * 40_000, "&" * 3_000, "x" * 19_000):
        out = await chat.command(chat.member("eve"), f"help {junk}")
        assert len(out.replies) == 1
        assert len(out.text) < 400, out.text[:100]


async def test_error_replies_quote_at_most_a_short_excerpt_of_what_was_typed(
    chat: MemoryChat,
) -> None:
    lead = await chat.start_round()
    junk = "Q" * 3_000
    for text in (
        junk,
        f"leaderboard {junk}",
        f"prompts {junk}",
        f"prompts remove {junk}",
        f"feedback {junk} strength: fine work improve: more numbers",
        f"feedback bob {junk}=3 strength: fine work improve: more numbers",
        f"setup {junk}",
        f"setup 09:00 {junk}",
        f"skip {junk}",
        f"filter tags {junk}",
    ):
        out = await chat.command(lead, text)
        assert "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ" not in out.text, text[:30]
        assert len(out.text) < 1_500, text[:30]


async def test_a_lone_surrogate_or_a_nul_in_an_answer_is_stored_cleaned_not_refused(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    ana = chat.member("ana\ud800")
    _, first = await chat.reply(ana, "scope: users \ud800 in the EU")
    _, second = await chat.reply(chat.member("bo"), "scope: no NUL\x00 here")
    third = await chat.command(chat.member("cy"), "answer scope: \udfff\x00 both")

    for outcome in (first, second, third):
        assert "Something went wrong" not in outcome.text
    async with harness.kata.sessions() as session:
        texts = sorted((await session.scalars(select(Answer.text))).all())
        names = sorted((await session.scalars(select(Member.display_name))).all())
    assert texts == ["no NUL here", "users \ufffd in the EU", "\ufffd both"]
    assert "ana\ufffd" in names


async def test_a_lone_surrogate_in_a_command_gets_an_ordinary_answer(chat: MemoryChat) -> None:
    lead = await chat.start_round()
    out = await chat.command(lead, "prompts list \ud800")
    assert "Something went wrong" not in out.text
    assert "No prompt has the tag '\ufffd'" in out.text


async def test_an_answer_over_the_limit_is_kept_in_part_and_the_member_is_told(
    harness: Harness, chat: MemoryChat
) -> None:
    await chat.start_round()
    _, out = await chat.reply(chat.member("ana"), "scope: " + "x" * 30_000)
    assert out.react == "white_check_mark"
    assert "longer than 20,000 characters, so I kept the first 20,000" in out.text
    async with harness.kata.sessions() as session:
        [text] = (await session.scalars(select(Answer.text))).all()
    assert len(text) == 20_000
