"""The /api/v1 endpoints on the real database: pagination, filters, errors, idempotency, scope."""

from __future__ import annotations

from sqlalchemy import func, select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from hiring.models import Candidate, CandidateSource, RoleStatus
from tests.support import hiring_factories as factories


def _walk(api, path: str, limit: int, **filters) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        query = {"limit": limit, **filters, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, query_string=query)
        assert response.status_code == 200, response.json
        items += response.json["items"]
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            return items


def test_cursor_pagination_walks_every_role_exactly_once(app, recruiter_api):
    with app.app_context():
        ids = {factories.create_role().id for _ in range(7)}
        get_session().commit()
    seen = [item["id"] for item in _walk(recruiter_api, "/roles", limit=3)]
    assert len(seen) == len(set(seen))
    assert ids <= set(seen)
    assert seen == sorted(seen)


def test_roles_filter_by_status_and_show_one(app, recruiter_api):
    with app.app_context():
        draft = factories.create_role(status=RoleStatus.DRAFT)
        factories.create_role(status=RoleStatus.OPEN)
        get_session().commit()
    drafts = _walk(recruiter_api, "/roles", limit=100, status="draft")
    assert draft.id in {r["id"] for r in drafts} and {r["status"] for r in drafts} == {"draft"}
    one = recruiter_api.get(f"/roles/{draft.id}")
    assert one.status_code == 200 and "Applied" in [s["name"] for s in one.json["stages"]]
    assert recruiter_api.get("/roles/999999").json["error"]["code"] == "not_found"


def test_candidate_filters(app, recruiter_api):
    with app.app_context():
        ada = factories.create_candidate(
            name="Ada Lovelace-Api", source=CandidateSource.REFERRAL, referrer_name="Charles"
        )
        factories.create_candidate(name="Grace Hopper-Api", is_prospect=True)
        get_session().commit()
    by_name = recruiter_api.get("/candidates", query_string={"q": "lovelace-api"}).json["items"]
    assert [c["id"] for c in by_name] == [ada.id]
    referrals = recruiter_api.get("/candidates", query_string={"source": "referral", "limit": 100})
    assert ada.id in {c["id"] for c in referrals.json["items"]}
    assert {c["source"] for c in referrals.json["items"]} == {"referral"}
    prospects = recruiter_api.get("/candidates", query_string={"prospect": "true", "limit": 100})
    assert {c["is_prospect"] for c in prospects.json["items"]} == {True}


def test_applications_filter_by_role_and_stage(app, recruiter_api):
    with app.app_context():
        role = factories.create_role()
        applied = factories.create_application(role=role)
        lead = factories.create_application(role=role, stage_name="Lead")
        factories.create_application()
        get_session().commit()
    in_role = recruiter_api.get("/applications", query_string={"role_id": role.id}).json["items"]
    assert {a["id"] for a in in_role} == {applied.id, lead.id}
    at_lead = recruiter_api.get("/applications", query_string={"role_id": role.id, "stage": "lead"})
    assert [a["id"] for a in at_lead.json["items"]] == [lead.id]


def test_bad_query_strings_get_error_objects(recruiter_api):
    for query, code in (
        ({"limit": "0"}, "validation_failed"),
        ({"limit": "many"}, "validation_failed"),
        ({"status": "sleeping"}, "validation_failed"),
        ({"colour": "red"}, "validation_failed"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
    ):
        response = recruiter_api.get("/roles", query_string=query)
        assert response.status_code in (400, 422), query
        assert response.json["error"]["code"] == code, query
    other_listing = recruiter_api.get("/candidates", query_string={"limit": 1}).json["next_cursor"]
    if other_listing:
        assert recruiter_api.get("/roles", query_string={"cursor": other_listing}).status_code == 400


def _count_candidates() -> int:
    return get_session().scalar(select(func.count()).select_from(Candidate))


def test_create_candidate_is_audited(app, recruiter_api):
    response = recruiter_api.post(
        "/candidates",
        json={"name": "Api Created", "emails": ["api.created@example.org"], "skills": ["Go"]},
    )
    assert response.status_code == 201, response.json
    assert response.json["name"] == "Api Created" and response.json["skills"] == ["Go"]
    with app.app_context():
        event = get_session().scalar(
            select(AuditEvent).where(
                AuditEvent.action == "candidate.created",
                AuditEvent.object_id == str(response.json["id"]),
            )
        )
        assert event is not None and event.actor_id is not None


def test_bad_bodies_get_error_objects_and_save_nothing(app, recruiter_api):
    with app.app_context():
        before = _count_candidates()
    cases = [
        ({"json": {"name": 123}}, 422, "validation_failed"),
        ({"json": {"name": "X", "is_prospect": "yes"}}, 422, "validation_failed"),
        ({"json": {"name": "X", "favourite_colour": "red"}}, 422, "validation_failed"),
        ({"json": ["name"]}, 422, "validation_failed"),
        ({"json": {"name": "X", "emails": ["not an email"]}}, 422, "rule_broken"),
        (
            {"data": "name=X", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
        (
            {"data": "x" * (1024 * 1024 + 1), "content_type": "application/json"},
            413,
            "payload_too_large",
        ),
    ]
    for kwargs, status, code in cases:
        response = recruiter_api.post("/candidates", **kwargs)
        assert response.status_code == status, (kwargs.get("json"), response.get_data()[:300])
        assert response.json["error"]["code"] == code
        assert set(response.json["error"]) == {"code", "message", "details"}
    unknown = recruiter_api.post("/candidates", json={"name": "X", "favourite_colour": "red"})
    assert unknown.json["error"]["details"][0]["loc"] == ["favourite_colour"]
    with app.app_context():
        assert _count_candidates() == before


def test_an_idempotency_key_replays_and_refuses_a_different_body(app, recruiter_api):
    body = {"name": "Once Only", "emails": ["once.only@example.org"]}
    headers = {"Idempotency-Key": "create-once-only-1"}
    first = recruiter_api.post("/candidates", json=body, headers=headers)
    again = recruiter_api.post("/candidates", json=dict(reversed(body.items())), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    with app.app_context():
        named = select(func.count()).select_from(Candidate).where(Candidate.name == "Once Only")
        assert get_session().scalar(named) == 1

    conflict = recruiter_api.post("/candidates", json={**body, "name": "Other"}, headers=headers)
    assert conflict.status_code == 409
    assert conflict.json["error"]["code"] == "idempotency_key_reused"


def test_idempotency_keys_belong_to_one_token(app, issue_token):
    _, first = issue_token([Role.RECRUITER])
    _, second = issue_token([Role.RECRUITER])
    headers = {"Idempotency-Key": "shared-key"}
    a = first.post("/candidates", json={"name": "Per Token A"}, headers=headers)
    b = second.post("/candidates", json={"name": "Per Token B"}, headers=headers)
    assert a.status_code == b.status_code == 201 and a.json["id"] != b.json["id"]


def test_move_an_application_with_a_reason_and_replay(app, recruiter_api):
    with app.app_context():
        application = factories.create_application()
        rejected = next(s for s in application.role.stages if s.name == "Rejected")
        get_session().commit()
    path = f"/applications/{application.id}/moves"
    missing_reason = recruiter_api.post(path, json={"to_stage_id": rejected.id})
    assert missing_reason.status_code == 422 and missing_reason.json["error"]["code"] == "rule_broken"
    headers = {"Idempotency-Key": f"reject-{application.id}"}
    moved = recruiter_api.post(
        path, json={"to_stage_id": rejected.id, "reason": "Role fit"}, headers=headers
    )
    assert moved.status_code == 201, moved.json
    assert moved.json["application"]["stage_name"] == "Rejected"
    replay = recruiter_api.post(
        path, json={"to_stage_id": rejected.id, "reason": "Role fit"}, headers=headers
    )
    assert replay.status_code == 201 and replay.json == moved.json  # not "Already at Rejected"
    with app.app_context():
        events = (
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "application.rejected", AuditEvent.object_id == str(application.id)
            )
        )
        assert get_session().scalar(events) == 1
    assert recruiter_api.post(path, json={"to_stage_id": "1"}).status_code == 422
    assert recruiter_api.post("/applications/999999/moves", json={"to_stage_id": 1}).status_code == 404


def test_interviewers_see_only_their_panels(app, issue_token):
    interviewer, api = issue_token([Role.INTERVIEWER])
    with app.app_context():
        session = get_session()
        mine = factories.create_role()
        mine.interviewers.append(session.merge(interviewer))
        anonymous = factories.create_role(anonymised_review=True)
        anonymous.interviewers.append(session.merge(interviewer))
        theirs = factories.create_role()
        visible = factories.create_application(role=mine)
        hidden = factories.create_application(role=anonymous)
        other = factories.create_application(role=theirs)
        session.commit()
    role_ids = {r["id"] for r in _walk(api, "/roles", limit=100)}
    assert role_ids == {mine.id, anonymous.id}
    candidate_ids = {c["id"] for c in _walk(api, "/candidates", limit=100)}
    assert candidate_ids == {visible.candidate_id}
    assert {a["id"] for a in _walk(api, "/applications", limit=100)} == {visible.id}
    assert api.get(f"/roles/{theirs.id}").status_code == 403
    assert api.get(f"/candidates/{other.candidate_id}").status_code == 403
    assert api.get(f"/candidates/{hidden.candidate_id}").status_code == 403
    assert api.get(f"/candidates/{visible.candidate_id}").status_code == 200
    refused = api.post("/candidates", json={"name": "Not Allowed"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"


def test_a_token_scope_narrower_than_its_user(issue_token):
    _, api = issue_token([Role.INTERVIEWER], user_roles=[Role.RECRUITER, Role.INTERVIEWER])
    assert api.post("/candidates", json={"name": "Needs Recruiter"}).status_code == 403
    assert api.get("/roles").status_code == 200


def test_unknown_paths_and_methods_under_the_api_get_error_objects(recruiter_api, client):
    missing = recruiter_api.get("/no-such-thing")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/roles")
    assert wrong_method.status_code == 405 and wrong_method.json["error"]["code"] == "method_not_allowed"
    assert client.get("/no-such-page").status_code == 404  # the pages keep their own error page
