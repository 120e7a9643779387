"""Engine, sessions and the declarative base shared by every model.

One transaction per event or job, opened by its unit of work (`bot.unit`); queries live in the
modules that own the use case, never in adapters. Rows expire when their transaction commits,
so a row read after its session closed fails loudly instead of showing stale data.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from bot.planner_statistics import keep_sqlite_statistics

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `sqlite:///x.db`) and pick async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)\S*(@)")


def shown_url(url: str) -> str:
    """The database URL as messages and logs may show it: the password masked, the rest kept
    so a reader can still tell which database is meant."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unreadable URL may still carry a password
        return _PASSWORD_IN_URL.sub(r"\1***\2", url)


def without_password(text: str, url: str) -> str:
    """An error text about `url` with its password masked wherever the driver echoed it."""
    text = _PASSWORD_IN_URL.sub(r"\1***\2", text)
    try:
        password = make_url(url).password
    except Exception:
        password = None
    match = _PASSWORD_IN_URL.search(url)
    raw = url[match.end(1) : match.start(2)] if match else None
    for secret in {str(password) if password else "", raw or ""} - {""}:
        text = text.replace(secret, "***")
    return text


def make_engine(url: str) -> AsyncEngine:
    """An engine for a URL. A PostgreSQL URL may carry `?search_path=name` to keep the bot's
    tables in their own schema of a shared database (the tests use one per run)."""
    parsed = make_url(normalize_url(url))
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    search_path = parsed.query.get("search_path")
    if search_path and parsed.get_backend_name() == "postgresql":
        parsed = parsed.difference_update_query(["search_path"])
        kwargs["connect_args"] = {"server_settings": {"search_path": str(search_path)}}
    engine = create_async_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine)
        keep_sqlite_statistics(engine)

    return engine


def _sqlite_transactions(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions, so savepoints nest
    properly; and take the write lock at BEGIN, so two writers queue (busy_timeout) instead
    of failing when a read transaction tries to become a write one."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=True)


def insert_unless_present(session: AsyncSession, model: type[Base]) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database: a row that a unique
    constraint already holds, even one a concurrent transaction just committed, is skipped
    instead of failing the whole transaction."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()
