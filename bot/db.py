"""Engine, sessions and the declarative base shared by every model.

One transaction per event or job, opened by its unit of work (`bot.unit`); queries live in the
modules that own the use case, never in adapters. Rows expire when their transaction commits,
so a row read after its session closed fails loudly instead of showing stale data.
"""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    func,
    make_url,
    select,
)
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
from sqlalchemy.util import await_only

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


def make_engine(url: str, *, pool_size: int | None = None, pool_timeout: float = 30) -> AsyncEngine:
    """An engine for a URL. A PostgreSQL URL may carry `?search_path=name` to keep the bot's
    tables in their own schema of a shared database (the tests use one per run).
    `pool_size` caps the connections (no overflow); the worker's concurrency follows it."""
    parsed = make_url(normalize_url(url))
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif pool_size is not None:
        kwargs = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout}
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
    properly; take the write lock at BEGIN, so two writers queue (busy_timeout) instead of
    failing when a read transaction tries to become a write one; and use the write-ahead log."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Write-ahead log: readers never wait for the writer, and a commit appends to the log
        # instead of syncing the whole file. With synchronous=NORMAL a commit survives the
        # process being killed (the log is synced at checkpoints), which is what a bot needs;
        # only a power cut can take back the last moments.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    turns = WriterTurns()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        turns.take(conn)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turns.give_back(conn)
            raise

    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def _end(conn: Any) -> None:
        turns.give_back(conn)

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        turns.give_back(record)  # a connection dropped mid-transaction ends its turn too


class WriterTurns:
    """SQLite has one writer at a time. This process's tasks queue for it here, in order,
    before `BEGIN IMMEDIATE`, instead of each polling the file lock: SQLite's busy handler
    sleeps up to 100 ms between polls, which turns eight concurrent tasks into seconds of
    waiting. Other processes still meet the file lock (and `busy_timeout`). A turn not given
    within `WAIT` seconds is skipped, so a transaction held open too long slows the others
    but cannot stop them."""

    WAIT = 10.0

    def __init__(self) -> None:
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            for old in [k for k in self._locks if k.is_closed()]:
                del self._locks[old]
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def take(self, conn: Any) -> None:
        try:
            lock = self._lock()
        except RuntimeError:  # no running loop: a synchronous caller (migrations)
            return
        try:
            await_only(asyncio.wait_for(lock.acquire(), self.WAIT))
        except TimeoutError:
            return
        conn.info["writer_turn"] = lock

    def give_back(self, conn: Any) -> None:
        lock = conn.info.pop("writer_turn", None)
        if lock is not None:
            lock.release()


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=True)


class _SqliteSkipConflicts(sqlite.dml.OnConflictDoNothing):
    """A bare `ON CONFLICT DO NOTHING`: no targets, no condition, so nothing to traverse."""

    _traverse_internals: list[Any] = []


class _PostgresSkipConflicts(postgresql.dml.OnConflictDoNothing):
    _traverse_internals: list[Any] = []


class _SqliteInsertUnlessPresent(sqlite.Insert):
    """SQLAlchemy leaves the dialects' INSERTs out of its statement cache, because an ON
    CONFLICT clause may carry targets and conditions its cache key does not see, so every
    answer batch would compile its INSERTs again. This one only ever carries a bare `ON
    CONFLICT DO NOTHING`: its class alone says what the clause is, so caching it is safe
    (`tests/core/test_database.py` checks that it is cached and what it compiles to)."""

    inherit_cache = True

    def __init__(self, table: Any) -> None:
        super().__init__(table)
        self._post_values_clause = _SqliteSkipConflicts()


class _PostgresInsertUnlessPresent(postgresql.Insert):
    """As `_SqliteInsertUnlessPresent`, for PostgreSQL."""

    inherit_cache = True

    def __init__(self, table: Any) -> None:
        super().__init__(table)
        self._post_values_clause = _PostgresSkipConflicts()


def insert_unless_present(session: AsyncSession, model: type[Base]) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING` for the session's database: a row that a unique
    constraint already holds, even one a concurrent transaction just committed, is skipped
    instead of failing the whole transaction. Compiled once per shape and cached."""
    if session.get_bind().dialect.name == "postgresql":
        return _PostgresInsertUnlessPresent(model)
    return _SqliteInsertUnlessPresent(model)


_ARRAY_ITEMS = (Integer, String, Boolean, UTCDateTime)
"""Column types whose values asyncpg sends as an array as they are (an enum here is text)."""


@functools.lru_cache(maxsize=64)
def _unnest_insert(table: Table, columns: tuple[str, ...], returning: tuple[str, ...]) -> Any:
    """`INSERT … SELECT * FROM unnest($1::integer[], …) ON CONFLICT DO NOTHING` for
    PostgreSQL: one array parameter per column, so the statement is the same whatever the
    number of rows. Multi-row VALUES is a new statement text for every row count, and asyncpg
    prepares each text on the server (a round trip, and the server parses and plans again)."""
    arrays = []
    for name in columns:
        item = table.c[name].type
        if isinstance(item, String) and item.length is not None:
            item = item.copy()
            item.length = None  # a cast to varchar(n)[] would cut a long value silently
        arrays.append(bindparam(f"rows_{name}", type_=postgresql.ARRAY(item)))
    source = func.unnest(*arrays).table_valued(*columns).render_derived()
    statement = _PostgresInsertUnlessPresent(table).from_select(
        list(columns), select(*(source.c[name] for name in columns))
    )
    return statement.returning(*(table.c[name] for name in returning))


def _unnest_ready(table: Table, columns: tuple[str, ...]) -> bool:
    return all(name in table.c and isinstance(table.c[name].type, _ARRAY_ITEMS) for name in columns)


async def insert_rows(
    session: AsyncSession,
    model: type[Base],
    rows: list[dict[str, Any]],
    *returning: Any,
) -> list[tuple[Any, ...]]:
    """`insert_unless_present` of many rows on the session's connection, as one cached
    statement; the returned columns of the rows actually inserted (none unless asked).
    Every row gives the same columns.

    On PostgreSQL the rows go as one array per column (`_unnest_insert`) where the columns'
    types allow, and as multi-row VALUES otherwise. SQLAlchemy writes multi-row VALUES there
    only for a statement with RETURNING (without it, asyncpg sends one bind and execute per
    row), so then the primary key is asked for and dropped when the caller wanted nothing."""
    if not rows:
        return []
    table: Table = model.__table__  # type: ignore[assignment]
    postgres = session.get_bind().dialect.name == "postgresql"
    columns = tuple(rows[0])
    if postgres and _unnest_ready(table, columns):
        statement = _unnest_insert(table, columns, tuple(c.key for c in returning))
        values = {f"rows_{name}": [row[name] for row in rows] for name in columns}
        connection = await session.connection()
        result = await connection.execute(statement, values)
        return [tuple(row) for row in result] if returning else []
    wanted = returning
    if not wanted and postgres:
        wanted = tuple(getattr(model, c.key) for c in model.__table__.primary_key)
    statement = insert_unless_present(session, model)
    if wanted:
        statement = statement.returning(*wanted)
    connection = await session.connection()
    result = await connection.execute(statement, rows)
    return [tuple(row) for row in result] if returning else []
