"""Personal API tokens: the page, hashing at rest, revocation, expiry, scope and disabled users."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from api.models import ApiToken
from api.tokens import authenticate_bearer, create_api_token
from core.audit import AuditEvent
from core.auth import Role, set_user_active
from core.db import get_session, utcnow
from tests.support.factories import create_test_user, sign_in

TOKEN_PATTERN = re.compile(r"lw_[0-9a-f]{8}_[A-Za-z0-9_\-]{40,}")


def _create_on_page(client, **data):
    form = {"name": "ATS sync", "roles": ["recruiter"], "expires_in_days": "90", **data}
    return client.post("/api/tokens", data=form)


def test_the_page_shows_the_secret_once_and_stores_only_its_hash(app, client, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.RECRUITER, Role.INTERVIEWER])
        get_session().commit()
    sign_in(client, user.email)

    created = _create_on_page(client)
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    secret = TOKEN_PATTERN.search(created.get_data(as_text=True)).group(0)

    listing = client.get("/api/tokens").get_data(as_text=True)
    assert secret not in listing  # never shown again
    prefix = secret.split("_")[1]
    assert f"lw_{prefix}_" in listing
    with app.app_context():
        token = get_session().scalar(select(ApiToken).where(ApiToken.prefix == prefix))
        assert token.secret_hash == hashlib.sha256(secret.split("_", 2)[2].encode()).hexdigest()
        assert secret.split("_", 2)[2] not in repr(
            [getattr(token, c.key) for c in ApiToken.__table__.columns]
        )
        assert token.scopes == ["recruiter"]
        assert token.expires_at is not None
        audit = get_session().scalar(select(AuditEvent).where(AuditEvent.action == "api_token.created"))
        assert audit.actor_id == user.id and prefix in audit.summary

    response = client.get("/api/v1/roles", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_the_page_refuses_roles_the_user_does_not_hold(app, client, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.INTERVIEWER])
        get_session().commit()
    sign_in(client, user.email)
    response = _create_on_page(client, roles=["admin"])
    assert response.status_code == 422
    with app.app_context():
        assert get_session().scalar(select(ApiToken).where(ApiToken.user_id == user.id)) is None


def test_a_revoked_token_is_refused_with_401(app, client, no_csrf, issue_token):
    user, api = issue_token([Role.RECRUITER])
    assert api.get("/roles").status_code == 200
    sign_in(client, user.email)
    prefix = api.secret.split("_")[1]
    assert client.post(f"/api/tokens/{prefix}/revoke").status_code == 302

    refused = api.get("/roles")
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "unauthenticated"
    assert "revoked" in refused.json["error"]["message"]
    with app.app_context():
        assert get_session().scalar(select(AuditEvent).where(AuditEvent.action == "api_token.revoked"))


def test_the_own_tokens_page_revokes_only_your_own_tokens(app, client, no_csrf, issue_token):
    _, api = issue_token([Role.RECRUITER])
    with app.app_context():
        other = create_test_user(roles=[Role.ADMIN])
        get_session().commit()
    sign_in(client, other.email)
    assert client.post(f"/api/tokens/{api.secret.split('_')[1]}/revoke").status_code == 404
    assert api.get("/roles").status_code == 200


def test_an_administrator_sees_and_revokes_anyones_token(app, client, no_csrf, issue_token):
    owner, api = issue_token([Role.RECRUITER])
    prefix = api.secret.split("_")[1]
    with app.app_context():
        admin = create_test_user(roles=[Role.ADMIN])
        get_session().commit()
    sign_in(client, admin.email)
    listing = client.get("/api/tokens/all").get_data(as_text=True)
    assert owner.email in listing and f"lw_{prefix}_" in listing
    assert api.secret.split("_", 2)[2] not in listing

    assert client.post(f"/api/tokens/all/{prefix}/revoke").status_code == 302
    assert api.get("/roles").status_code == 401
    with app.app_context():
        revoked = select(AuditEvent).where(AuditEvent.action == "api_token.revoked")
        audit = get_session().scalar(revoked.order_by(AuditEvent.id.desc()))
        assert audit.actor_id == admin.id and owner.email in audit.summary
    again = client.post(f"/api/tokens/all/{prefix}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


def test_an_expired_token_is_refused(app, issue_token):
    _, api = issue_token([Role.RECRUITER])
    prefix = api.secret.split("_")[1]
    with app.app_context():
        token = get_session().scalar(select(ApiToken).where(ApiToken.prefix == prefix))
        token.expires_at = utcnow() - timedelta(seconds=1)
        get_session().commit()
    response = api.get("/roles")
    assert response.status_code == 401
    assert "expired" in response.json["error"]["message"]


def test_a_disabled_user_and_a_wrong_secret_are_refused(app, issue_token):
    user, api = issue_token([Role.RECRUITER])
    forged = api.secret[:-4] + ("aaaa" if not api.secret.endswith("aaaa") else "bbbb")
    assert (
        api.client.get("/api/v1/roles", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    )
    with app.app_context():
        admin = create_test_user(roles=[Role.ADMIN])
        set_user_active(get_session(), get_session().merge(user), False, actor_id=admin.id)
        get_session().commit()
    assert api.get("/roles").status_code == 401


def test_effective_roles_are_the_scope_within_the_users_current_roles(session):
    user = create_test_user(roles=[Role.RECRUITER, Role.INTERVIEWER])
    issued = create_api_token(session, user, name="narrow", roles=[Role.INTERVIEWER])
    principal = authenticate_bearer(session, f"Bearer {issued.secret}")
    assert principal.roles == {Role.INTERVIEWER}
    assert principal.token.last_used_at is not None


def test_a_session_cookie_without_a_token_is_refused(app, client, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.ADMIN])
        get_session().commit()
    sign_in(client, user.email)
    response = client.get("/api/v1/roles")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json["error"]) == {"code", "message", "details"}
