"""Every /api/v1 route for: no token, a session cookie only, and a token of each role.

The cookie-based matrix (tests/core/test_access.py) cannot see token rules, so this is their matrix.
"""

from __future__ import annotations

import pytest
from flask import url_for

from core.auth import PUBLIC, Role
from core.db import get_session
from tests.support.factories import create_test_user, sign_in
from tests.support.samples import url_values

WRITERS = {Role.ADMIN, Role.HIRING_MANAGER, Role.RECRUITER}
MANAGERS = {Role.ADMIN, Role.HIRING_MANAGER}
# Records that only their role's panel sees, besides the people running hiring: the sample records
# have nobody of the test's token on their panel.
PANEL_RECORDS = ("/roles/", "/candidates/", "/loops/", "/rounds/", "/scorecards/", "/transcripts/")
# Each write sent an empty body: the roles that get 422 (the others get 403). The token rule
# refuses first; then the body is validated, before the record is loaded; where {} is a valid body,
# the record check or the service answers.
EMPTY_BODY_422 = {
    "api_v1.create_candidate": WRITERS,
    "api_v1.move_application": WRITERS,
    # {} is a valid draft, but the sample scorecard belongs to someone else: 403 for everyone.
    "api_v1.save_scorecard": set(),
    "api_v1.create_transcript": set(Role),  # the text is required
    # {} is valid; loop runners reach the service (the sample transcript has nothing aligned).
    "api_v1.start_scoring": WRITERS,
    "api_v1.cast_vote": {Role.ADMIN, Role.HIRING_MANAGER, Role.INTERVIEWER},  # the vote is required
    # {} is valid; the sample role has no hiring manager, so an admin reaches the service, which
    # finds no open debrief.
    "api_v1.reveal_votes": {Role.ADMIN},
    "api_v1.record_decision": MANAGERS,  # outcome and rationale are required
}


def api_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("api_v1.")), key=str)


def test_every_api_route_declares_a_token_rule(app):
    rules = api_rules(app)
    assert len(rules) >= 8
    for rule in rules:
        assert hasattr(app.view_functions[rule.endpoint], "api_rule"), rule.endpoint


def _urls(app, owner_id):
    cases = []
    for rule in api_rules(app):
        values = url_values(rule, owner_id)
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            cases.append((rule, url, method))
    return cases


def test_without_a_token_every_api_route_but_the_document_is_401(app, client, no_csrf):
    with app.app_context():
        user = create_test_user(roles=[Role.ADMIN])
        cases = _urls(app, user.id)
        get_session().commit()
    sign_in(client, user.email)  # a session cookie is not a credential for the API
    for rule, url, method in cases:
        response = client.open(url, method=method, json={})
        public = app.view_functions[rule.endpoint].api_rule == PUBLIC
        assert response.status_code == (200 if public else 401), (method, url)
        if not public:
            assert response.json["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_token_role_matrix(app, issue_token, role):
    user, api = issue_token([role])
    with app.app_context():
        cases = _urls(app, user.id)
        get_session().commit()
    for rule, url, method in cases:
        response = api.client.open(
            url, method=method, json={}, headers={"Authorization": f"Bearer {api.secret}"}
        )
        if method in ("POST", "PUT"):
            expected = 422 if role in EMPTY_BODY_422[rule.endpoint] else 403
            assert response.status_code == expected, (role, method, url, response.json)
            assert response.json["error"]["code"], (role, method, url)
        elif (
            role in WRITERS
            or url.endswith("openapi.json")
            or not any(part in url for part in PANEL_RECORDS)
        ):
            assert response.status_code == 200, (role, url, response.json)
        else:  # the sample records are on no panel of this interviewer
            assert response.status_code == 403, (role, url)
