"""Every route × (anonymous + each role) gets the expected answer: 200/2xx-3xx, 302 to login, or 403.

The access policy is CORE_POLICY below plus the POLICY of every tests/<package>/policy_*.py module.
A route registered without an entry fails the test.
"""

from __future__ import annotations

import pytest
from flask import Flask

from app import create_app
from core.auth import Role
from core.db import get_session
from tests.support.factories import create_test_user, sign_in
from tests.support.policy import ADMIN_ONLY, PUBLIC, SIGNED_IN, collect_policies
from tests.support.samples import url_values

CORE_POLICY: dict[str, object] = {
    "static": PUBLIC,
    "core.health": PUBLIC,
    "core.login": PUBLIC,
    "core.accept_invite": PUBLIC,
    "core.index": SIGNED_IN,
    "core.logout": SIGNED_IN,
    "core.job_run": SIGNED_IN,  # and only the run's creator or an admin: see test_jobs.py
    "core.job_status": SIGNED_IN,
    "core.retry_job": SIGNED_IN,
    "core.users": ADMIN_ONLY,
    "core.invite_user": ADMIN_ONLY,
    "core.edit_user": ADMIN_ONLY,
    "core.set_user_active": ADMIN_ONLY,
    "core.audit_log": ADMIN_ONLY,
    "core.jobs_admin": ADMIN_ONLY,
    "core.run_system_check": ADMIN_ONLY,
}
POLICY = collect_policies(CORE_POLICY)

ACTORS = ["anonymous", *Role]


def expected_status(endpoint: str, actor: str | Role) -> str:
    rule = POLICY[endpoint]
    if rule == PUBLIC:
        return "allowed"
    if actor == "anonymous":
        return "login"
    if rule == SIGNED_IN or actor == Role.ADMIN or actor in rule:
        return "allowed"
    return "forbidden"


def test_every_route_has_a_policy(app: Flask):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(POLICY))
    assert not missing, f"add these endpoints to POLICY with their access rule: {missing}"
    stale = sorted(set(POLICY) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"POLICY names endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("actor", ACTORS, ids=str)
def test_role_route_matrix(app: Flask, client, no_csrf, actor):
    mismatches = []
    with app.app_context():
        owner_id = None
        if actor != "anonymous":
            user = create_test_user(roles=[actor])
            owner_id = user.id
        # Token-authenticated API routes ignore cookies: tests/api/test_api_access.py is their matrix.
        views = app.view_functions
        rules = sorted(
            (r for r in app.url_map.iter_rules() if not hasattr(views[r.endpoint], "api_rule")),
            key=lambda r: r.rule,
        )
        cases = [(rule, url_values(rule, owner_id)) for rule in rules]
        get_session().commit()
    if actor != "anonymous":
        sign_in(client, user.email)

    for rule, values in cases:
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "core.logout" or (rule.endpoint == "core.login" and method == "POST"):
                continue  # would end the signed-in session mid-matrix; covered in test_auth.py
            response = client.open(url, method=method, data={})
            outcome = classify(response)
            if method == "GET" and outcome == "allowed" and response.status_code != 200:
                outcome = f"allowed but answered {response.status_code}"
            want = expected_status(rule.endpoint, actor)
            if outcome != want:
                mismatches.append(
                    f"{method} {url}: expected {want}, got {response.status_code} {outcome}"
                )
    assert not mismatches, "\n".join(mismatches)


def classify(response) -> str:
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return "login"
    if response.status_code >= 500:
        return f"server error: {response.get_data(as_text=True)[:200]}"
    return "allowed"


def test_logout_requires_sign_in_and_signs_out(client, app, no_csrf):
    assert classify(client.post("/logout")) == "login"
    with app.app_context():
        user = create_test_user()
        get_session().commit()
    sign_in(client, user.email)
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert classify(client.get("/")) == "login"


def test_a_route_without_an_access_rule_is_denied(app):
    probe = create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "x",
            "TESTING": True,
        }
    )
    probe.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert probe.test_client().get("/forgotten").status_code == 403
