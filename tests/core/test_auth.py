import re

import pytest
from sqlalchemy import select

from core import auth
from core.audit import AuditEvent
from core.auth import Role, User
from core.db import get_session
from core.errors import DomainError
from tests.support.factories import TEST_PASSWORD, create_test_user, sign_in


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_passwords_are_hashed_with_scrypt(session):
    user = create_test_user()
    assert user.password_hash.startswith("scrypt:")
    assert TEST_PASSWORD not in user.password_hash


def test_short_passwords_are_refused(session):
    with pytest.raises(DomainError, match="at least 12 characters"):
        create_test_user(password="short")


def test_duplicate_email_is_a_clear_error(session):
    create_test_user(email="same@tests.example")
    with pytest.raises(DomainError, match="already exists"):
        create_test_user(email="SAME@tests.example")


def test_sign_in_and_wrong_password(client, app, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.RECRUITER])
        get_session().commit()
    wrong = client.post("/login", data={"email": user.email, "password": "not the password"})
    assert wrong.status_code == 401
    assert "Wrong email or password." in wrong.get_data(as_text=True)
    assert client.get("/hiring/").status_code == 302
    sign_in(client, user.email.upper())
    assert client.get("/hiring/").status_code == 200


def test_sign_in_redirects_only_to_this_site(client, app, no_csrf):
    with app.app_context():
        user = create_test_user()
        get_session().commit()
    response = client.post(
        "/login?next=//evil.example/x", data={"email": user.email, "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_login_rate_limit_refuses_even_the_right_password(client, app, no_csrf):
    with app.app_context():
        user = create_test_user()
        get_session().commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert (
            client.post(
                "/login", data={"email": user.email, "password": "guess guess guess"}
            ).status_code
            == 401
        )
    blocked = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302, "still signed out"


def test_post_without_csrf_token_is_rejected_and_saves_nothing(client, app):
    with app.app_context():
        admin = create_test_user(roles=[Role.ADMIN])
        get_session().commit()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert (
        client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD}).status_code == 400
    )
    signed_in = client.post(
        "/login", data={"email": admin.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302

    forged = client.post(
        "/admin/users/invite",
        data={"name": "Eve", "email": "eve@tests.example", "roles": ["admin"]},
    )
    assert forged.status_code == 400
    assert "security token" in forged.get_data(as_text=True)
    with app.app_context():
        assert auth.find_user_by_email(get_session(), "eve@tests.example") is None


def test_invitation_flow_and_audit(admin_client, app):
    response = admin_client.post(
        "/admin/users/invite",
        data={
            "name": "Nia Newcomer",
            "email": "Nia@Tests.Example",
            "roles": ["interviewer", "recruiter"],
        },
    )
    assert response.status_code == 200
    link = re.search(
        r'value="(http://loopwise.test/invite/[^"]+)"', response.get_data(as_text=True)
    ).group(1)
    path = link.removeprefix("http://loopwise.test")

    assert (
        admin_client.post(
            path, data={"password": "a-long-enough-password", "confirm": "different"}
        ).status_code
        == 200
    )
    assert (
        admin_client.post(
            path, data={"password": "a-long-enough-password", "confirm": "a-long-enough-password"}
        ).status_code
        == 302
    )
    reused = admin_client.post(
        path, data={"password": "another-long-password", "confirm": "another-long-password"}
    )
    assert reused.status_code == 400
    assert "already used" in reused.get_data(as_text=True)

    with app.app_context():
        session = get_session()
        user = auth.find_user_by_email(session, "nia@tests.example")
        assert user.roles == {Role.INTERVIEWER, Role.RECRUITER}
        assert (
            auth.authenticate(
                session,
                user.email,
                "a-long-enough-password",
                remote_addr=None,
                policy=auth.LoginPolicy(5, auth.timedelta(minutes=15)),
            )
            is not None
        )
        assert audit_actions(session)[-3:] == [
            "user.invited",
            "user.password_set",
            "user.signed_in",
        ]
    audit_page = admin_client.get("/admin/audit?action=user.").get_data(as_text=True)
    assert "user.invited" in audit_page and "nia@tests.example" in audit_page


def test_disabling_a_user_ends_their_session(client, app, no_csrf):
    with app.app_context():
        admin = create_test_user(roles=[Role.ADMIN])
        target = create_test_user(roles=[Role.RECRUITER])
        get_session().commit()
    other = app.test_client()
    sign_in(other, target.email)
    assert other.get("/hiring/").status_code == 200

    sign_in(client, admin.email)
    assert client.post(f"/admin/users/{target.id}/active", data={"active": "0"}).status_code == 302
    assert other.get("/hiring/").status_code == 302, "a disabled user's session stops working"
    assert (
        other.post("/login", data={"email": target.email, "password": TEST_PASSWORD}).status_code == 401
    )

    refused = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    assert refused.status_code == 400
    assert "cannot disable your own account" in refused.get_data(as_text=True)
    with app.app_context():
        session = get_session()
        assert session.get(User, target.id).active is False
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.disabled")).one()
        assert (event.actor_id, event.before, event.after) == (
            admin.id,
            {"active": True},
            {"active": False},
        )


def test_role_changes_are_audited_and_take_effect(admin_client, app):
    with app.app_context():
        user = create_test_user(roles=[Role.INTERVIEWER])
        get_session().commit()
    assert admin_client.post(f"/admin/users/{user.id}", data={"roles": ["recruiter"]}).status_code == 302
    with app.app_context():
        session = get_session()
        assert session.get(User, user.id).roles == {Role.RECRUITER}
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.roles_changed")
        ).one()
        assert event.before == {"roles": ["interviewer"]} and event.after == {"roles": ["recruiter"]}
    empty = admin_client.post(f"/admin/users/{user.id}", data={})
    assert "Pick at least one role." in empty.get_data(as_text=True)


def test_user_text_is_escaped(admin_client, app):
    with app.app_context():
        create_test_user(name='<script>alert("x")</script>')
        get_session().commit()
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_navigation_shows_what_the_role_may_use(client, app, no_csrf):
    with app.app_context():
        interviewer = create_test_user(roles=[Role.INTERVIEWER])
        get_session().commit()
    sign_in(client, interviewer.email)
    page = client.get("/").get_data(as_text=True)
    nav = page.split('<nav aria-label="Sections">')[1].split("</nav>")[0]
    assert "Interviews" in nav and "Rubrics" in nav
    assert "Hiring" not in nav and "Users" not in nav and "Audit log" not in nav
    assert "script-src 'self'" in client.get("/").headers["Content-Security-Policy"]


def test_a_duplicate_email_leaves_the_rest_of_the_unit_of_work_intact(session):
    earlier = create_test_user(email="first@tests.example")
    pending = User(email="pending@tests.example", name="Pending")
    session.add(pending)
    with pytest.raises(DomainError, match="already exists"):
        create_test_user(email="first@tests.example")
    session.flush()
    assert session.get(User, earlier.id) is earlier
    assert auth.find_user_by_email(session, "pending@tests.example") is pending
