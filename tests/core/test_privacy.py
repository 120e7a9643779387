"""Members' data: what exports carry, and what `forgetme` leaves behind for everyone else."""

from __future__ import annotations

import csv
import io
import re

from bot.chat import Outcome
from tests.support.harness import Harness
from tests.support.memory_chat import MemoryChat

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_rows(outcome: Outcome) -> list[list[str]]:
    [attachment] = outcome.replies[0].message.attachments
    return list(csv.reader(io.StringIO(attachment.content.decode(), newline="")))


def csv_dicts(outcome: Outcome) -> list[dict[str, str]]:
    [attachment] = outcome.replies[0].message.attachments
    return list(csv.DictReader(io.StringIO(attachment.content.decode(), newline="")))


async def test_exports_never_carry_a_cell_a_spreadsheet_would_run_as_a_formula(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.command(lead, "next")
    hostile = {
        "=HYPERLINK(evil)": "=1+1 is my scope",
        "+plus": "+SUM(A1:A9) requests per second",
        "-minus": "- bullet one\n- bullet two",
        "@at": "@SUM(1) users",
        "\ttab": "metrics: =cmd|' /C calc'!A0",
        "\rcr": "[data] @import logs",
    }
    for name, text in hostile.items():
        await chat.reply(chat.member(name), text)
    reviewer = chat.member("=reviewer")
    await chat.reply(reviewer, "scope: plain answer")
    await chat.command(
        reviewer, "feedback <@U-+plus> strength: =2+3 clear improve: -1 more numbers"
    )

    exports = [await chat.command(lead, "export channel")]
    exports += [await chat.command(chat.member(n), "export") for n in [*hostile, "=reviewer"]]
    cells = [cell for outcome in exports for row in csv_rows(outcome) for cell in row]
    assert [c for c in cells if c.startswith(DANGEROUS_STARTS)] == []
    for name, text in hostile.items():
        stored = text.split(":", 1)[1].strip() if text.startswith("metrics:") else text
        stored = stored.removeprefix("[data] ")
        assert "'" + name in cells
        assert "'" + stored in cells
    assert "'=2+3 clear" in cells and "'-1 more numbers" in cells


async def test_the_channel_export_shows_the_points_each_member_earned(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.command(lead, "next")
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: everyone")
    await chat.reply(ana, "metrics: watch time")
    await chat.reply(ana, "metrics: and NDCG@10")
    await chat.reply(bo, "only new users")
    await chat.command(bo, "feedback ana problem=3 strength: clear goal improve: add numbers")

    rows = csv_dicts(await chat.command(lead, "export channel"))
    totals: dict[str, int] = {}
    for row in rows:
        assert row["points"] != ""
        totals[row["member"]] = totals.get(row["member"], 0) + int(row["points"])
    assert totals == {"ana": 5 + 2 + 2, "bo": 5 + 2 + 3}
    board = (await chat.command(lead, "leaderboard all")).text
    assert "ana: 9 pts" in board and "bo: 10 pts" in board
    assert {r["stage"] for r in rows if r["member"] == "bo"} == {"scope", "review"}


async def test_a_personal_export_holds_everything_stored_about_the_member(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.command(lead, "next")
    ana, bo = chat.member("ana"), chat.member("bo")
    await chat.reply(ana, "scope: everyone in the EU")
    await chat.reply(bo, "scope: only new users")
    await chat.command(
        bo, "feedback ana problem=3 communication=4 strength: clear goal improve: add numbers"
    )
    await chat.command(ana, "feedback bo data=2 strength: sharp users improve: say why")

    rows = csv_dicts(await chat.command(ana, "export"))
    by_kind: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    assert set(by_kind) >= {
        "profile",
        "answer",
        "feedback_given",
        "feedback_received",
        "streak",
        "points",
    }
    [profile] = by_kind["profile"]
    assert profile["text"] == "ana"
    [answer] = by_kind["answer"]
    assert (answer["round"], answer["stage"], answer["text"]) == (
        "1",
        "scope",
        "everyone in the EU",
    )
    [given] = by_kind["feedback_given"]
    assert given["other_member"] == "bo" and given["detail"] == "data=2"
    assert (given["strength"], given["improvement"]) == ("sharp users", "say why")
    [received] = by_kind["feedback_received"]
    assert received["other_member"] == "bo"
    assert received["detail"] == "problem=3; communication=4"
    assert (received["strength"], received["improvement"]) == ("clear goal", "add numbers")
    [streak] = by_kind["streak"]
    assert "current=1" in streak["detail"] and "longest=1" in streak["detail"]
    assert sorted(r["detail"] for r in by_kind["points"]) == ["answer", "review", "stage"]
    for row in by_kind["points"]:
        assert row["round"] == "1" and row["date"] == "2026-11-23" and row["at"]
    assert sum(int(r["points"]) for r in by_kind["points"]) == 5 + 2 + 3


async def test_forgetting_one_member_leaves_a_reviewers_numbers_in_agreement(
    harness: Harness, chat: MemoryChat
) -> None:
    lead = await chat.start_round()
    await chat.command(lead, "next")
    cy, di = chat.member("cy"), chat.member("di")
    await chat.reply(cy, "scope: everyone")
    await chat.reply(di, "scope: only new users")
    await chat.command(cy, "feedback di problem=3 strength: sharp users improve: say why")
    await chat.command(di, "feedback cy problem=2 strength: clear goal improve: add numbers")

    await chat.command(di, "forgetme confirm")

    stats = (await chat.command(cy, "stats")).text
    assert "Feedback given / received: 1 / 0" in stats
    assert "Points here / everywhere: 10 / 10" in stats
    assert re.search(r"1\. cy: 1 reviews?\b", (await chat.command(cy, "lb reviews all")).text)
    assert "1. cy: 10 pts" in (await chat.command(cy, "lb all")).text
    assert "di" not in (await chat.command(cy, "lb all")).text
    mine = csv_dicts(await chat.command(cy, "export"))
    [given] = [r for r in mine if r["kind"] == "feedback_given"]
    assert given["other_member"] == "(forgotten member)"
    assert given["strength"] == given["improvement"] == given["detail"] == ""
    assert [r for r in mine if r["kind"] == "feedback_received"] == []
    assert sum(int(r["points"]) for r in mine if r["kind"] == "points") == 10
    channel = csv_dicts(await chat.command(lead, "export channel"))
    assert {r["member"] for r in channel} == {"cy"}
    assert sum(int(r["points"]) for r in channel) == 10
    dump = "\n".join(",".join(r.values()) for r in mine + channel)
    assert "sharp users" not in dump and "only new users" not in dump

    di_again = await chat.command(di, "stats")
    assert "Feedback given / received: 0 / 0" in di_again.text
    assert "Points here / everywhere: 0 / 0" in di_again.text


async def test_an_export_of_a_single_row_says_one_row(chat: MemoryChat) -> None:
    out = await chat.command(chat.member("newcomer"), "export")
    assert "Here is your export (1 row)." in out.text
