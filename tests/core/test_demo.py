from sqlalchemy import func, select

from core.auth import Role, User
from core.demo import DEMO_USERS, demo_password


def test_demo_creates_one_user_per_role_and_is_idempotent(app, rollback):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    for _name, email, role in DEMO_USERS:
        assert f"{email}" in second.output and demo_password(role) in second.output

    with app.app_context():
        from core.db import get_session

        session = get_session()
        emails = [email for _n, email, _r in DEMO_USERS]
        assert session.scalar(select(func.count()).select_from(User).where(User.email.in_(emails))) == 4
        roles = {
            user.email: user.roles
            for user in session.scalars(select(User).where(User.email.in_(emails)))
        }
        assert roles == {email: {role} for _n, email, role in DEMO_USERS}
        assert {role for _n, _e, role in DEMO_USERS} == set(Role)
