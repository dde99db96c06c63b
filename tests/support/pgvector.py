"""An app on its own PostgreSQL server with pgvector (bench.pgserver), migrated to head.

The suite's configured database (SQLite, or the machine's PostgreSQL without pgvector) never runs
migration 0006 for real; this one does. One server per test session, stopped at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy.orm import Session

from app import create_app
from bench.pgserver import PgServer
from core.cli import upgrade_database
from core.db import get_database, get_session


@contextmanager
def pgvector_app(instance_path: str) -> Iterator[Flask]:
    """A test app whose database is a fresh PostgreSQL 16 with pgvector 0.8, at the head revision."""
    with PgServer() as server:
        app = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": instance_path,
                "DATABASE_URL": server.url,
                "SECRET_KEY": "tests-only-secret",
                "SERVER_NAME": "loopwise.test",
                "MATCHING_REFRESH_JOBS": False,  # no job queue needed here
            }
        )
        app.config["PGSERVER_STARTUP_SECONDS"] = server.startup_seconds
        with app.app_context():
            upgrade_database()
        try:
            yield app
        finally:
            with app.app_context():
                get_database().engine.dispose()


@contextmanager
def rolled_back_session(app: Flask) -> Iterator[Session]:
    """The app's session inside one outer transaction, rolled back at the end (as tests/conftest)."""
    database = app.extensions["db"]
    connection = database.engine.connect()
    outer = connection.begin()
    original_factory = database.session_factory
    database.bind_to(connection)
    try:
        with app.app_context():
            yield get_session()
    finally:
        database.session_factory = original_factory
        outer.rollback()
        connection.close()
