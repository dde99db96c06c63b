"""Fixtures shared by the hiring tests."""

import pytest

from core.auth import Role
from core.db import get_session
from tests.support.factories import create_test_user, sign_in


@pytest.fixture
def recruiter(client, app, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.RECRUITER])
        get_session().commit()
    sign_in(client, user.email)
    return user
