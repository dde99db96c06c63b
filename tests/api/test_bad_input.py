"""Hostile input found by fuzzing (bench/fuzz_api.py): a clear 4xx error object, never a 500."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.tokens import revoke_api_token
from core.auth import Role
from core.db import get_session
from hiring.models import Candidate
from tests.support import hiring_factories as factories

PAST_INT32 = 2**31
PAST_INT64 = 2**63


def _error_code(response) -> str:
    assert set(response.json["error"]) == {"code", "message", "details"}, response.get_data()[:300]
    return response.json["error"]["code"]


def _cursor(listing: str, after: int) -> str:
    raw = json.dumps({"l": listing, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's recursion limit
        b'{"name":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
        b'{"name": "\xff\xfe"}',  # not UTF-8
    ],
    ids=["nested-arrays", "nested-objects", "non-utf8"],
)
def test_unparseable_bodies_are_400(recruiter_api, body):
    response = recruiter_api.post("/candidates", data=body, content_type="application/json")
    assert response.status_code == 400 and _error_code(response) == "invalid_json"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Nul\x00Byte"},
        {"name": "Ok", "skills": ["py\x00thon"]},
        {"name": "Ok", "emails": ["a\x00@example.org"]},
        {"name": "Lone \ud800 surrogate"},
        {"name": "Ok", "tags": ["\udfff"]},
    ],
    ids=["nul-name", "nul-skill", "nul-email", "surrogate-name", "surrogate-tag"],
)
def test_text_no_database_can_store_is_422_and_saves_nothing(app, recruiter_api, body):
    with app.app_context():
        before = get_session().scalar(select(func.count()).select_from(Candidate))
    # json.dumps writes lone surrogates as \\ud800 escapes, as a client's JSON would.
    response = recruiter_api.post("/candidates", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and _error_code(response) == "validation_failed"
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(Candidate)) == before


def test_nul_in_a_move_reason_is_422(app, recruiter_api):
    with app.app_context():
        application = factories.create_application()
        stage = next(s for s in application.role.stages if s.name == "Rejected")
        get_session().commit()
    response = recruiter_api.post(
        f"/applications/{application.id}/moves", json={"to_stage_id": stage.id, "reason": "x\x00"}
    )
    assert response.status_code == 422 and _error_code(response) == "validation_failed"


@pytest.mark.parametrize(
    "query",
    [{"q": "a\x00b"}, {"cursor": "a\x00b"}],
    ids=["q", "cursor"],
)
def test_nul_in_a_candidates_query_is_422(recruiter_api, query):
    response = recruiter_api.get("/candidates", query_string=query)
    assert response.status_code == 422 and _error_code(response) == "validation_failed"


def test_nul_in_a_stage_filter_is_422(recruiter_api):
    response = recruiter_api.get("/applications", query_string={"stage": "a\x00b"})
    assert response.status_code == 422 and _error_code(response) == "validation_failed"


@pytest.mark.parametrize("number", [PAST_INT32, PAST_INT64, 10**30])
@pytest.mark.parametrize("path", ["/roles/{}", "/candidates/{}"])
def test_path_ids_past_the_id_range_are_404(recruiter_api, path, number):
    response = recruiter_api.get(path.format(number))
    assert response.status_code == 404 and _error_code(response) == "not_found"


@pytest.mark.parametrize("number", [PAST_INT32, PAST_INT64])
def test_ids_past_the_id_range_in_moves(recruiter_api, number):
    unknown = recruiter_api.post(f"/applications/{number}/moves", json={"to_stage_id": 1})
    assert unknown.status_code == 404 and _error_code(unknown) == "not_found"
    body = recruiter_api.post("/applications/1/moves", json={"to_stage_id": number})
    # 404 where application 1 does not exist: the path is checked before the body is used.
    assert body.status_code in (404, 422) and _error_code(body) in ("not_found", "validation_failed")


def test_stage_id_past_the_id_range_is_422(app, recruiter_api):
    with app.app_context():
        application = factories.create_application()
        get_session().commit()
    response = recruiter_api.post(
        f"/applications/{application.id}/moves", json={"to_stage_id": PAST_INT64}
    )
    assert response.status_code == 422 and _error_code(response) == "validation_failed"


@pytest.mark.parametrize("number", [PAST_INT32, PAST_INT64])
def test_role_filter_past_the_id_range_is_422(recruiter_api, number):
    response = recruiter_api.get("/applications", query_string={"role_id": number})
    assert response.status_code == 422 and _error_code(response) == "validation_failed"


@pytest.mark.parametrize("limit", [PAST_INT64, -PAST_INT64])
def test_limit_past_any_range_is_422(recruiter_api, limit):
    response = recruiter_api.get("/roles", query_string={"limit": limit})
    assert response.status_code == 422 and _error_code(response) == "validation_failed"


@pytest.mark.parametrize("after", [PAST_INT32, PAST_INT64])
def test_a_forged_cursor_past_the_id_range_is_refused(recruiter_api, after):
    response = recruiter_api.get("/roles", query_string={"cursor": _cursor("roles", after)})
    assert response.status_code == 400 and _error_code(response) == "invalid_cursor"


def test_expired_and_revoked_tokens_are_401(app, issue_token):
    soon = datetime.now(UTC) + timedelta(seconds=30)
    user, expiring = issue_token([Role.RECRUITER], expires_at=soon)
    assert expiring.get("/roles").status_code == 200
    with app.app_context():
        from api.models import ApiToken

        token = get_session().scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        get_session().commit()
    expired = expiring.get("/roles")
    assert expired.status_code == 401 and "expired" in expired.json["error"]["message"]
    assert expired.headers["WWW-Authenticate"].startswith("Bearer")

    user, revocable = issue_token([Role.RECRUITER])
    with app.app_context():
        token = get_session().scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        revoke_api_token(get_session(), token, actor_id=user.id)
        get_session().commit()
    revoked = revocable.get("/roles")
    assert revoked.status_code == 401 and "revoked" in revoked.json["error"]["message"]


@pytest.mark.parametrize(
    "authorization",
    ["Bearer lw_ab\x00cd_secret", "Bearer lw_é_secret", "Bearer lw_" + "a" * 500 + "_s", "Basic eDp5"],
    ids=["nul", "non-ascii", "long-prefix", "basic"],
)
def test_malformed_tokens_are_401_without_a_lookup(client, authorization):
    response = client.get("/api/v1/roles", headers={"Authorization": authorization})
    assert response.status_code == 401 and _error_code(response) == "unauthenticated"


def test_unknown_fields_and_wrong_types_are_422(recruiter_api):
    for body in (
        {"name": "X", "is_admin": True},
        {"name": ["X"]},
        {"name": "X", "is_prospect": 1},
        {"name": "X", "skills": "python"},
        {"name": "X", "source": "carrier pigeon"},
    ):
        response = recruiter_api.post("/candidates", json=body)
        assert response.status_code == 422 and _error_code(response) == "validation_failed", body


def test_a_method_the_route_lacks_is_405_with_allow(recruiter_api):
    response = recruiter_api.client.delete(
        "/api/v1/roles", headers={"Authorization": f"Bearer {recruiter_api.secret}"}
    )
    assert response.status_code == 405 and _error_code(response) == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_datetimes_in_answers_carry_their_zone(app, recruiter_api):
    with app.app_context():
        role = factories.create_role()
        application = factories.create_application(role=role)
        get_session().commit()
    answers = [
        recruiter_api.get(f"/roles/{role.id}").json["created_at"],
        recruiter_api.get(f"/candidates/{application.candidate_id}").json["updated_at"],
        recruiter_api.get("/applications", query_string={"role_id": role.id}).json["items"][0][
            "stage_entered_at"
        ],
    ]
    for value in answers:
        assert datetime.fromisoformat(value).utcoffset() == timedelta(0), value
