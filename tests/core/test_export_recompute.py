"""The channel export, matched and ordered by the database (`exports.channel_sheet`), gives
the rows a plain walk over the answers and point events gives: random histories of answers
(repeated stages, equal times), answer, stage and review points (some whose answer is gone,
some paid in the channel for another channel's round), opted-out members and names a
spreadsheet would run, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot import exports
from bot.kinds import Pacing, PointKind
from bot.models import Answer, Channel, Member, PointEvent, Round, Workspace
from tests.support.harness import make_harness

BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NAMES = ("ana", "=bo", "cy", "-dee")
STAGES = ("scope", "metrics", "data")
KINDS = (PointKind.ANSWER, PointKind.STAGE, PointKind.REVIEW, PointKind.BEST)

minutes = st.integers(min_value=0, max_value=6).map(lambda m: m * 30)
answer_st = st.tuples(st.integers(0, 2), st.integers(0, 3), st.sampled_from(STAGES), minutes)
event_st = st.tuples(
    st.integers(0, 3),  # round: 3 is the other channel's
    st.integers(0, 3),
    st.sampled_from(KINDS),
    st.sampled_from((*STAGES, "", "7")),
    st.integers(1, 5),
    minutes,
)


def reference(answers: list[Any], events: list[Any]) -> list[list[Any]]:
    """The sheet's rows the plain way: each answer event to the member's first answer in
    the round, each stage event to their first answer of that stage, every other event a
    row of its own; rounds in order (no round first), then by time, answers first."""
    answers = sorted(answers, key=lambda a: (a["seq"], a["at"], a["id"]))
    first: dict[tuple[Any, ...], int] = {}
    for i, a in enumerate(answers):
        first.setdefault((a["round"], a["member"]), i)
        first.setdefault((a["round"], a["member"], a["stage"]), i)
    earned = [0] * len(answers)
    others = []
    for e in sorted(events, key=lambda e: (e["at"], e["id"])):
        key = None
        if e["seq"] is not None and e["kind"] == PointKind.ANSWER:
            key = (e["round"], e["member"])
        elif e["seq"] is not None and e["kind"] == PointKind.STAGE:
            key = (e["round"], e["member"], e["subject"])
        if key is not None and key in first:
            earned[first[key]] += e["points"]
        else:
            row = (e["seq"], e["day"], e["prompt"], e["name"], e["kind"], e["at"], e["points"])
            others.append(row)
    rows = [
        (a["seq"], a["day"], a["prompt"], a["name"], a["stage"], a["at"], earned[i])
        for i, a in enumerate(answers)
    ] + others
    rows.sort(key=lambda r: (r[0] or 0, r[5]))
    return [[exports.spreadsheet_safe(c) for c in row] for row in rows]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    answers=st.lists(answer_st, max_size=12),
    events=st.lists(event_st, max_size=14),
    opted_out=st.sets(st.integers(0, 3)),
)
def test_the_channel_export_equals_a_plain_walk(
    database_url: str, answers: list[Any], events: list[Any], opted_out: set[int]
) -> None:
    async def story() -> None:
        harness = await make_harness(database_url)
        try:
            async with harness.kata.sessions.begin() as session:
                ws = Workspace(platform="memory", external_id="W", created_at=BASE)
                session.add(ws)
                await session.flush()
                members = [
                    Member(
                        workspace_id=ws.id,
                        external_id=f"U{i}",
                        display_name=name,
                        opted_out=i in opted_out,
                        created_at=BASE,
                    )
                    for i, name in enumerate(NAMES)
                ]
                channels = [
                    Channel(
                        workspace_id=ws.id,
                        external_id=f"C{i}",
                        skips=[],
                        tag_filter=[],
                        difficulty_filter=[],
                        created_at=BASE,
                    )
                    for i in range(2)
                ]
                session.add_all(members + channels)
                await session.flush()
                rounds = [
                    Round(
                        workspace_id=ws.id,
                        channel_id=channels[0 if r < 3 else 1].id,
                        local_date=date(2026, 11, 2) + timedelta(days=r),
                        seq=r + 1,
                        prompt_key="=p" if r == 1 else f"p{r}",
                        prompt_title="P",
                        pacing=Pacing.MANUAL,
                        drip_minutes=60,
                        created_at=BASE,
                    )
                    for r in range(4)
                ]
                session.add_all(rounds)
                await session.flush()
                shown = {m.id: "(opted out)" if m.opted_out else m.display_name for m in members}
                by_round = {
                    r.id: (r.seq, r.local_date, r.prompt_key, r.channel_id == channels[0].id)
                    for r in rounds
                }
                channel_id = channels[0].id
                for n, (r, m, stage, at) in enumerate(answers):
                    session.add(
                        Answer(
                            workspace_id=ws.id,
                            channel_id=channels[0].id,
                            round_id=rounds[r].id,
                            member_id=members[m].id,
                            stage_key=stage,
                            source="message",
                            message_id=f"m{n}",
                            text="t",
                            created_at=BASE + timedelta(days=r, minutes=at),
                        )
                    )
                seen = set()
                for r, m, kind, subject, points, at in events:
                    if (r, m, kind, subject) in seen:
                        continue
                    seen.add((r, m, kind, subject))
                    session.add(
                        PointEvent(
                            workspace_id=ws.id,
                            channel_id=channels[0].id,
                            member_id=members[m].id,
                            round_id=rounds[r].id,
                            kind=kind,
                            subject=subject,
                            points=points,
                            created_at=BASE + timedelta(days=r, minutes=at),
                        )
                    )
            async with harness.kata.sessions() as session:
                channel = await session.get(Channel, channel_id)
                assert channel is not None
                got = (await exports.channel_sheet(session, channel)).rows
                plain_answers = [
                    {
                        "id": a.id,
                        "round": a.round_id,
                        "member": a.member_id,
                        "stage": a.stage_key,
                        "at": a.created_at,
                        "seq": by_round[a.round_id][0],
                        "day": by_round[a.round_id][1],
                        "prompt": by_round[a.round_id][2],
                        "name": shown[a.member_id],
                    }
                    for a in await session.scalars(select(Answer))
                ]
                plain_events = []
                for e in await session.scalars(select(PointEvent)):
                    seq, day, prompt, own = by_round[e.round_id]
                    plain_events.append(
                        {
                            "id": e.id,
                            "round": e.round_id,
                            "member": e.member_id,
                            "kind": e.kind,
                            "subject": e.subject,
                            "points": e.points,
                            "at": e.created_at,
                            "seq": seq if own else None,
                            "day": day if own else None,
                            "prompt": prompt if own else None,
                            "name": shown[e.member_id],
                        }
                    )
                assert got == reference(plain_answers, plain_events)
        finally:
            await harness.close()

    asyncio.run(story())
