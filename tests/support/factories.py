"""Test data factories: sensible defaults, any field overridable."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from flask.testing import FlaskClient

from core.auth import Role, User, create_user
from core.db import get_session

TEST_PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def create_test_user(*, roles: Iterable[Role] = (Role.INTERVIEWER,), **overrides: Any) -> User:
    number = next(_sequence)
    fields: dict[str, Any] = {
        "email": f"user{number}@tests.example",
        "name": f"Test User {number}",
        "password": TEST_PASSWORD,
    }
    fields.update(overrides)
    user = create_user(get_session(), roles=roles, **fields)
    get_session().flush()
    return user


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> Any:
    """Sign in through the real login form (the test app has CSRF checks off where this is used)."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
