"""What the read-only web page shows, read from the database, and the `/kata web` command
that sends a member a signed link to it.

`WebPages` is all an HTTP adapter needs (it is on the adapters' surface): it checks a link,
reads the page or draws one of its pictures, and says why it refuses. The adapter only turns
that into HTML and HTTP.

Everything is scoped by the link's workspace (and channel): a channel of another workspace is
"not found", never shown. Boards come from `bot.leaderboard`, so members who opted out are
absent here as they are in chat; the archive names no member at all.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import leaderboard, picture_data
from bot.chat import OutgoingMessage, Picture, Section, text_message
from bot.context import Deps
from bot.models import Answer, Channel, Feedback, FeedbackScore, Round
from bot.pictures import bars, heatmap, radar
from bot.pictures.canvas import draw_later
from bot.web_links import Link, LinkRefused, LinkSigner, load_secret

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.commands.registry import Invocation
    from bot.content import Rubric
    from bot.settings import Settings
    from bot.unit import Unit

__all__ = ["PICTURE_NAMES", "Deps", "PageView", "Refused", "WebPages", "mount", "web_link"]

ARCHIVE_ROUNDS = 60
CLOSED_WEEKS = 8
CLOSED_MONTHS = 6
BOARD_TITLES = {"points": "Points", "streak": "Current streak", "reviews": "Reviews given"}
PERIOD_TITLES = {"week": "This week", "month": "This month", "all": "All time"}


@dataclass(frozen=True)
class Board:
    kind: leaderboard.Board
    period: leaderboard.Period
    title: str
    rows: list[leaderboard.Row]


@dataclass(frozen=True)
class PastRound:
    seq: int
    day: date
    prompt: str
    channel: str
    answers: int


@dataclass(frozen=True)
class ClosedPeriod:
    title: str
    leaders: list[leaderboard.Row]


@dataclass(frozen=True)
class Page:
    title: str
    channel: Channel | None
    channels: list[Channel]
    boards: list[Board]
    rounds: list[PastRound]
    periods: list[ClosedPeriod] = field(default_factory=list)


def channel_label(channel: Channel) -> str:
    return f"#{channel.name}" if channel.name else f"channel {channel.external_id}"


async def scope_of(session: AsyncSession, link: Link) -> tuple[list[Channel], Channel | None]:
    """The workspace's practice channels and the link's own channel; LookupError when the
    link's channel is not one of this workspace's."""
    channels = list(
        (
            await session.scalars(
                select(Channel)
                .where(Channel.workspace_id == link.workspace_id)
                .order_by(Channel.name, Channel.id)
            )
        ).all()
    )
    if link.channel_id is None:
        return channels, None
    found = next((c for c in channels if c.id == link.channel_id), None)
    if found is None:
        raise LookupError("no such channel in this workspace")
    return channels, found


def zone_of(channel: Channel | None) -> ZoneInfo:
    return ZoneInfo(channel.timezone if channel is not None else "UTC")


async def board(
    session: AsyncSession,
    link: Link,
    channel: Channel | None,
    kind: leaderboard.Board,
    period: leaderboard.Period,
    now: datetime,
) -> Board:
    rows = await leaderboard.board(
        session, link.workspace_id, link.channel_id, kind, period, now, zone_of(channel)
    )
    when = "" if kind == "streak" else f": {PERIOD_TITLES[period].lower()}"
    return Board(kind, period, f"{BOARD_TITLES[kind]}{when}", rows)


async def page(session: AsyncSession, link: Link, now: datetime) -> Page:
    """The whole page for `link`; LookupError when its channel is not in its workspace."""
    channels, channel = await scope_of(session, link)
    boards = [await board(session, link, channel, "points", p, now) for p in leaderboard.PERIODS]
    boards.append(await board(session, link, channel, "streak", "all", now))
    boards.append(await board(session, link, channel, "reviews", "all", now))
    rounds = await past_rounds(session, link, {c.id: c for c in channels})
    periods = await closed_periods(session, link, channel, now)
    title = channel_label(channel) if channel is not None else "Every channel"
    return Page(title, channel, channels, boards, rounds, periods)


async def past_rounds(
    session: AsyncSession, link: Link, channels: dict[int, Channel]
) -> list[PastRound]:
    answers = (
        select(func.count(Answer.id))
        .where(Answer.round_id == Round.id)
        .correlate(Round)
        .scalar_subquery()
    )
    query = (
        select(Round.seq, Round.local_date, Round.prompt_title, Round.channel_id, answers)
        .where(Round.workspace_id == link.workspace_id, Round.posted_at.is_not(None))
        .order_by(Round.local_date.desc(), Round.channel_id)
        .limit(ARCHIVE_ROUNDS)
    )
    if link.channel_id is not None:
        query = query.where(Round.channel_id == link.channel_id)
    return [
        PastRound(seq, day, prompt, channel_label(channels[cid]) if cid in channels else "", n)
        for seq, day, prompt, cid, n in (await session.execute(query)).all()
    ]


async def closed_periods(
    session: AsyncSession, link: Link, channel: Channel | None, now: datetime
) -> list[ClosedPeriod]:
    """The leaders of the last weeks and months that had rounds and are over."""
    zone = zone_of(channel)
    today = now.astimezone(zone).date()
    query = (
        select(Round.local_date)
        .distinct()
        .where(
            Round.workspace_id == link.workspace_id,
            Round.posted_at.is_not(None),
            Round.local_date < today,
        )
    )
    if link.channel_id is not None:
        query = query.where(Round.channel_id == link.channel_id)
    days = sorted(set((await session.scalars(query)).all()), reverse=True)
    this_week = today - timedelta(days=today.weekday())
    weeks = sorted({d - timedelta(days=d.weekday()) for d in days if d < this_week}, reverse=True)
    months = sorted({d.replace(day=1) for d in days if d < today.replace(day=1)}, reverse=True)
    out: list[ClosedPeriod] = []
    for start in weeks[:CLOSED_WEEKS]:
        leaders = await _leaders(session, link, "week", start, zone)
        out.append(ClosedPeriod(f"Week of {start:%a %d %b %Y}", leaders))
    for start in months[:CLOSED_MONTHS]:
        leaders = await _leaders(session, link, "month", start, zone)
        out.append(ClosedPeriod(f"{start:%B %Y}", leaders))
    return out


async def _leaders(
    session: AsyncSession, link: Link, period: leaderboard.Period, start: date, zone: ZoneInfo
) -> list[leaderboard.Row]:
    noon = datetime(start.year, start.month, start.day, 12, tzinfo=zone).astimezone(UTC)
    return await leaderboard.board(
        session, link.workspace_id, link.channel_id, "points", period, noon, zone, 3
    )


WORKSPACE_LABEL = "every channel"
MARK_RANK: dict[heatmap.Mark, int] = {"answered": 3, "reviewed": 3, "missed": 2, "excused": 1}
"""A workspace day shows its best channel: a round someone answered wins over one nobody did,
which wins over a skipped day."""


async def calendar(
    session: AsyncSession, link: Link, now: datetime
) -> tuple[dict[date, heatmap.Mark], date, str]:
    """The channel's calendar (a round someone answered, one nobody did, skipped days); for
    the workspace, every channel's days laid over each other."""
    channels, channel = await scope_of(session, link)
    if channel is not None:
        today = picture_data.local_today(channel, now)
        marks = await picture_data.channel_calendar(session, channel, today)
        return marks, today, channel_label(channel)
    today = now.astimezone(UTC).date()
    merged: dict[date, heatmap.Mark] = {}
    for each in channels:
        if not each.configured:
            continue
        for day, mark in (await picture_data.channel_calendar(session, each, today)).items():
            if day not in merged or MARK_RANK[mark] > MARK_RANK[merged[day]]:
                merged[day] = mark
    return merged, today, WORKSPACE_LABEL


async def channel_spokes(
    session: AsyncSession, link: Link, rubric: Rubric
) -> tuple[list[radar.Spoke], str]:
    """A channel's average received level per signal against its workspace's; LookupError
    on the workspace page, which has no channel to compare."""
    _, channel = await scope_of(session, link)
    if channel is None:
        raise LookupError("the radar is a channel's")
    everywhere = (
        select(FeedbackScore.signal, func.avg(FeedbackScore.level))
        .join(Feedback, Feedback.id == FeedbackScore.feedback_id)
        .where(Feedback.workspace_id == link.workspace_id, Feedback.reviewee_id.is_not(None))
        .group_by(FeedbackScore.signal)
    )
    here = everywhere.where(
        Feedback.round_id.in_(select(Round.id).where(Round.channel_id == channel.id))
    )
    workspace = {k: float(v) for k, v in (await session.execute(everywhere)).all()}
    own = {k: float(v) for k, v in (await session.execute(here)).all()}
    titles = {signal.key: signal.title for signal in rubric.signals}
    return radar.spokes_for(titles, own, workspace), channel_label(channel)


async def web_link(unit: Unit, inv: Invocation) -> OutgoingMessage:
    """`web` (this channel's page) or `web workspace` (every channel's)."""
    signer = unit.deps.web_links
    if signer is None:
        return text_message(
            "The web page is not switched on for this bot: whoever runs it sets "
            "KATA_PUBLIC_URL and serves the bot's HTTP port (see the README)."
        )
    everywhere = inv.parsed.spec.subcommand(inv.parsed) is not None
    channel = None if everywhere else await unit.find_channel()
    workspace_id = await unit.find_workspace_id()
    if workspace_id is None or (channel is None and not everywhere):
        return text_message(
            "This channel has no practice yet, so there is no page for it. Try "
            "/kata web workspace for every channel, or /kata setup here first."
        )
    link = signer.new_link(workspace_id, None if channel is None else channel.id, unit.now)
    what = "every channel of this workspace" if channel is None else channel_label(channel)
    return OutgoingMessage(
        title="Your link to the boards on the web",
        sections=(
            Section(text=signer.url(link)),
            Section(
                text=(
                    f"Boards, past rounds and pictures for {what}, read-only. The link works "
                    f"until {link.expires:%a %d %b %Y %H:%M} UTC for anyone who has it, so "
                    "keep it within your team."
                )
            ),
        ),
    )


# ---------------------------------------------------------------- for the HTTP adapter

PERIOD_OF: dict[str, leaderboard.Period] = {f"points-{p}": p for p in leaderboard.PERIODS}
PICTURE_NAMES = ("calendar", "rubric", *PERIOD_OF)
CACHE_SIZE = 128


@dataclass(frozen=True)
class Refused:
    """`forged`, `expired`, or `elsewhere` (a channel outside the link's workspace)."""

    reason: str


@dataclass(frozen=True)
class Chart:
    """A picture on the page: its address (`<name>.png` beside the page), alt text, title."""

    name: str
    alt: str
    title: str
    size: tuple[int, int] | None = None


@dataclass(frozen=True)
class PageView:
    page: Page
    charts: list[Chart]
    query: str
    """The link's proof, for the page's own picture and channel addresses."""
    path: str
    channel_links: list[tuple[str, str]]
    """Workspace pages: each channel's label and relative address, signed like this link."""
    expires: datetime
    now: datetime


def chart_bars(board: Board) -> list[bars.Bar]:
    return [bars.Bar(r.name, r.value) for r in board.rows]


class WebPages:
    def __init__(self, deps: Deps, signer: LinkSigner) -> None:
        self.deps = deps
        self.signer = signer
        self._drawn: OrderedDict[tuple[object, ...], Picture] = OrderedDict()

    @property
    def rubric(self) -> Rubric:
        return self.deps.content.framework.rubric

    def _link(self, workspace: str, scope: str, until: str | None, sig: str | None) -> Link:
        return self.signer.verify(workspace, scope, until, sig, self.deps.clock.now())

    async def view(
        self, workspace: str, scope: str, until: str | None, sig: str | None
    ) -> PageView | Refused:
        try:
            link = self._link(workspace, scope, until, sig)
        except LinkRefused as refused:
            return Refused(refused.reason)
        now = self.deps.clock.now()
        async with self.deps.sessions() as session:
            try:
                shown = await page(session, link, now)
            except LookupError:
                return Refused("elsewhere")
            charts: list[Chart] = []
            marks, today, label = await calendar(session, link, now)
            alt = heatmap.alt_text(marks, today, label)
            size = (heatmap.WIDTH, heatmap.HEIGHT)
            whose = "The channel's" if shown.channel is not None else "Every channel's"
            charts.append(Chart("calendar", alt, f"{whose} last 52 weeks", size))
            if shown.channel is not None:
                spokes, label = await channel_spokes(session, link, self.rubric)
                if any(s.member is not None for s in spokes):
                    alt = radar.alt_text(spokes, label, "workspace")
                    title = "Average review scores, against the workspace"
                    charts.append(Chart("rubric", alt, title, (radar.WIDTH, radar.HEIGHT)))
        for b in shown.boards:
            if b.kind == "points":
                alt = bars.alt_text(b.title, chart_bars(b))
                charts.append(Chart(f"points-{b.period}", alt, b.title))
        links = []
        if shown.channel is None:
            for channel in shown.channels:
                to = Link(link.workspace_id, str(channel.id), link.expires)
                links.append((channel_label(channel), f"{to.path()}?{self.signer.query(to)}"))
        query = self.signer.query(link)
        return PageView(shown, charts, query, link.path(), links, link.expires, now)

    async def picture(
        self, workspace: str, scope: str, until: str | None, sig: str | None, name: str
    ) -> Picture | Refused:
        """One of the page's pictures; the same data drawn twice is drawn once."""
        try:
            link = self._link(workspace, scope, until, sig)
        except LinkRefused as refused:
            return Refused(refused.reason)
        if name not in PICTURE_NAMES:
            return Refused("forged")
        now = self.deps.clock.now()
        render: Callable[[], Picture]
        async with self.deps.sessions() as session:
            try:
                if name == "calendar":
                    marks, today, label = await calendar(session, link, now)
                    key: tuple[object, ...] = (name, label, today, tuple(sorted(marks.items())))
                    render = functools.partial(heatmap.draw, marks, today, label)
                elif name == "rubric":
                    spokes, label = await channel_spokes(session, link, self.rubric)
                    key = (name, label, tuple(spokes))
                    render = functools.partial(radar.draw, spokes, label, radar.CHANNEL_LEGEND)
                else:
                    _, channel = await scope_of(session, link)
                    shown = await board(session, link, channel, "points", PERIOD_OF[name], now)
                    drawn_bars = chart_bars(shown)
                    key = (name, shown.title, tuple(drawn_bars))
                    render = functools.partial(bars.draw, shown.title, drawn_bars, f"{name}.png")
            except LookupError:
                return Refused("elsewhere")
        picture = self._drawn.get(key)
        if picture is None:
            picture = await draw_later(render)
            self._drawn[key] = picture
            while len(self._drawn) > CACHE_SIZE:
                self._drawn.popitem(last=False)
        self._drawn.move_to_end(key)
        return picture


def mount(deps: Deps, settings: Settings) -> WebPages:
    """The web page's core side, from settings; `/kata web` hands out links once
    `KATA_PUBLIC_URL` says where members reach the page (a 127.0.0.1 link opens for nobody
    else, so without it the command says the page is off)."""
    secret = load_secret(settings.kata_web_secret, settings.kata_web_secret_file)
    signer = LinkSigner(secret, settings.kata_public_url or f"http://127.0.0.1:{settings.port}")
    if settings.kata_public_url:
        deps.web_links = signer
    return WebPages(deps, signer)
