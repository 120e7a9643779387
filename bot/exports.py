"""The CSV files behind `export` and `export channel`.

Every cell goes through `spreadsheet_safe`: display names and answers are typed by members,
and a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula. Such cells get a leading `'` (OWASP's advice for CSV injection), which
spreadsheets show as plain text and which keeps the rest of the text as it was.

The personal export is one CSV a spreadsheet opens, one row per stored fact; its `kind`
column says what the row is (see `MEMBER_COLUMNS`).
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot import away, streaks
from bot.content import Rubric
from bot.kinds import PointKind
from bot.models import (
    Answer,
    BestVote,
    Channel,
    CustomPrompt,
    Feedback,
    Member,
    ModelAnswer,
    NudgeSent,
    PointEvent,
    PromptSuggestion,
    ReviewAssignment,
    Round,
    Streak,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORGOTTEN = "(forgotten member)"
CHANNEL_COLUMNS = ("round", "date", "prompt", "member", "stage", "at", "points")
MEMBER_COLUMNS = (
    "kind",
    "round",
    "date",
    "prompt",
    "stage",
    "at",
    "text",
    "channel",
    "other_member",
    "detail",
    "strength",
    "improvement",
    "points",
)
"""Kinds: `profile` (text: display name), `answer`, `feedback_given` and `feedback_received`
(other_member, detail: rubric scores, strength, improvement), `streak` (detail), `points`
(detail: answer, stage, review or best), `prompt_added` and `channel_setup`; `vote_given`
(other_member: whom you voted best), `votes_received` (detail: how many, never by whom),
`model_answer` (text) and `prompt_suggestion` (detail: its status); `away` (date: the first
away day, detail: the last), `nudges` (detail: off, only when turned off) and `nudge` (a
reminder or streak nudge sent about a round, detail: which); `review_assigned`
(other_member: whom you were asked to review, detail: the deadline) and `reviewer_assigned`
(other_member: who was asked to review you)."""

Cell = str | int | date | datetime | None


def spreadsheet_safe(value: Cell) -> str | int:
    """One cell as text no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    text = value.isoformat() if isinstance(value, date) else value
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@dataclass
class Sheet:
    columns: tuple[str, ...]
    rows: list[list[str | int]] = field(default_factory=list)

    def add(self, **cells: Cell) -> None:
        unknown = set(cells) - set(self.columns)
        assert not unknown, unknown
        self.rows.append([spreadsheet_safe(cells.get(c)) for c in self.columns])

    def encode(self) -> bytes:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buf.getvalue().encode()


def file_name(prefix: str, who: str, now: datetime) -> str:
    """Unique per member (or channel) and second, and safe on every file system."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", who).strip("-")[:40] or "member"
    return f"{prefix}-{slug}-{now:%Y%m%d-%H%M%S}.csv"


async def channel_sheet(session: AsyncSession, channel: Channel) -> Sheet:
    """One row per answer with the points it earned (the answer bonus on a member's first
    answer in a round, stage points on the first answer of each stage), plus one row per
    other point event (reviews, best answers, and any event whose answer is gone); the
    points column adds up to each member's points in the channel. Rounds in order (rows of
    no round first), then by time, answers before other events at the same moment.

    One statement gives the rows as the sheet shows them, matched and ordered by the
    database: the sheet's cost is reading its rows into Python (a busy channel has about
    1,300, from 1,100 answers and 1,800 point events), not the SQL. Names of the members
    paid are probes of one row each: joined, PostgreSQL hashes every member of the
    workspace. The cells are made spreadsheet-safe in a worker thread."""
    sheet = Sheet(CHANNEL_COLUMNS)
    rows = (await session.execute(_channel_rows_query(), {"channel_id": channel.id})).all()
    sheet.rows = await asyncio.to_thread(_safe_rows, rows)
    return sheet


@functools.cache
def _channel_rows_query() -> Select[Any]:
    """(part, id, round, date, prompt, member, stage or kind, at, points): the channel
    sheet's rows in order, for the channel bound as `channel_id`. Built once: putting
    this statement together took longer than SQLite took to run it for a busy channel."""
    channel_id = bindparam("channel_id", type_=Integer)

    def name_of(member_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[str]:
        """The member's name as the sheet shows it, a probe of one row."""
        shown = case((Member.opted_out, "(opted out)"), else_=Member.display_name)
        return select(shown).where(Member.id == member_id).scalar_subquery()

    answers = (
        select(
            Answer.id,
            Answer.round_id,
            Answer.member_id,
            Answer.stage_key,
            Answer.created_at,
            Round.seq,
            Round.local_date,
            Round.prompt_key,
            func.row_number()
            .over(
                partition_by=(Answer.round_id, Answer.member_id),
                order_by=(Answer.created_at, Answer.id),
            )
            .label("nth"),
            func.row_number()
            .over(
                partition_by=(Answer.round_id, Answer.member_id, Answer.stage_key),
                order_by=(Answer.created_at, Answer.id),
            )
            .label("nth_of_stage"),
        )
        .join(Round, Round.id == Answer.round_id)
        .where(Round.channel_id == channel_id)
        .subquery()
    )

    def paid(kind: PointKind, *also: ColumnElement[bool]) -> ColumnElement[Any]:
        """The channel's `kind` points of the answer's member in its round."""
        return (
            select(func.sum(PointEvent.points))
            .where(
                PointEvent.round_id == answers.c.round_id,
                PointEvent.member_id == answers.c.member_id,
                PointEvent.kind == kind,
                PointEvent.channel_id == channel_id,
                *also,
            )
            .scalar_subquery()
        )

    earned = func.coalesce(case((answers.c.nth == 1, paid(PointKind.ANSWER))), 0) + func.coalesce(
        case(
            (
                answers.c.nth_of_stage == 1,
                paid(PointKind.STAGE, PointEvent.subject == answers.c.stage_key),
            )
        ),
        0,
    )
    answer_rows = select(
        literal(0).label("part"),
        answers.c.id.label("n"),
        answers.c.seq.label("seq"),
        answers.c.local_date.label("day"),
        answers.c.prompt_key.label("prompt"),
        name_of(answers.c.member_id).label("name"),
        answers.c.stage_key.label("what"),
        answers.c.created_at.label("at"),
        earned.label("points"),
    )
    answered = (
        select(Answer.id)
        .where(Answer.round_id == PointEvent.round_id, Answer.member_id == PointEvent.member_id)
        .correlate(PointEvent)
    )
    matched = Round.seq.is_not(None) & (
        ((PointEvent.kind == PointKind.ANSWER) & answered.exists())
        | (
            (PointEvent.kind == PointKind.STAGE)
            & answered.where(Answer.stage_key == PointEvent.subject).exists()
        )
    )
    other_rows = (
        select(
            literal(1),
            PointEvent.id,
            Round.seq,
            Round.local_date,
            Round.prompt_key,
            name_of(PointEvent.member_id),
            cast(PointEvent.kind, String),
            PointEvent.created_at,
            PointEvent.points,
        )
        .outerjoin(Round, (Round.id == PointEvent.round_id) & (Round.channel_id == channel_id))
        .where(PointEvent.channel_id == channel_id, ~matched)
    )
    rows = union_all(answer_rows, other_rows).subquery()
    return select(
        rows.c.seq, rows.c.day, rows.c.prompt, rows.c.name, rows.c.what, rows.c.at, rows.c.points
    ).order_by(func.coalesce(rows.c.seq, 0), rows.c.at, rows.c.part, rows.c.n)


def _safe_rows(rows: Sequence[Any]) -> list[list[str | int]]:
    """Every cell spreadsheet-safe (`spreadsheet_safe`, by column: a round or points is a
    number or nothing, a date or time never starts like a formula, the rest is text): pure
    Python over about 9,000 cells, run in a worker thread so the event loop keeps serving."""

    def text(value: str | None) -> str:
        if value is None:
            return ""
        return "'" + value if value.startswith(FORMULA_TRIGGERS) else value

    return [
        [
            "" if seq is None else seq,
            "" if day is None else day.isoformat(),
            text(prompt),
            text(name),
            text(what),
            "" if at is None else at.isoformat(),
            "" if points is None else points,
        ]
        for seq, day, prompt, name, what, at, points in rows
    ]


async def member_sheet(session: AsyncSession, member: Member, rubric: Rubric) -> Sheet:
    """Everything stored about one member in their workspace, one fact a row."""
    sheet = Sheet(MEMBER_COLUMNS)
    ws = member.workspace_id
    names = await _channel_names(session, ws)
    sheet.add(
        kind="profile",
        at=member.created_at,
        text=member.display_name,
        detail=f"id={member.external_id}; opted_out={'yes' if member.opted_out else 'no'}",
    )
    set_up = await session.scalars(select(Channel.id).where(Channel.setup_by_id == member.id))
    for channel_id in set_up.all():
        sheet.add(kind="channel_setup", channel=names[channel_id], detail="you ran setup here")
    answers = await session.execute(
        select(Answer, Round)
        .join(Round, Round.id == Answer.round_id)
        .where(Answer.member_id == member.id, Answer.workspace_id == ws)
        .order_by(Answer.created_at, Answer.id)
    )
    for answer, rnd in answers.all():
        edited = f"edited {answer.edited_at.isoformat()}" if answer.edited_at else None
        sheet.add(
            kind="answer",
            **_round_cells(rnd, names),
            stage=answer.stage_key,
            at=answer.created_at,
            text=answer.text,
            detail=edited,
        )
    other = aliased(Member)
    for kind, mine, theirs in (
        ("feedback_given", Feedback.reviewer_id, Feedback.reviewee_id),
        ("feedback_received", Feedback.reviewee_id, Feedback.reviewer_id),
    ):
        rows = await session.execute(
            select(Feedback, Round, other.display_name)
            .join(Round, Round.id == Feedback.round_id)
            .outerjoin(other, other.id == theirs)
            .where(mine == member.id, Feedback.workspace_id == ws)
            .order_by(Feedback.created_at, Feedback.id)
        )
        for fb, rnd, other_name in rows.all():
            sheet.add(
                kind=kind,
                **_round_cells(rnd, names),
                at=fb.updated_at,
                other_member=other_name or FORGOTTEN,
                detail="; ".join(
                    f"{s.key}={fb.scores[s.key].level}"
                    for s in rubric.signals
                    if s.key in fb.scores
                ),
                strength=fb.strength,
                improvement=fb.improvement,
            )
    for row in (
        await session.scalars(
            select(Streak).where(Streak.member_id == member.id, Streak.workspace_id == ws)
        )
    ).all():
        state = streaks.shown(
            streaks.state_of(row), await streaks.latest_seq(session, row.channel_id)
        )
        sheet.add(
            kind="streak",
            channel=names.get(row.channel_id),
            round=state.last_seq,
            detail=(
                f"current={state.current}; longest={state.longest}; freezes={state.freezes}; "
                f"freezes_used={state.freezes_used}"
            ),
        )
    events = await session.execute(
        select(PointEvent, Round)
        .outerjoin(Round, Round.id == PointEvent.round_id)
        .where(PointEvent.member_id == member.id, PointEvent.workspace_id == ws)
        .order_by(PointEvent.created_at, PointEvent.id)
    )
    for event, rnd in events.all():
        sheet.add(
            kind="points",
            **(_round_cells(rnd, names) if rnd else {"channel": names.get(event.channel_id)}),
            stage=event.subject if event.kind == PointKind.STAGE else None,
            at=event.created_at,
            detail=event.kind,
            points=event.points,
        )
    prompts = await session.scalars(
        select(CustomPrompt)
        .where(CustomPrompt.created_by_id == member.id, CustomPrompt.workspace_id == ws)
        .order_by(CustomPrompt.created_at)
    )
    for prompt in prompts.all():
        sheet.add(
            kind="prompt_added",
            prompt=prompt.key,
            at=prompt.created_at,
            text=f"{prompt.title} | {prompt.scenario}",
            detail="tags=" + ",".join(prompt.tags),
        )
    await _habit_rows(session, sheet, member, names)
    await _away_rows(session, sheet, member, names)
    return sheet


def _round_cells(rnd: Round, names: dict[int, str]) -> dict[str, Cell]:
    return {
        "round": rnd.seq,
        "date": rnd.local_date,
        "prompt": rnd.prompt_key,
        "channel": names.get(rnd.channel_id),
    }


async def _channel_names(session: AsyncSession, workspace_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(Channel.id, Channel.name, Channel.external_id).where(
            Channel.workspace_id == workspace_id
        )
    )
    return {cid: name or external for cid, name, external in rows.all()}


async def _habit_rows(
    session: AsyncSession, sheet: Sheet, member: Member, names: dict[int, str]
) -> None:
    """Best-answer votes, model answers and prompt suggestions of the member."""
    ws = member.workspace_id
    nominee = aliased(Member)
    given = await session.execute(
        select(BestVote, Round, nominee.display_name)
        .join(Round, Round.id == BestVote.round_id)
        .join(nominee, nominee.id == BestVote.nominee_id)
        .where(BestVote.voter_id == member.id, BestVote.workspace_id == ws)
        .order_by(Round.seq)
    )
    for vote, rnd, name in given.all():
        sheet.add(
            kind="vote_given", **_round_cells(rnd, names), at=vote.updated_at, other_member=name
        )
    received = await session.execute(
        select(Round, func.count(BestVote.id))
        .join(BestVote, BestVote.round_id == Round.id)
        .where(BestVote.nominee_id == member.id, BestVote.workspace_id == ws)
        .group_by(Round.id)
        .order_by(Round.seq)
    )
    for rnd, n in received.all():
        sheet.add(kind="votes_received", **_round_cells(rnd, names), detail=f"votes={n}")
    await _assignment_rows(session, sheet, member, names)
    models = await session.scalars(
        select(ModelAnswer).where(
            ModelAnswer.set_by_id == member.id, ModelAnswer.workspace_id == ws
        )
    )
    for model in models.all():
        sheet.add(
            kind="model_answer", prompt=model.prompt_key, at=model.updated_at, text=model.text
        )
    suggested = await session.scalars(
        select(PromptSuggestion)
        .where(PromptSuggestion.author_id == member.id, PromptSuggestion.workspace_id == ws)
        .order_by(PromptSuggestion.id)
    )
    for row in suggested.all():
        reason = f"; reason={row.reason}" if row.reason else ""
        sheet.add(
            kind="prompt_suggestion",
            prompt=row.prompt_key,
            at=row.created_at,
            text=f"{row.title} | {row.scenario}",
            detail=f"#{row.id}; status={row.status.value}; tags={','.join(row.tags)}{reason}",
        )


async def _away_rows(
    session: AsyncSession, sheet: Sheet, member: Member, names: dict[int, str]
) -> None:
    """Away periods, the member's nudge setting and the nudges sent to them."""
    for period in await away.periods_of(session, member):
        sheet.add(
            kind="away",
            date=period.starts_on,
            at=period.created_at,
            detail=f"through {period.ends_on.isoformat()}",
        )
    if member.nudges_off:
        sheet.add(kind="nudges", detail="off")
    sent = await session.execute(
        select(NudgeSent, Round)
        .join(Round, Round.id == NudgeSent.round_id)
        .where(NudgeSent.member_id == member.id, NudgeSent.workspace_id == member.workspace_id)
        .order_by(NudgeSent.created_at, NudgeSent.id)
    )
    for nudge, rnd in sent.all():
        sheet.add(
            kind="nudge", **_round_cells(rnd, names), at=nudge.created_at, detail=nudge.kind.value
        )


async def _assignment_rows(
    session: AsyncSession, sheet: Sheet, member: Member, names: dict[int, str]
) -> None:
    """The reviews the member was assigned to give, and who was assigned to review them."""
    other = aliased(Member)
    for kind, mine, theirs in (
        ("review_assigned", ReviewAssignment.reviewer_id, ReviewAssignment.reviewee_id),
        ("reviewer_assigned", ReviewAssignment.reviewee_id, ReviewAssignment.reviewer_id),
    ):
        rows = await session.execute(
            select(ReviewAssignment, Round, other.display_name)
            .join(Round, Round.id == ReviewAssignment.round_id)
            .join(other, other.id == theirs)
            .where(mine == member.id, ReviewAssignment.workspace_id == member.workspace_id)
            .order_by(Round.seq, ReviewAssignment.id)
        )
        for row, rnd, name in rows.all():
            sheet.add(
                kind=kind,
                **_round_cells(rnd, names),
                at=row.created_at,
                other_member=name,
                detail=f"due={row.due_at.isoformat()}",
            )
