"""Pipelines: adding and moving applications (one, bulk), their history, the board and its access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.auth import Role, User
from core.db import get_session, utcnow
from core.errors import ConflictError, DomainError
from hiring.models import Application, RoleStage, RoleStatus, StageChange, StageKind
from hiring.services import pipeline, roles
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_candidate, create_role


def stage(role, name):
    return next(s for s in role.stages if s.name == name)


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- services


def test_add_application_enters_at_applied_with_history_and_audit(session):
    role, candidate = create_role(), create_candidate()
    actor = create_test_user(roles=[Role.RECRUITER])
    application = pipeline.add_application(session, candidate=candidate, role=role, actor_id=actor.id)
    assert application.stage.name == "Applied"
    [entry] = application.history
    assert (entry.from_stage_id, entry.to_stage_id, entry.actor_id) == (
        None,
        application.stage_id,
        actor.id,
    )
    assert entry.created_at is not None and application.stage_entered_at is not None
    assert audit_actions(session)[-1] == "application.created"
    assert candidate.applications == [application] and role.applications == [application]


def test_add_application_defaults_to_the_first_active_stage_without_applied(session):
    role = create_role(
        stages=[
            RoleStage(name="Intro call", position=0, kind=StageKind.ACTIVE),
            RoleStage(name="Panel", position=1, kind=StageKind.ACTIVE),
            RoleStage(name="Rejected", position=2, kind=StageKind.REJECTED),
        ]
    )
    application = pipeline.add_application(
        session, candidate=create_candidate(), role=role, actor_id=None
    )
    assert application.stage.name == "Intro call"


def test_a_duplicate_application_is_refused_and_changes_nothing(session):
    existing = create_application(stage_name="Technical screen")
    before = (count(session, Application), count(session, StageChange), count(session, AuditEvent))
    with pytest.raises(ConflictError, match=r"already in the pipeline for .* \(at Technical screen\)"):
        pipeline.add_application(
            session, candidate=existing.candidate, role=existing.role, actor_id=None
        )
    session.flush()  # the refused row left nothing behind to insert later
    after = (count(session, Application), count(session, StageChange), count(session, AuditEvent))
    assert after == before


@pytest.mark.parametrize("status", [RoleStatus.DRAFT, RoleStatus.FILLED, RoleStatus.CLOSED])
def test_only_open_or_on_hold_roles_take_candidates(session, status):
    role = create_role(status=status)
    with pytest.raises(DomainError, match=f"is {status.label.lower()}"):
        pipeline.add_application(session, candidate=create_candidate(), role=role, actor_id=None)
    assert count(session, Application) == 0
    on_hold = create_role(status=RoleStatus.ON_HOLD)
    assert pipeline.add_application(session, candidate=create_candidate(), role=on_hold, actor_id=None)


def test_add_application_refuses_a_stage_of_another_role(session):
    role, other = create_role(), create_role()
    with pytest.raises(DomainError, match="belongs to another role"):
        pipeline.add_application(
            session, candidate=create_candidate(), role=role, stage=stage(other, "Lead"), actor_id=None
        )


def test_a_move_records_from_to_actor_reason_and_time(session):
    application = create_application(created_at=utcnow() - timedelta(days=5))
    actor = create_test_user(roles=[Role.RECRUITER])
    assert pipeline.days_in_stage(application) == 5
    target = stage(application.role, "Recruiter screen")
    change = pipeline.move_application(
        session, application, target, actor_id=actor.id, reason="Strong profile"
    )
    assert application.stage is target
    assert (change.from_stage.name, change.to_stage.name) == ("Applied", "Recruiter screen")
    assert (change.actor_id, change.reason) == (actor.id, "Strong profile")
    assert abs(change.created_at - utcnow()) < timedelta(seconds=5)
    assert application.stage_entered_at == change.created_at
    assert pipeline.days_in_stage(application) == 0
    assert [c.to_stage.name for c in application.history] == ["Applied", "Recruiter screen"]
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.before, event.after) == (
        "application.moved",
        actor.id,
        {"stage": "Applied"},
        {"stage": "Recruiter screen", "reason": "Strong profile"},
    )


def test_a_stage_of_another_role_is_refused_and_nothing_changes(session):
    application = create_application()
    foreign = stage(create_role(), "Offer")
    events = count(session, AuditEvent)
    with pytest.raises(DomainError, match="belongs to another role"):
        pipeline.move_application(session, application, foreign, actor_id=None)
    assert application.stage.name == "Applied" and len(application.history) == 1
    assert count(session, AuditEvent) == events


def test_moving_to_the_current_stage_is_refused(session):
    application = create_application()
    with pytest.raises(DomainError, match="Already at Applied"):
        pipeline.move_application(session, application, application.stage, actor_id=None)
    assert len(application.history) == 1


def test_rejection_needs_a_reason_which_is_kept(session):
    application = create_application()
    rejected = stage(application.role, "Rejected")
    with pytest.raises(DomainError, match="reason"):
        pipeline.move_application(session, application, rejected, actor_id=None, reason="   ")
    assert application.stage.name == "Applied" and application.rejection_reason == ""
    with pytest.raises(DomainError, match="under 300"):
        pipeline.move_application(session, application, rejected, actor_id=None, reason="x" * 301)
    change = pipeline.move_application(
        session, application, rejected, actor_id=None, reason=" Needs more systems depth "
    )
    assert application.rejection_reason == change.reason == "Needs more systems depth"
    assert audit_actions(session)[-1] == "application.rejected"


def test_reopening_from_a_terminal_stage_is_allowed_and_recorded(session):
    application = create_application()
    pipeline.move_application(
        session, application, stage(application.role, "Rejected"), actor_id=None, reason="No fit"
    )
    change = pipeline.move_application(
        session, application, stage(application.role, "Onsite loop"), actor_id=None
    )
    assert change.from_stage.name == "Rejected" and application.rejection_reason == ""
    assert audit_actions(session)[-1] == "application.reopened"
    assert [c.to_stage.name for c in application.history] == ["Applied", "Rejected", "Onsite loop"]


def test_bulk_move_is_all_or_nothing(session):
    role = create_role()
    first, second = create_application(role=role), create_application(role=role)
    elsewhere = create_application()
    target = stage(role, "Technical screen")
    with pytest.raises(DomainError, match="Nothing was moved") as refused:
        pipeline.bulk_move(session, [first, elsewhere, second], target, actor_id=None)
    assert elsewhere.candidate.name in str(refused.value)
    already = create_application(role=role, stage_name="Technical screen")
    with pytest.raises(DomainError, match="Already at Technical screen"):
        pipeline.bulk_move(session, [first, second, already], target, actor_id=None)
    assert {a.stage.name for a in (first, second, elsewhere)} == {"Applied"}
    assert [len(a.history) for a in (first, second, elsewhere)] == [1, 1, 1]

    changes = pipeline.bulk_move(session, [first, second, first], target, actor_id=None)
    assert len(changes) == 2 and {first.stage.name, second.stage.name} == {"Technical screen"}
    with pytest.raises(DomainError, match="at least one"):
        pipeline.bulk_move(session, [], target, actor_id=None)


def test_bulk_reject_needs_a_reason_and_moves_all_or_none(session):
    role = create_role()
    applications = [create_application(role=role), create_application(role=role, stage_name="Offer")]
    with pytest.raises(DomainError, match="Nothing was rejected"):
        pipeline.bulk_reject(session, applications, actor_id=None, reason="")
    assert [a.stage.name for a in applications] == ["Applied", "Offer"]
    pipeline.bulk_reject(session, applications, actor_id=None, reason="Position filled internally")
    assert {a.stage.name for a in applications} == {"Rejected"}
    assert {a.rejection_reason for a in applications} == {"Position filled internally"}
    assert audit_actions(session)[-2:] == ["application.rejected", "application.rejected"]


def test_the_board_groups_applications_by_stage(session):
    role = create_role()
    create_application(role=role, stage_name="Applied")
    create_application(role=role, stage_name="Hired")
    create_application(role=role, stage_name="Withdrawn")
    board = pipeline.build_board(session, role)
    assert [c.stage.name for c in board.columns] == [
        "Lead", "Contacted", "Applied", "Recruiter screen", "Technical screen",
        "Onsite loop", "Debrief", "Offer", "Hired",
    ]  # fmt: skip
    assert [(c.stage.name, len(c.applications)) for c in board.closed] == [
        ("Rejected", 0),
        ("Withdrawn", 1),
    ]
    assert board.total == 3


# ---------------------------------------------------------------- pages


def signed_in_user(client, app, role: Role, **fields):
    with app.app_context():
        user = create_test_user(roles=[role], **fields)
        get_session().commit()
    sign_in(client, user.email)
    return user


def test_the_board_shows_stages_cards_and_move_forms(client, app, no_csrf):
    with app.app_context():
        application = create_application(stage_name="Technical screen")
        other = create_application(role=application.role)
        rejected = stage(application.role, "Rejected")
        pipeline.move_application(get_session(), other, rejected, actor_id=None, reason="Too junior")
        get_session().commit()
        role_id, name = application.role_id, application.candidate.name
    signed_in_user(client, app, Role.RECRUITER)
    page = client.get(f"/hiring/roles/{role_id}/board").get_data(as_text=True)
    for stage_name in ("Lead", "Applied", "Technical screen", "Offer", "Hired"):
        assert f'{stage_name} <span class="count">' in page
    assert "Rejected (1)" in page and "Withdrawn (0)" in page
    assert name in page and "0 days in stage" in page and "Applied" in page
    assert 'class="move-form"' in page and 'id="bulk-form"' in page
    assert "hiring-board.js" in page
    assert "Reason: Too junior" in page


def test_a_recruiter_moves_a_card_with_the_form_and_its_csrf_token(client, app, no_csrf, monkeypatch):
    with app.app_context():
        application = create_application()
        target_id = stage(application.role, "Recruiter screen").id
        get_session().commit()
    recruiter = signed_in_user(client, app, Role.RECRUITER)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/hiring/roles/{application.role_id}/board").get_data(as_text=True)
    form = re.search(
        r'<form method="post" action="([^"]+/move)" class="move-form">.*?</form>', page, re.S
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1)
    assert client.post(form.group(1), data={"to_stage": target_id}).status_code == 400  # no token
    response = client.post(form.group(1), data={"to_stage": target_id, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/board#application-{application.id}")
    with app.app_context():
        moved = get_session().get(Application, application.id)
        assert moved.stage.name == "Recruiter screen" and moved.history[-1].actor_id == recruiter.id
    assert "moved to Recruiter screen" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_refused_move_shows_why_and_changes_nothing(client, app, no_csrf):
    with app.app_context():
        application = create_application()
        rejected_id = stage(application.role, "Rejected").id
        foreign_id = stage(create_role(), "Offer").id
        get_session().commit()
    signed_in_user(client, app, Role.HIRING_MANAGER)
    url = f"/hiring/applications/{application.id}/move"
    refused = client.post(url, data={"to_stage": rejected_id, "reason": ""}, follow_redirects=True)
    assert "Give a reason for the rejection." in refused.get_data(as_text=True)
    refused = client.post(url, data={"to_stage": foreign_id}, follow_redirects=True)
    assert "belongs to another role" in refused.get_data(as_text=True)
    with app.app_context():
        unchanged = get_session().get(Application, application.id)
        assert unchanged.stage.name == "Applied" and len(unchanged.history) == 1


def test_bulk_move_and_reject_through_the_board(client, app, no_csrf):
    with app.app_context():
        role = create_role()
        ids = [create_application(role=role).id for _ in range(3)]
        onsite_id = stage(role, "Onsite loop").id
        get_session().commit()
    signed_in_user(client, app, Role.RECRUITER)
    url = f"/hiring/roles/{role.id}/board/bulk"
    moved = client.post(url, data={"application_ids": ids[:2], "action": "move", "to_stage": onsite_id})
    assert moved.status_code == 302
    refused = client.post(
        url, data={"application_ids": ids, "action": "reject", "reason": ""}, follow_redirects=True
    )
    assert "Nothing was rejected" in refused.get_data(as_text=True)
    done = client.post(
        url,
        data={"application_ids": ids[1:], "action": "reject", "reason": "Hiring paused"},
        follow_redirects=True,
    )
    assert "2 candidates rejected." in done.get_data(as_text=True)
    with app.app_context():
        stages = [get_session().get(Application, i).stage.name for i in ids]
    assert stages == ["Onsite loop", "Rejected", "Rejected"]


def test_adding_a_candidate_from_the_board(client, app, no_csrf):
    with app.app_context():
        role = create_role()
        candidate = create_candidate(name="Grace Findable")
        get_session().commit()
    signed_in_user(client, app, Role.RECRUITER)
    page = client.get(f"/hiring/roles/{role.id}/board?q=findable").get_data(as_text=True)
    assert f'<option value="{candidate.id}">Grace Findable' in page
    url = f"/hiring/roles/{role.id}/applications"
    assert client.post(url, data={"candidate_id": candidate.id, "stage_id": 0}).status_code == 302
    again = client.post(url, data={"candidate_id": candidate.id}, follow_redirects=True)
    assert "already in the pipeline" in again.get_data(as_text=True)
    with app.app_context():
        [application] = (
            get_session().scalars(select(Application).where(Application.role_id == role.id)).all()
        )
        assert application.stage.name == "Applied"


def test_application_page_shows_the_history(client, app, no_csrf):
    with app.app_context():
        application = create_application()
        actor = create_test_user(roles=[Role.RECRUITER], name="Rita Mover")
        rejected = stage(application.role, "Rejected")
        reason = "Chose a closer fit"
        pipeline.move_application(get_session(), application, rejected, actor_id=actor.id, reason=reason)
        get_session().commit()
    signed_in_user(client, app, Role.HIRING_MANAGER)
    page = client.get(f"/hiring/applications/{application.id}").get_data(as_text=True)
    assert "entered the pipeline" in page and "Rita Mover" in page and "Chose a closer fit" in page
    assert 'name="to_stage"' in page


def test_interviewers_on_the_panel_read_the_board_others_get_403(client, app, no_csrf):
    with app.app_context():
        application = create_application()
        role_id, target = application.role_id, stage(application.role, "Offer").id
        get_session().commit()
    interviewer = signed_in_user(client, app, Role.INTERVIEWER)
    board_url = f"/hiring/roles/{role_id}/board"
    assert client.get(board_url).status_code == 403
    assert client.get(f"/hiring/applications/{application.id}").status_code == 403

    with app.app_context():
        role = roles.get_role(get_session(), role_id)
        role.interviewers.append(get_session().get(User, interviewer.id))
        get_session().commit()
    page = client.get(board_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert application.candidate.name in html and "read only" in html
    assert "move-form" not in html and "bulk-form" not in html and "hiring-board.js" not in html
    detail = client.get(f"/hiring/applications/{application.id}").get_data(as_text=True)
    assert "Stage history" in detail and 'name="to_stage"' not in detail
    move = client.post(f"/hiring/applications/{application.id}/move", data={"to_stage": target})
    assert move.status_code == 403


def test_candidate_names_are_escaped_on_the_board(client, app, no_csrf):
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with app.app_context():
        application = create_application(candidate=create_candidate(name=name))
        get_session().commit()
    signed_in_user(client, app, Role.RECRUITER)
    page = client.get(f"/hiring/roles/{application.role_id}/board").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
