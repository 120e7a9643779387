"""The database: every row belongs to one workspace, and every query filters on it."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship, validates

from bot import board_totals
from bot.db import Base, UTCDateTime
from bot.kinds import AnswerSource, NudgeKind, Pacing, PointKind, SuggestionStatus, WorkKind


def _vocabulary(kind: type[StrEnum], name: str, length: int) -> Enum:
    """A column holding one word of `kind`, stored as text and held by a named CHECK."""
    return Enum(
        kind,
        name=name,
        length=length,
        native_enum=False,
        create_constraint=True,
        values_callable=lambda members: [m.value for m in members],
    )


def _same_workspace(column: str, parent: str, ondelete: str = "CASCADE") -> ForeignKeyConstraint:
    """A reference that also carries the workspace, so a row can never point into another
    workspace: the parent's `(id, workspace_id)` is unique for this."""
    return ForeignKeyConstraint(
        [column, "workspace_id"], [f"{parent}.id", f"{parent}.workspace_id"], ondelete=ondelete
    )


class Workspace(Base):
    """A Slack team, a Discord guild or the console's local workspace."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        UniqueConstraint("id", "workspace_id"),
        Index("ix_members_workspace_id_name_key", "workspace_id", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(120))
    """The display name case-folded, kept with it: `feedback @Name` finds a member through an
    index instead of reading every member (SQLite's lower() folds ASCII only)."""
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nudges_off: Mapped[bool] = mapped_column(Boolean, default=False)
    """`/kata nudges off`: no reminders or streak nudges, in any channel of the workspace."""

    @validates("display_name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = name_key(name)
        return name


def name_key(name: str) -> str:
    return name.casefold()[:120]


class Channel(Base):
    """A practice channel and its schedule (the schedule is the source of truth for timers)."""

    __tablename__ = "channels"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        UniqueConstraint("id", "workspace_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    configured: Mapped[bool] = mapped_column(Boolean, default=False)
    post_time: Mapped[time] = mapped_column(Time(), default=time(9, 0))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    weekdays: Mapped[int] = mapped_column(SmallInteger, default=0b0011111)
    pacing: Mapped[Pacing] = mapped_column(_vocabulary(Pacing, "pacing", 10), default=Pacing.DRIP)
    drip_minutes: Mapped[int] = mapped_column(Integer, default=60)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    tag_filter: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty_filter: Mapped[list[str]] = mapped_column(JSON, default=list)
    setup_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assign_reviews: Mapped[bool] = mapped_column(Boolean, default=True)
    """Whether each round's wrap-up assigns reviewers (`/kata assign on|off`)."""
    review_hours: Mapped[int] = mapped_column(Integer, default=24)
    """How long an assigned reviewer has, from the assignment (`/kata assign deadline`)."""
    skips: Mapped[list[ChannelSkip]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ChannelSkip.local_date"
    )
    """Read and changed through `bot.skips`; loaded with the channel, so a schedule needs
    no query of its own."""
    remind_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """`/kata remind 2h`: remind members this long before a round closes (`bot.nudges`)."""


class ChannelSkip(Base):
    """A day on which the channel's round is not posted (`/kata skip`)."""

    __tablename__ = "channel_skips"
    __table_args__ = (UniqueConstraint("channel_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date())
    holiday: Mapped[bool] = mapped_column(Boolean, default=False)
    """A day off the admin keeps with `/kata holiday` rather than a one-off `skip`: the
    planner treats both alike (`bot.holidays`)."""


class CustomPrompt(Base):
    """A prompt a workspace added itself; it joins the built-in bank for that workspace only."""

    __tablename__ = "custom_prompts"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(120))
    scenario: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Round(Base):
    """One day's practice in one channel. `(channel, local_date)` is unique: that constraint,
    not a lock, decides which of two racing processes posts the round."""

    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("channel_id", "local_date"),
        UniqueConstraint("channel_id", "seq"),
        UniqueConstraint("id", "workspace_id"),
        _same_workspace("channel_id", "channels"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column()
    local_date: Mapped[date] = mapped_column(Date())
    seq: Mapped[int] = mapped_column(Integer)
    prompt_key: Mapped[str] = mapped_column(String(64))
    prompt_title: Mapped[str] = mapped_column(String(120))
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    pacing: Mapped[Pacing] = mapped_column(_vocabulary(Pacing, "pacing", 10))
    drip_minutes: Mapped[int] = mapped_column(Integer)
    stages_posted: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_stage_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    wrapped_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StagePost(Base):
    __tablename__ = "stage_posts"
    __table_args__ = (UniqueConstraint("round_id", "stage_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    stage_key: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Answer(Base):
    """A member's message in a round's thread. One row per platform message: a redelivered
    event finds its row, an edit updates it, a delete removes it."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("channel_id", "source", "message_id"),
        _same_workspace("channel_id", "channels"),
        _same_workspace("round_id", "rounds"),
        _same_workspace("member_id", "members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column()
    round_id: Mapped[int] = mapped_column(index=True)
    member_id: Mapped[int] = mapped_column(index=True)
    stage_key: Mapped[str] = mapped_column(String(20))
    source: Mapped[AnswerSource] = mapped_column(_vocabulary(AnswerSource, "source", 10))
    message_id: Mapped[str] = mapped_column(String(128))
    """The platform's message id, or its request id for an answer sent by command."""
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Feedback(Base):
    """One reviewer's rubric for one member in one round; a second review updates this row."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("round_id", "reviewer_id", "reviewee_id"),
        _same_workspace("round_id", "rounds"),
        _same_workspace("reviewer_id", "members"),
        _same_workspace("reviewee_id", "members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column()
    reviewer_id: Mapped[int] = mapped_column(index=True)
    reviewee_id: Mapped[int | None] = mapped_column(index=True, nullable=True)
    """None once the reviewee used `forgetme`: the review still counts for the reviewer."""
    scores: Mapped[dict[str, FeedbackScore]] = relationship(
        collection_class=attribute_keyed_dict("signal"),
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    """By signal key; read and changed through `bot.scores`."""
    strength: Mapped[str] = mapped_column(Text, default="")
    improvement: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedbackScore(Base):
    """One rubric signal's level (1-4) in one review."""

    __tablename__ = "feedback_scores"
    __table_args__ = (
        UniqueConstraint("feedback_id", "signal"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    signal: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(SmallInteger)


class Streak(Base):
    """Kept incrementally as answers arrive; `bot.streaks.recompute` rebuilds it from history."""

    __tablename__ = "streaks"
    __table_args__ = (
        UniqueConstraint("channel_id", "member_id"),
        _same_workspace("channel_id", "channels"),
        _same_workspace("member_id", "members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column(index=True)
    """Indexed (revision 0015): the App Home finds a member's channels by their streaks."""
    current: Mapped[int] = mapped_column(Integer, default=0)
    longest: Mapped[int] = mapped_column(Integer, default=0)
    freezes: Mapped[int] = mapped_column(Integer, default=0)
    freezes_used: Mapped[int] = mapped_column(Integer, default=0)
    last_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PointEvent(Base):
    """Points are a ledger of events with a natural key (the rule, the round, the member and
    what was paid for), so awarding twice is impossible and taking back (a deleted answer) is
    a delete."""

    __tablename__ = "point_events"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id", "kind", "subject"),
        Index("ix_point_events_channel_id_created_at", "channel_id", "created_at"),
        _same_workspace("channel_id", "channels"),
        _same_workspace("member_id", "members"),
        _same_workspace("round_id", "rounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column(index=True)
    round_id: Mapped[int] = mapped_column()
    kind: Mapped[PointKind] = mapped_column(_vocabulary(PointKind, "kind", 20))
    subject: Mapped[str] = mapped_column(String(40), default="")
    """What the rule paid for: nothing (answer), the stage's key (stage) or the review's
    feedback id (review, so a review keeps its points when its reviewee is forgotten)."""
    points: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class HandledRequest(Base):
    """A platform request (Slack trigger id, Discord interaction id) already carried out, so a
    replayed or redelivered command or button press changes nothing. Kept about an hour:
    Slack refuses signatures older than five minutes, and the ids never repeat."""

    __tablename__ = "handled_requests"
    __table_args__ = (UniqueConstraint("platform", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    request_id: Mapped[str] = mapped_column(String(128))
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class WorkItem(Base):
    """One piece of scheduled work: the database is the queue, timers only wake workers.

    `key` makes creating work idempotent (`round:<channel>:<date>`). A worker claims due rows
    by setting a lease (`claimed_by`, `claimed_until`); a lease that runs out (the worker
    died) makes the row claimable again. `done_at` marks it finished, `dead_at` given up.
    """

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_work_items_due", "done_at", "dead_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[WorkKind] = mapped_column(_vocabulary(WorkKind, "kind", 20))
    key: Mapped[str] = mapped_column(String(160))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ForgottenMessage(Base):
    """A thread message whose answer was erased by `forgetme`: reading the thread back from
    the platform (`bot.reconcile`) must not record it again. Only the message's key is kept,
    nothing of its author or text."""

    __tablename__ = "forgotten_messages"
    __table_args__ = (UniqueConstraint("channel_id", "message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(128))


class BestVote(Base):
    """A member's vote for the best answer of a round: one per voter and round, changeable
    until the wrap-up settles it (`bot.votes`)."""

    __tablename__ = "best_votes"
    __table_args__ = (
        UniqueConstraint("round_id", "voter_id"),
        _same_workspace("round_id", "rounds"),
        _same_workspace("voter_id", "members"),
        _same_workspace("nominee_id", "members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column()
    voter_id: Mapped[int] = mapped_column(index=True)
    nominee_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ModelAnswer(Base):
    """An admin's unscored reference answer to a prompt, shown at wrap-up beside the
    strong-answer checklist; one per prompt and workspace."""

    __tablename__ = "model_answers"
    __table_args__ = (UniqueConstraint("workspace_id", "prompt_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    prompt_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PromptSuggestion(Base):
    """A prompt a member proposed; an admin approves it into the workspace's bank (the
    author credited) or declines it (`bot.suggestions`)."""

    __tablename__ = "prompt_suggestions"
    __table_args__ = (_same_workspace("author_id", "members"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(120))
    scenario: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[SuggestionStatus] = mapped_column(
        _vocabulary(SuggestionStatus, "status", 10), default=SuggestionStatus.PENDING
    )
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    prompt_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The custom prompt an approval created."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReviewAssignment(Base):
    """A member asked to review one teammate's answers in a round (`bot.assignments`): one
    per reviewer and round. `told_at` and `reminded_at` are the ledger of the two private
    notes, each written before its note is sent, so no note goes twice."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("round_id", "reviewer_id"),
        _same_workspace("round_id", "rounds"),
        _same_workspace("reviewer_id", "members"),
        _same_workspace("reviewee_id", "members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column()
    reviewer_id: Mapped[int] = mapped_column(index=True)
    reviewee_id: Mapped[int] = mapped_column(index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    told_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Indexes the boards, stats and App Home read through (revision 0011): each board reads one
# bounded range of one covering index instead of every row of the workspace.
Index(
    "ix_point_events_workspace_id_created_at",
    PointEvent.workspace_id,
    PointEvent.created_at,
    PointEvent.member_id,
    PointEvent.points,
)
Index(
    "ix_point_events_workspace_id_member_id",
    PointEvent.workspace_id,
    PointEvent.member_id,
    PointEvent.points,
)
Index(
    "ix_feedback_workspace_id_created_at",
    Feedback.workspace_id,
    Feedback.created_at,
    Feedback.reviewer_id,
)
Index("ix_feedback_workspace_id_reviewer_id", Feedback.workspace_id, Feedback.reviewer_id)
Index("ix_streaks_channel_id_last_seq", Streak.channel_id, Streak.last_seq)
# The workspace streak board reads streaks longest first (revision 0015).
Index("ix_streaks_workspace_id_current", Streak.workspace_id, Streak.current)


class BoardTotal(Base):
    """A member's all-time points and reviews given in their workspace, kept current by
    database triggers (`bot.board_totals`) in the same transaction as every point and
    review written or deleted: the all-time workspace boards read the top of an index."""

    __tablename__ = "board_totals"
    __table_args__ = (
        _same_workspace("member_id", "members"),
        Index("ix_board_totals_workspace_id_points", "workspace_id", "points"),
        Index("ix_board_totals_workspace_id_reviews", "workspace_id", "reviews"),
    )

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class BoardDay(Base):
    """A member's points and reviews given on one UTC day, kept like `BoardTotal`: a week or
    month board reads a row per member and day instead of every event."""

    __tablename__ = "board_days"
    __table_args__ = (_same_workspace("member_id", "members"),)

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date(), primary_key=True)
    member_id: Mapped[int] = mapped_column(primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    reviews: Mapped[int] = mapped_column(Integer, default=0)


class AwayPeriod(Base):
    """A member away from `starts_on` through `ends_on` (local dates of each channel's rounds),
    in every channel of the workspace: those rounds neither count for nor break a streak, and
    send no nudges (`bot.away`)."""

    __tablename__ = "away_periods"
    __table_args__ = (
        _same_workspace("member_id", "members"),
        Index("ix_away_periods_workspace_id_ends_on", "workspace_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(index=True)
    starts_on: Mapped[date] = mapped_column(Date())
    ends_on: Mapped[date] = mapped_column(Date())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NudgeSent(Base):
    """The ledger of private nudges: one per member and round, written before the message is
    sent, so a retry or a restart never sends it again (`bot.nudges`)."""

    __tablename__ = "nudges_sent"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        _same_workspace("round_id", "rounds"),
        _same_workspace("member_id", "members"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[NudgeKind] = mapped_column(_vocabulary(NudgeKind, "kind", 10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


board_totals.install(Base.metadata)


class BoardPeriod(Base):
    """A week or month of one time zone whose workspace board the database keeps
    (`bot.board_periods`): its UTC bounds are worked out once, in Python, when a board first
    asks for it, so the triggers that keep `BoardPeriodTotal` need no time-zone arithmetic
    (SQLite has none) and follow daylight-saving changes as `leaderboard.period_bounds` does."""

    __tablename__ = "board_periods"
    __table_args__ = (
        UniqueConstraint("workspace_id", "zone", "kind", "starts_on"),
        Index("ix_board_periods_workspace_id_ends_at", "workspace_id", "ends_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    zone: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(5))
    """`week` or `month`."""
    starts_on: Mapped[date] = mapped_column(Date())
    """The period's first local day."""
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BoardPeriodTotal(Base):
    """A member's points and reviews given in one `BoardPeriod`, kept by triggers on
    `point_events` and `feedback` like `BoardTotal`: a workspace's week or month board reads
    the top of an index."""

    __tablename__ = "board_period_totals"
    __table_args__ = (
        _same_workspace("member_id", "members"),
        Index("ix_board_period_totals_period_id_points", "period_id", "points"),
        Index("ix_board_period_totals_period_id_reviews", "period_id", "reviews"),
    )

    period_id: Mapped[int] = mapped_column(
        ForeignKey("board_periods.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
