"""On SQLite, a write request takes the write lock when its transaction begins (BEGIN IMMEDIATE).

Otherwise a request that reads, then writes fails at once with "database is locked" when another
process committed in between (WAL mode), instead of waiting its turn."""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask
from sqlalchemy import text

from core.db import Database


def _other_process_can_write(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        other.execute("INSERT INTO notes (body) VALUES ('from elsewhere')")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


@pytest.mark.parametrize(("method", "holds_write_lock"), [("GET", False), ("POST", True)])
def test_only_write_requests_begin_with_the_write_lock(tmp_path, method, holds_write_lock):
    path = str(tmp_path / "locks.db")
    database = Database(f"sqlite:///{path}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))

    with Flask(__name__).test_request_context(method=method), database.engine.connect() as connection:
        with connection.begin():
            connection.execute(text("SELECT count(*) FROM notes")).scalar_one()
            assert _other_process_can_write(path) is not holds_write_lock
    database.engine.dispose()
