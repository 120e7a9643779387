"""Every board the database ranks is the board a plain recompute from the rows gives.

Random histories (members with clashing names and opt-outs, two channels in different time
zones, points, reviews and streaks on both sides of period boundaries and of the autumn
daylight-saving changes, a second workspace) are stored, then each board, in every period and
scope, and the App Home's per-channel weekly boards are compared with a recompute in Python,
on SQLite and PostgreSQL. In half the histories the workspace weeks and months are kept by
the database (`bot.board_periods`) part-way through: rows written before are filled in,
rows written, moved and deleted after are kept by the triggers.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import leaderboard, streaks
from bot.kinds import Pacing, PointKind
from bot.models import Channel, Feedback, Member, PointEvent, Round, Streak, Workspace
from tests.support.harness import make_harness

BASE = datetime(2026, 10, 19, 0, 0, tzinfo=UTC)
"""A Monday: the histories span Berlin's (25 Oct) and New York's (1 Nov) clock changes."""
ZONES = ("UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York")
NAMES = ("ana", "Ana", "bo", "BO", "Straße", "strasse", "Émile", "zed")
ROUNDS = 6


@dataclass(frozen=True)
class History:
    names: list[tuple[str, bool]]
    """(display name, opted out) of each member of the first workspace."""
    zones: tuple[str, str]
    events: list[tuple[int, int, int, int, int]]
    """(channel index, member index, round seq, points, minutes after BASE)."""
    reviews: list[tuple[int, int, int, int, int]]
    """(channel index, reviewer, reviewee, round seq, minutes after BASE)."""
    answered: dict[tuple[int, int], frozenset[int]]
    """(channel index, member index) -> round seqs answered, for the streak rows."""
    posted: tuple[int, int]
    """How many of each channel's rounds were posted (the rest have no thread yet)."""
    now_minutes: int
    limit: int
    taken_back: frozenset[int] = frozenset()
    """Indexes of events and reviews deleted again (a deleted answer, `forgetme`)."""
    kept_after: int | None = None
    """Workspace periods registered after this many events and reviews (None: never)."""
    moved: tuple[tuple[int, int, int], ...] = ()
    """(event index, new minutes after BASE, new points): events changed after they were
    written."""

    def event_at(self, n: int) -> tuple[int, int]:
        """Event `n`'s (points, minutes) once every change is made."""
        points, minutes = self.events[n][3], self.events[n][4]
        for index, new_minutes, new_points in self.moved:
            if index == n:
                points, minutes = new_points, new_minutes
        return points, minutes


MINUTES = st.integers(min_value=0, max_value=60 * 24 * 45)


@st.composite
def histories(draw: st.DrawFn) -> History:
    names = draw(st.lists(st.tuples(st.sampled_from(NAMES), st.booleans()), min_size=1, max_size=7))
    members = st.integers(min_value=0, max_value=len(names) - 1)
    channels = st.integers(min_value=0, max_value=1)
    seqs = st.integers(min_value=1, max_value=ROUNDS)
    events = draw(
        st.lists(
            st.tuples(channels, members, seqs, st.integers(min_value=1, max_value=5), MINUTES),
            max_size=30,
        )
    )
    reviews = draw(
        st.lists(st.tuples(channels, members, members, seqs, MINUTES), max_size=15).map(
            lambda rs: list({(c, a, b, s): m for c, a, b, s, m in rs if a != b}.items())
        )
    )
    answered = draw(
        st.dictionaries(
            st.tuples(channels, members),
            st.frozensets(seqs, min_size=1),
            max_size=10,
        )
    )
    return History(
        names=names,
        zones=(draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))),
        events=events,
        reviews=[(c, a, b, s, m) for (c, a, b, s), m in reviews],
        answered=answered,
        posted=(
            draw(st.integers(min_value=0, max_value=ROUNDS)),
            draw(st.integers(min_value=0, max_value=ROUNDS)),
        ),
        now_minutes=draw(MINUTES),
        limit=draw(st.integers(min_value=1, max_value=5)),
        taken_back=draw(st.frozensets(st.integers(min_value=0, max_value=30), max_size=6)),
        kept_after=draw(st.none() | st.integers(min_value=0, max_value=30)),
        moved=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.integers(min_value=0, max_value=29),
                        MINUTES,
                        st.integers(min_value=1, max_value=5),
                    ),
                    max_size=4,
                )
            )
        ),
    )


@dataclass
class Stored:
    workspace_id: int
    member_ids: list[int]
    channel_ids: list[int]


async def store(session, history: History) -> Stored:
    """The history as rows, plus a second workspace whose rows must never show."""
    ids: list[int] = []
    stored: Stored | None = None
    for ws_index in range(2):
        ws = Workspace(platform="memory", external_id=f"W{ws_index}", created_at=BASE)
        session.add(ws)
        await session.flush()
        names = history.names if ws_index == 0 else [("intruder", False)] * len(history.names)
        members = [
            Member(
                workspace_id=ws.id,
                external_id=f"U{i}",
                display_name=name,
                opted_out=opted_out,
                created_at=BASE,
            )
            for i, (name, opted_out) in enumerate(names)
        ]
        channels = [
            Channel(
                workspace_id=ws.id,
                external_id=f"C{i}",
                configured=True,
                timezone=zone,
                skips=[],
                tag_filter=[],
                difficulty_filter=[],
                created_at=BASE,
            )
            for i, zone in enumerate(history.zones)
        ]
        session.add_all(members + channels)
        await session.flush()
        rounds: dict[tuple[int, int], Round] = {}
        for c, channel in enumerate(channels):
            for seq in range(1, ROUNDS + 1):
                rounds[c, seq] = Round(
                    workspace_id=ws.id,
                    channel_id=channel.id,
                    local_date=date(2026, 11, 1) + timedelta(days=seq),
                    seq=seq,
                    prompt_key="p",
                    prompt_title="P",
                    thread_id=f"{ws_index}.{c}.{seq}" if seq <= history.posted[c] else None,
                    pacing=Pacing.MANUAL,
                    drip_minutes=60,
                    created_at=BASE,
                )
        session.add_all(rounds.values())
        await session.flush()
        paid: list[PointEvent | Feedback] = []
        for n, (c, m, seq, points, minutes) in enumerate(history.events):
            paid.append(
                PointEvent(
                    workspace_id=ws.id,
                    channel_id=channels[c].id,
                    member_id=members[m].id,
                    round_id=rounds[c, seq].id,
                    kind=PointKind.STAGE,
                    subject=str(n),
                    points=points,
                    created_at=BASE + timedelta(minutes=minutes),
                )
            )
        for c, reviewer, reviewee, seq, minutes in history.reviews:
            at = BASE + timedelta(minutes=minutes)
            paid.append(
                Feedback(
                    workspace_id=ws.id,
                    round_id=rounds[c, seq].id,
                    reviewer_id=members[reviewer].id,
                    reviewee_id=members[reviewee].id,
                    created_at=at,
                    updated_at=at,
                )
            )
        split = len(paid) if history.kept_after is None else min(history.kept_after, len(paid))
        session.add_all(paid[:split])
        await session.flush()
        if history.kept_after is not None:
            await keep_every_period(session, ws.id, history)
        session.add_all(paid[split:])
        await session.flush()
        for index, new_minutes, new_points in history.moved:
            if index < len(history.events):
                event = paid[index]
                assert isinstance(event, PointEvent)
                event.created_at = BASE + timedelta(minutes=new_minutes)
                event.points = new_points
                await session.flush()
        for n in history.taken_back:
            if n < len(history.events):
                await session.delete(paid[n])
            if n < len(history.reviews):
                await session.delete(paid[len(history.events) + n])
        for (c, m), seqs in history.answered.items():
            state = streaks.recompute(seqs)
            session.add(
                Streak(
                    workspace_id=ws.id,
                    channel_id=channels[c].id,
                    member_id=members[m].id,
                    current=state.current,
                    longest=state.longest,
                    freezes=state.freezes,
                    freezes_used=state.freezes_used,
                    last_seq=state.last_seq,
                )
            )
        await session.flush()
        ids = [m.id for m in members]
        if stored is None:
            stored = Stored(ws.id, ids, [c.id for c in channels])
    assert stored is not None
    return stored


async def keep_every_period(session, workspace_id: int, history: History) -> None:
    """Register every week and month of the histories' span in both channels' zones, as a
    workspace board asked each week would."""
    for zone in {*history.zones}:
        for week in range(0, 8):
            await leaderboard.board(
                session,
                workspace_id,
                None,
                "points",
                "week",
                BASE + timedelta(days=7 * week - 3),
                ZoneInfo(zone),
                register=True,
            )


def expected_board(
    history: History,
    stored: Stored,
    kind: leaderboard.Board,
    period: leaderboard.Period,
    channel: int | None,
    now: datetime,
    zone: ZoneInfo,
    limit: int,
) -> list[leaderboard.Row]:
    """The board worked out from the history alone, the plain way."""
    start, end = leaderboard.period_bounds(period, now, zone)

    def in_period(minutes: int) -> bool:
        at = BASE + timedelta(minutes=minutes)
        return start is None or end is None or start <= at < end

    values: dict[int, int] = defaultdict(int)
    if kind == "points":
        for n, (c, m, _seq, _points, _minutes) in enumerate(history.events):
            if n in history.taken_back:
                continue
            points, minutes = history.event_at(n)
            if (channel is None or c == channel) and in_period(minutes):
                values[m] += points
    elif kind == "reviews":
        for n, (c, reviewer, _reviewee, _seq, minutes) in enumerate(history.reviews):
            if n in history.taken_back:
                continue
            if (channel is None or c == channel) and in_period(minutes):
                values[reviewer] += 1
    else:
        for (c, m), seqs in history.answered.items():
            if channel is None or c == channel:
                latest = history.posted[c] or None
                shown = streaks.shown(streaks.recompute(seqs), latest).current
                values[m] = max(values[m], shown)
    visible = [
        (value, history.names[m][0].casefold(), stored.member_ids[m], history.names[m][0])
        for m, value in values.items()
        if value > 0 and not history.names[m][1]
    ]
    visible.sort(key=lambda v: (-v[0], v[1], v[2]))
    rows: list[leaderboard.Row] = []
    for i, (value, _key, member_id, name) in enumerate(visible[:limit]):
        rank = rows[-1].rank if rows and rows[-1].value == value else i + 1
        rows.append(leaderboard.Row(rank, member_id, name, value))
    return rows


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(histories())
def test_every_board_equals_a_recompute_from_the_rows(database_url: str, history: History) -> None:
    async def story() -> None:
        harness = await make_harness(database_url)
        try:
            async with harness.kata.sessions.begin() as session:
                stored = await store(session, history)
            now = BASE + timedelta(minutes=history.now_minutes)
            async with harness.kata.sessions() as session:
                for c, channel_id in [(None, None), *enumerate(stored.channel_ids)]:
                    zone = ZoneInfo(history.zones[c or 0])
                    for kind in leaderboard.BOARDS:
                        for period in leaderboard.PERIODS:
                            got = await leaderboard.board(
                                session,
                                stored.workspace_id,
                                channel_id,
                                kind,
                                period,
                                now,
                                zone,
                                history.limit,
                            )
                            want = expected_board(
                                history, stored, kind, period, c, now, zone, history.limit
                            )
                            assert got == want, (kind, period, c)
                weekly = await leaderboard.weekly_points_by_channel(
                    session,
                    stored.workspace_id,
                    [
                        (cid, ZoneInfo(z))
                        for cid, z in zip(stored.channel_ids, history.zones, strict=True)
                    ],
                    now,
                    history.limit,
                )
                for c, channel_id in enumerate(stored.channel_ids):
                    zone = ZoneInfo(history.zones[c])
                    assert weekly[channel_id] == expected_board(
                        history, stored, "points", "week", c, now, zone, history.limit
                    )
        finally:
            await harness.close()

    asyncio.run(story())
