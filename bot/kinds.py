"""The closed vocabularies stored in the database, declared once: the columns constrain
their values to these, and the code names them instead of spelling the words."""

from __future__ import annotations

from enum import StrEnum


class Pacing(StrEnum):
    """How a round's stages reach the thread."""

    DRIP = "drip"
    ALL = "all"
    MANUAL = "manual"


class PointKind(StrEnum):
    """The rule a point event pays for (see `bot.points`)."""

    ANSWER = "answer"
    STAGE = "stage"
    REVIEW = "review"
    BEST = "best"
    ASSIGNED_REVIEW = "assigned_review"
    """The bonus for an assigned review given before its deadline (`bot.assignments`)."""


class AnswerSource(StrEnum):
    """Where an answer came from: a message in a round's thread (its id is the platform's
    message id) or the `answer` command (its id is the platform's request id)."""

    MESSAGE = "message"
    COMMAND = "command"


class WorkKind(StrEnum):
    """What a row of the work queue asks a worker to do (see `bot.work_queue`)."""

    ROUND = "round"
    STAGE = "stage"
    WRAP_UP = "wrapup"
    BOARDS = "boards"
    REMIND = "remind"
    """A round's reminder and streak nudges, sent privately before it closes (`bot.nudges`)."""
    ASSIGN = "assign"
    """Tell each reviewer of a round whom they review (`bot.assignments`)."""
    REVIEW_DUE = "reviewdue"
    """Remind assigned reviewers who have not reviewed yet, before the deadline."""


class SuggestionStatus(StrEnum):
    """Where a member's prompt suggestion stands (see `bot.suggestions`)."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class NudgeKind(StrEnum):
    """What a private nudge said (`bot.nudges`): the round closes soon, or a streak would end."""

    REMINDER = "reminder"
    STREAK = "streak"
