"""The database: typed declarative base and a small Flask extension for sessions.

On SQLite (WAL), a transaction that reads and later writes fails at once with "database is
locked" when another connection wrote in between, whatever the busy timeout. So a request
that may write (any method but GET, HEAD and OPTIONS) begins with BEGIN IMMEDIATE: it waits
its turn to write before it reads anything. A page (GET) reads in a plain snapshot, never
blocking writers; the few rows a page writes (audit rows for the reads) are kept aside and
written after it by `write_after_reading`, in a short write transaction of their own.
"""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Store timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use fieldvisit.core.dates.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


def str_enum(enum_cls: type[enum.Enum], **kwargs: Any) -> Mapped[Any]:
    """A column holding an enum's value as a plain string, checked by the database."""
    length = max(len(m.value) for m in enum_cls)
    from sqlalchemy import Enum

    return mapped_column(
        Enum(
            enum_cls,
            native_enum=False,
            length=max(length, 20),
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
            create_constraint=True,
            name=enum_cls.__name__.lower(),
        ),
        **kwargs,
    )


_KEY = "fieldvisit.db_session"


class _AppDatabase:
    """One app's engine, and what its sessions bind to (tests swap in a connection)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bind: Engine | Connection = engine


class Database:
    """Hand each request (or app context) one session on the current app's engine."""

    def init_app(self, app: Flask) -> None:
        app.extensions["fieldvisit.db"] = _AppDatabase(make_engine(app.config["DATABASE_URL"]))
        app.teardown_request(self._close_request_session)
        app.teardown_appcontext(self._close_context_session)

    @staticmethod
    def _state() -> _AppDatabase:
        return current_app.extensions["fieldvisit.db"]

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def bind(self) -> Engine | Connection:
        return self._state().bind

    @bind.setter
    def bind(self, value: Engine | Connection) -> None:
        self._state().bind = value

    @property
    def session(self) -> Session:
        """Return the session of this request, or of this app context outside requests."""
        holder = request.environ if has_request_context() else g.__dict__
        session = holder.get(_KEY)
        if session is None:
            session = Session(
                bind=self.bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            holder[_KEY] = session
        return session

    def _close_request_session(self, exc: BaseException | None) -> None:
        if session := request.environ.pop(_KEY, None):
            session.close()

    def _close_context_session(self, exc: BaseException | None) -> None:
        if session := g.__dict__.pop(_KEY, None):
            session.close()


# The largest id a table holds: ids are INTEGER, 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_KEPT_ASIDE = "fieldvisit.write_after_reading"
# Set by `writing()` for work outside a request (the CLI, jobs) and for the rows kept aside.
_intent: contextvars.ContextVar[str | None] = contextvars.ContextVar("db_intent", default=None)


def reading_request() -> bool:
    """Say whether this is a page that only reads (GET, HEAD, OPTIONS)."""
    return has_request_context() and request.method in SAFE_METHODS


@contextmanager
def _intending(intent: str) -> Iterator[None]:
    token = _intent.set(intent)
    try:
        yield
    finally:
        _intent.reset(token)


def own_session() -> Session:
    """A session of its own for work outside a request (the worker's emails and jobs),
    joined to the request's connection in tests."""
    return Session(bind=db.bind, expire_on_commit=False, join_transaction_mode="create_savepoint")


def writing() -> Any:
    """Begin SQLite transactions in this block with BEGIN IMMEDIATE: they will write."""
    return _intending("write")


def reading() -> Any:
    """Begin SQLite transactions in this block in a plain snapshot: they only read."""
    return _intending("read")


def write_after_reading(session: Session, row: Base) -> None:
    """Add a row a page writes as a side note (an audit row): kept aside during a GET and
    written by `commit_kept_aside`; added to the request's own transaction otherwise."""
    if reading_request():
        session.info.setdefault(_KEPT_ASIDE, []).append(row)
    else:
        session.add(row)


def commit_kept_aside(session: Session) -> None:
    """Write the rows a page kept aside, in a short write transaction of their own."""
    rows = session.info.pop(_KEPT_ASIDE, None)
    if not rows:
        return
    bind = session.get_bind()
    with writing(), Session(bind=bind, join_transaction_mode="create_savepoint") as writer:
        writer.add_all(rows)
        writer.commit()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout. Errors never show
    the statement's values."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"timeout": 30}, "hide_parameters": True}
        if url in {"sqlite://", "sqlite:///:memory:"}:
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A failed statement's message never carries its values (a child's name, a note) into a log.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, begin transactions: savepoints then work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # A visit the server has confirmed must survive a power cut: the phone then deletes it.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    intent = _intent.get()
    if intent is None:
        intent = "read" if reading_request() else "write"
    connection.exec_driver_sql("BEGIN IMMEDIATE" if intent == "write" else "BEGIN")


db = Database()
