"""Fixtures on real parts: the configured database (SQLite file or PostgreSQL) and Redis.

The schema is built once per session by the real migrations; each test runs inside a transaction
that is rolled back (SQLAlchemy's "join a session into an external transaction" recipe).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import create_app
from core import jobs
from core.cli import upgrade_database
from core.db import get_database, get_session
from tests.rubrics.fake_openai_server import FakeOpenAI, first_sentence_reply
from tests.support.factories import create_test_user, sign_in


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def app(instance_path: str) -> Iterator[Flask]:
    database_url = os.environ.get("LOOPWISE_DATABASE_URL") or f"sqlite:///{instance_path}/test.db"
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": instance_path,
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("LOOPWISE_REDIS_URL"),
            "SECRET_KEY": "tests-only-secret",
            "SERVER_NAME": "loopwise.test",
            # Every profile change would queue a refresh job in the shared Redis; the matching
            # tests that check it turn it on (tests/matching/test_ranking.py).
            "MATCHING_REFRESH_JOBS": False,
        }
    )
    with app.app_context():
        reset_schema()
        upgrade_database()
        jobs.get_redis(app).flushdb()  # the dedicated test Redis database (or the embedded one)
    yield app
    with app.app_context():
        jobs.get_redis(app).flushdb()
        jobs.stop_embedded_redis(app.instance_path)
        get_database().engine.dispose()


def reset_schema() -> None:
    """Start the session from an empty database (PostgreSQL: the dedicated test database)."""
    engine = get_database().engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="module")
def fake_judge() -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible server on 127.0.0.1: the edge we do not own, replies recorded by hand."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def judge(app: Flask, fake_judge: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """The app's LLM judge pointed at ``fake_judge``, which quotes each answer's first sentence."""
    fake_judge.reset()
    fake_judge.handler = first_sentence_reply
    monkeypatch.setitem(app.config, "OPENAI_BASE_URL", fake_judge.base_url)
    monkeypatch.setitem(app.config, "JUDGE_MODEL", "fake-judge")
    monkeypatch.setitem(app.config, "OPENAI_API_KEY", "not-needed")
    return fake_judge


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def rollback(app: Flask) -> Iterator[None]:
    """Bind every session of the app to one outer transaction, rolled back after the test."""
    database = app.extensions["db"]
    connection = database.engine.connect()
    outer = connection.begin()
    original_factory = database.session_factory
    database.bind_to(connection)
    yield
    database.session_factory = original_factory
    outer.rollback()
    connection.close()


@pytest.fixture
def session(rollback: None, app_context: None) -> Session:
    return get_session()


@pytest.fixture
def client(rollback: None, app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def no_csrf(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)


@pytest.fixture
def admin_client(client: FlaskClient, app: Flask, no_csrf: None) -> FlaskClient:
    from core.auth import Role

    with app.app_context():
        user = create_test_user(roles=[Role.ADMIN], email="admin@tests.example")
        get_session().commit()
    sign_in(client, user.email)
    return client
