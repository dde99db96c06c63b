"""Fixtures of the API tests: users with personal API tokens, and a bearer-authenticated client."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import pytest

from api.tokens import create_api_token
from core.auth import Role
from core.db import get_session
from tests.support.factories import create_test_user


class Bearer:
    """Calls the API with one token: ``bearer.get("/roles")`` → GET /api/v1/roles."""

    def __init__(self, client: Any, secret: str) -> None:
        self.client, self.secret = client, secret

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **(extra or {})}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(
            f"/api/v1{path}", headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def post(self, path: str, **kwargs: Any) -> Any:
        headers = self._headers(kwargs.pop("headers", None))
        return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)


@pytest.fixture
def issue_token(app, client) -> Callable[..., tuple[Any, Bearer]]:
    """Create a user holding ``user_roles`` and a token scoped to ``roles``; commit both."""

    def issue(
        roles: Iterable[Role] = (Role.RECRUITER,),
        *,
        user_roles: Iterable[Role] | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[Any, Bearer]:
        roles = list(roles)
        with app.app_context():
            user = create_test_user(roles=list(user_roles or roles))
            issued = create_api_token(
                get_session(), user, name="tests", roles=roles, expires_at=expires_at
            )
            get_session().commit()
        return user, Bearer(client, issued.secret)

    return issue


@pytest.fixture
def recruiter_api(issue_token) -> Bearer:
    return issue_token([Role.RECRUITER])[1]
