"""Database: declarative base, one engine per app, one session per app context, pagination."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import JSON, Connection, DateTime, Engine, Enum, MetaData, Select, create_engine, event
from sqlalchemy import func as sql_func
from sqlalchemy import select as sql_select
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from core.errors import NotFoundError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def str_enum(kind: type[enum.Enum], length: int = 24) -> Enum:
    """A column type storing an enum's values as plain strings (no database-specific ENUM type)."""
    return Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime: every stored datetime is UTC, but SQLite hands them back naive and
    PostgreSQL in its session's zone (naive input is taken as UTC too)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class AppSession(Session):
    """The session class of every app session, so that event listeners outlive rebinding."""


class Database:
    """The engine and session factory of one app, kept in ``app.extensions['db']``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, **_engine_options(url))
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _configure_sqlite_connection)
            # pysqlite opens transactions lazily, which breaks SAVEPOINTs; let SQLAlchemy begin them.
            event.listen(self.engine, "begin", _begin_sqlite_transaction)
        self.session_factory = sessionmaker(self.engine, class_=AppSession, expire_on_commit=False)

    def bind_to(self, connection: Connection) -> None:
        """Run every session inside an outer transaction on ``connection`` (test rollback)."""
        self.session_factory = sessionmaker(
            bind=connection,
            class_=AppSession,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # The web process and rq workers share the file: wait for locks instead of failing.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_sqlite_transaction(connection: Connection) -> None:
    # In WAL mode a transaction that reads, then writes fails at once with "database is locked"
    # when another process committed in between; BEGIN IMMEDIATE takes the write lock first and
    # waits its turn (pysqlite's 5 s busy timeout). Only write requests pay for it; jobs, whose
    # transactions can be long, keep deferred ones.
    write_request = has_request_context() and request.method not in READ_ONLY_METHODS
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write_request else "BEGIN")


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_app(app: Flask) -> Database:
    database = Database(app.config["DATABASE_URL"])
    app.extensions["db"] = database
    app.teardown_appcontext(_close_session)
    return database


def get_database() -> Database:
    return current_app.extensions["db"]


def get_session() -> Session:
    """Return the session of the current app context, opening it on first use."""
    if "db_session" not in g:
        g.db_session = get_database().session_factory()
    return g.db_session


def _close_session(_exception: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards and backslash escaped, for ``like(pattern, escape="\\")``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def paginate(session: Session, statement: Select[Any], page: int, per_page: int) -> Page[Any]:
    """Run ``statement`` for one page of results, with the total count."""
    page = max(1, page)
    total = session.scalar(sql_select(sql_func.count()).select_from(statement.order_by(None).subquery()))
    items = session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, page=page, per_page=per_page, total=total or 0)


Model = TypeVar("Model", bound=Base)


def get_or_raise(session: Session, model: type[Model], primary_key: Any, message: str) -> Model:
    """Load a row by primary key, or raise NotFoundError with ``message``."""
    row = session.get(model, primary_key)
    if row is None:
        raise NotFoundError(message)
    return row
