"""typed tables: closed vocabularies, skip and score rows, typed answer and point keys, and
references that keep every row in its own workspace

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 21:10:00

Existing data moves over: JSON skip dates become `channel_skips` rows, JSON rubric scores
become `feedback_scores` rows, answer keys packed as "channel:message" or "cmd:request" become
(channel_id, source, message_id), and point keys packed as "kind:round:member[:what]" become
(round_id, member_id, kind, subject), a review's subject being its feedback row.
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PACING = ("drip", "all", "manual")
SOURCES = ("message", "command")
KINDS = ("answer", "stage", "review")


def _table(name: str, **types: sa.types.TypeEngine[Any]) -> sa.TableClause:
    """The columns this revision reads or writes, typed so JSON and dates convert."""
    columns = {"id": sa.Integer(), **types}
    return sa.table(name, *(sa.column(n, t) for n, t in columns.items()))


ID, TEXT = sa.Integer(), sa.String()
channels = _table("channels", external_id=TEXT, skip_dates=sa.JSON())
channel_skips = _table("channel_skips", channel_id=ID, local_date=sa.Date())
feedback = _table("feedback", round_id=ID, reviewer_id=ID, reviewee_id=ID, scores=sa.JSON())
feedback_scores = _table("feedback_scores", feedback_id=ID, signal=TEXT, level=ID)
rounds = _table("rounds", channel_id=ID)
answers = _table(
    "answers",
    round_id=ID,
    external_message_id=TEXT,
    channel_id=ID,
    source=TEXT,
    message_id=TEXT,
)
point_events = _table("point_events", round_id=ID, member_id=ID, kind=TEXT, key=TEXT, subject=TEXT)


def _one_of(column: str, words: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(w) for w in words)})"


def _same_workspace(
    batch: Any, table: str, column: str, parent: str, drop_old: bool = True
) -> None:
    name = f"fk_{table}_{column}_{parent}"
    if drop_old:
        batch.drop_constraint(name, type_="foreignkey")
    batch.create_foreign_key(
        name, parent, [column, "workspace_id"], ["id", "workspace_id"], ondelete="CASCADE"
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "channel_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_skips_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_skips")),
        sa.UniqueConstraint(
            "channel_id", "local_date", name=op.f("uq_channel_skips_channel_id_local_date")
        ),
    )
    op.create_table(
        "feedback_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("signal", sa.String(length=40), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_feedback_scores_level")),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_feedback_scores_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_scores")),
        sa.UniqueConstraint(
            "feedback_id", "signal", name=op.f("uq_feedback_scores_feedback_id_signal")
        ),
    )
    _skips_to_rows(bind)
    _scores_to_rows(bind)

    with op.batch_alter_table("channels") as batch:
        batch.create_unique_constraint("uq_channels_id_workspace_id", ["id", "workspace_id"])
        batch.create_check_constraint(op.f("ck_channels_pacing"), _one_of("pacing", PACING))
        batch.drop_column("skip_dates")
    with op.batch_alter_table("members") as batch:
        batch.create_unique_constraint("uq_members_id_workspace_id", ["id", "workspace_id"])
    with op.batch_alter_table("rounds") as batch:
        batch.create_unique_constraint("uq_rounds_id_workspace_id", ["id", "workspace_id"])
        batch.create_check_constraint(op.f("ck_rounds_pacing"), _one_of("pacing", PACING))
        _same_workspace(batch, "rounds", "channel_id", "channels")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("scores")
        for column, parent in (
            ("round_id", "rounds"),
            ("reviewer_id", "members"),
            ("reviewee_id", "members"),
        ):
            _same_workspace(batch, "feedback", column, parent)
    with op.batch_alter_table("streaks") as batch:
        _same_workspace(batch, "streaks", "channel_id", "channels")
        _same_workspace(batch, "streaks", "member_id", "members")

    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("channel_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=128), nullable=True))
    _answer_keys(bind)
    with op.batch_alter_table("answers") as batch:
        for column in ("channel_id", "source", "message_id"):
            batch.alter_column(column, nullable=False)
        batch.drop_constraint("uq_answers_workspace_id_external_message_id", type_="unique")
        batch.drop_column("external_message_id")
        batch.create_unique_constraint(
            "uq_answers_channel_id_source_message_id", ["channel_id", "source", "message_id"]
        )
        batch.create_check_constraint(op.f("ck_answers_source"), _one_of("source", SOURCES))
        _same_workspace(batch, "answers", "channel_id", "channels", drop_old=False)
        _same_workspace(batch, "answers", "round_id", "rounds")
        _same_workspace(batch, "answers", "member_id", "members")

    with op.batch_alter_table("point_events") as batch:
        batch.add_column(sa.Column("subject", sa.String(length=40), nullable=True))
    _point_keys(bind)
    with op.batch_alter_table("point_events") as batch:
        batch.alter_column("subject", nullable=False)
        batch.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("uq_point_events_workspace_id_key", type_="unique")
        batch.drop_column("key")
        batch.create_unique_constraint(
            "uq_point_events_round_id_member_id_kind_subject",
            ["round_id", "member_id", "kind", "subject"],
        )
        batch.create_check_constraint(op.f("ck_point_events_kind"), _one_of("kind", KINDS))
        _same_workspace(batch, "point_events", "channel_id", "channels")
        _same_workspace(batch, "point_events", "member_id", "members")
        _same_workspace(batch, "point_events", "round_id", "rounds")

    if bind.dialect.name == "sqlite":
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"rows point into another workspace or nowhere: {broken[:5]}")


def _skips_to_rows(bind: sa.Connection) -> None:
    rows = [
        {"channel_id": channel_id, "local_date": day}
        for channel_id, dates in bind.execute(sa.select(channels.c.id, channels.c.skip_dates))
        for day in sorted({date.fromisoformat(d) for d in dates or ()})
    ]
    if rows:
        bind.execute(channel_skips.insert(), rows)


def _scores_to_rows(bind: sa.Connection) -> None:
    rows = [
        {"feedback_id": feedback_id, "signal": signal, "level": int(level)}
        for feedback_id, scores in bind.execute(sa.select(feedback.c.id, feedback.c.scores))
        for signal, level in (scores or {}).items()
    ]
    if rows:
        bind.execute(feedback_scores.insert(), rows)


def _answer_keys(bind: sa.Connection) -> None:
    """Split "channel:message" (a thread reply) and "cmd:request" (the `answer` command)."""
    found = bind.execute(
        sa.select(
            answers.c.id, answers.c.external_message_id, channels.c.id, channels.c.external_id
        )
        .join(rounds, rounds.c.id == answers.c.round_id)
        .join(channels, channels.c.id == rounds.c.channel_id)
    ).all()
    for answer_id, key, channel_id, channel_external_id in found:
        if key.startswith(f"{channel_external_id}:"):
            source, message_id = "message", key[len(channel_external_id) + 1 :]
        elif key.startswith("cmd:"):
            source, message_id = "command", key[len("cmd:") :]
        else:
            source, message_id = "message", key
        bind.execute(
            answers.update()
            .where(answers.c.id == answer_id)
            .values(channel_id=channel_id, source=source, message_id=message_id)
        )


def _point_keys(bind: sa.Connection) -> None:
    """Split "answer:round:member", "stage:round:member:stage" and
    "review:round:reviewer:reviewee" (or ":forgotten-feedback" once the reviewee left)."""
    reviews = {
        (r, reviewer, reviewee): feedback_id
        for feedback_id, r, reviewer, reviewee in bind.execute(
            sa.select(
                feedback.c.id, feedback.c.round_id, feedback.c.reviewer_id, feedback.c.reviewee_id
            )
        )
    }
    found = bind.execute(sa.select(point_events.c.id, point_events.c.key)).all()
    for event_id, key in found:
        kind, round_id, member_id, *rest = key.split(":", 3)
        subject = rest[0] if rest else ""
        if kind == "review":
            if subject.startswith("forgotten-"):
                subject = subject[len("forgotten-") :]
            elif subject.isdigit():
                review = reviews.get((int(round_id), int(member_id), int(subject)))
                subject = str(review) if review is not None else subject
        bind.execute(
            point_events.update()
            .where(point_events.c.id == event_id)
            .values(
                subject=subject, round_id=sa.func.coalesce(point_events.c.round_id, int(round_id))
            )
        )


def _plain(batch: Any, table: str, column: str, parent: str) -> None:
    name = f"fk_{table}_{column}_{parent}"
    batch.drop_constraint(name, type_="foreignkey")
    batch.create_foreign_key(name, parent, [column], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    """Pack the typed rows back into 0003's JSON columns and string keys."""
    bind = op.get_bind()
    for name, column in (
        ("channels", sa.Column("skip_dates", sa.JSON(), nullable=True)),
        ("feedback", sa.Column("scores", sa.JSON(), nullable=True)),
        ("answers", sa.Column("external_message_id", sa.String(length=160), nullable=True)),
        ("point_events", sa.Column("key", sa.String(length=160), nullable=True)),
    ):
        with op.batch_alter_table(name) as batch:
            batch.add_column(column)
    _rows_to_packed(bind)

    with op.batch_alter_table("point_events") as batch:
        for column, parent in (
            ("channel_id", "channels"),
            ("member_id", "members"),
            ("round_id", "rounds"),
        ):
            _plain(batch, "point_events", column, parent)
        batch.drop_constraint(op.f("ck_point_events_kind"), type_="check")
        batch.drop_constraint("uq_point_events_round_id_member_id_kind_subject", type_="unique")
        batch.drop_column("subject")
        batch.alter_column("key", existing_type=sa.String(length=160), nullable=False)
        batch.alter_column("round_id", existing_type=sa.Integer(), nullable=True)
        batch.create_unique_constraint("uq_point_events_workspace_id_key", ["workspace_id", "key"])
    with op.batch_alter_table("answers") as batch:
        batch.drop_constraint("fk_answers_channel_id_channels", type_="foreignkey")
        _plain(batch, "answers", "round_id", "rounds")
        _plain(batch, "answers", "member_id", "members")
        batch.drop_constraint(op.f("ck_answers_source"), type_="check")
        batch.drop_constraint("uq_answers_channel_id_source_message_id", type_="unique")
        for column in ("channel_id", "source", "message_id"):
            batch.drop_column(column)
        batch.alter_column(
            "external_message_id", existing_type=sa.String(length=160), nullable=False
        )
        batch.create_unique_constraint(
            "uq_answers_workspace_id_external_message_id", ["workspace_id", "external_message_id"]
        )
    with op.batch_alter_table("streaks") as batch:
        _plain(batch, "streaks", "channel_id", "channels")
        _plain(batch, "streaks", "member_id", "members")
    with op.batch_alter_table("feedback") as batch:
        for column, parent in (
            ("round_id", "rounds"),
            ("reviewer_id", "members"),
            ("reviewee_id", "members"),
        ):
            _plain(batch, "feedback", column, parent)
        batch.alter_column("scores", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("rounds") as batch:
        _plain(batch, "rounds", "channel_id", "channels")
        batch.drop_constraint(op.f("ck_rounds_pacing"), type_="check")
        batch.drop_constraint("uq_rounds_id_workspace_id", type_="unique")
    with op.batch_alter_table("members") as batch:
        batch.drop_constraint("uq_members_id_workspace_id", type_="unique")
    with op.batch_alter_table("channels") as batch:
        batch.drop_constraint(op.f("ck_channels_pacing"), type_="check")
        batch.drop_constraint("uq_channels_id_workspace_id", type_="unique")
        batch.alter_column("skip_dates", existing_type=sa.JSON(), nullable=False)
    op.drop_table("feedback_scores")
    op.drop_table("channel_skips")


def _rows_to_packed(bind: sa.Connection) -> None:
    skipped: dict[int, list[str]] = {}
    for channel_id, day in bind.execute(
        sa.select(channel_skips.c.channel_id, channel_skips.c.local_date).order_by(
            channel_skips.c.local_date
        )
    ):
        skipped.setdefault(channel_id, []).append(day.isoformat())
    for (channel_id,) in bind.execute(sa.select(channels.c.id)).all():
        bind.execute(
            channels.update()
            .where(channels.c.id == channel_id)
            .values(skip_dates=skipped.get(channel_id, []))
        )
    levels: dict[int, dict[str, int]] = {}
    for feedback_id, signal, level in bind.execute(
        sa.select(feedback_scores.c.feedback_id, feedback_scores.c.signal, feedback_scores.c.level)
    ):
        levels.setdefault(feedback_id, {})[signal] = level
    reviews = {}
    for feedback_id, reviewee_id in bind.execute(
        sa.select(feedback.c.id, feedback.c.reviewee_id)
    ).all():
        reviews[str(feedback_id)] = reviewee_id
        bind.execute(
            feedback.update()
            .where(feedback.c.id == feedback_id)
            .values(scores=levels.get(feedback_id, {}))
        )
    found = bind.execute(
        sa.select(
            answers.c.id, answers.c.source, answers.c.message_id, channels.c.external_id
        ).join(channels, channels.c.id == answers.c.channel_id)
    ).all()
    for answer_id, source, message_id, channel_external_id in found:
        prefix = "cmd" if source == "command" else channel_external_id
        bind.execute(
            answers.update()
            .where(answers.c.id == answer_id)
            .values(external_message_id=f"{prefix}:{message_id}")
        )
    events = bind.execute(
        sa.select(
            point_events.c.id,
            point_events.c.kind,
            point_events.c.round_id,
            point_events.c.member_id,
            point_events.c.subject,
        )
    ).all()
    for event_id, kind, round_id, member_id, subject in events:
        key = f"{kind}:{round_id}:{member_id}"
        if kind == "stage":
            key += f":{subject}"
        elif kind == "review":
            reviewee = reviews.get(subject)
            key += f":{reviewee}" if reviewee is not None else f":forgotten-{subject}"
        bind.execute(point_events.update().where(point_events.c.id == event_id).values(key=key))
