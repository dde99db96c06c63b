"""Loop instances: starting a role's published loop, scheduling, assigning, cancelling, the home
page's lists, and the loop, schedule and kit pages through the client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

import interviews.views.runs  # noqa: F401  (registers the loop pages until views/__init__ imports them)
from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.errors import ConflictError, DomainError
from hiring.models import CandidateDocument, DocumentKind
from interviews.models import (
    BlindMode,
    InterviewLoop,
    LoopStatus,
    Scorecard,
    ScorecardStatus,
    TemplateStatus,
)
from interviews.services import loops
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_candidate, create_role
from tests.support.interview_factories import create_interview_loop, create_loop_template
from tests.support.rubric_factories import create_question

XSS = "<script>alert('kit')</script>"


def role_with_loop(
    *, interviewers=(), question_ids=(), blind_mode=BlindMode.AFTER_OWN_SUBMISSION, **fields
):
    """A role whose own loop template is published, with default interviewers per round."""
    role = create_role(**fields)
    template = create_loop_template(role=role, question_ids=question_ids, blind_mode=blind_mode)
    for template_round, users in zip(template.rounds, interviewers, strict=False):
        template_round.interviewers = list(users)
    get_session().flush()
    return role, template


def started_loop(*, interviewers=(), stage_name="Onsite loop", **fields) -> InterviewLoop:
    """A loop started through the service for a new application to a role with a published loop."""
    role, _template = role_with_loop(interviewers=interviewers, **fields)
    application = create_application(role=role, stage_name=stage_name)
    return loops.start_loop(get_session(), application, actor_id=None)


def audit_actions(session, object_type: str) -> list[str]:
    statement = (
        select(AuditEvent.action).where(AuditEvent.object_type == object_type).order_by(AuditEvent.id)
    )
    return list(session.scalars(statement))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def signed_in(app, *roles, **fields):
    """A new client signed in as a new user with ``roles`` (CSRF is off in these tests)."""
    with app.app_context():
        user = create_test_user(roles=roles, **fields)
        get_session().commit()
    client = app.test_client()
    sign_in(client, user.email)
    return client, user


# ---------------------------------------------------------------- starting a loop


def test_start_loop_copies_the_rounds_and_makes_a_draft_per_default_interviewer(session):
    ana, ben = create_test_user(), create_test_user(roles=[Role.HIRING_MANAGER])
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    role, template = role_with_loop(interviewers=[[ana], [ana, ben]])
    application = create_application(role=role, stage_name="Onsite loop")

    loop = loops.start_loop(session, application, actor_id=manager.id)

    assert (loop.template_id, loop.status, loop.created_by_id) == (
        template.id,
        LoopStatus.SCHEDULED,
        manager.id,
    )
    assert [(r.position, r.title, r.kind) for r in loop.rounds] == [
        (t.position, t.title, t.kind) for t in template.rounds
    ]
    assert loop.rounds[0].competencies == template.rounds[0].competencies
    assert [[c.interviewer_id for c in r.scorecards] for r in loop.rounds] == [
        [ana.id],
        [ana.id, ben.id],
    ]
    assert all(
        c.status is ScorecardStatus.DRAFT and c.due_at is None for r in loop.rounds for c in r.scorecards
    )
    # The interviewer joins the role's panel (so the hiring pages show her the role); the manager
    # sees every role anyway and is not added.
    assert [user.id for user in role.interviewers] == [ana.id]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "loop.started")).one()
    assert event.actor_id == manager.id and event.object_id == str(loop.id)
    assert event.after["rounds"][1]["interviewer_ids"] == [ana.id, ben.id]
    assert "role.panel_changed" in audit_actions(session, "role")


def test_the_snapshot_does_not_follow_later_template_edits(session):
    loop = started_loop()
    loop.template.rounds[0].title = "Renamed later"
    session.flush()
    assert loop.rounds[0].title == "ML theory"


@pytest.mark.parametrize("status", [TemplateStatus.DRAFT, TemplateStatus.ARCHIVED, None])
def test_start_loop_needs_the_roles_published_loop(session, status):
    role = create_role()
    if status is not None:
        create_loop_template(role=role, status=status)
    create_loop_template()  # a published library template is not the role's loop
    application = create_application(role=role, stage_name="Onsite loop")
    with pytest.raises(DomainError, match="no published interview loop"):
        loops.start_loop(session, application, actor_id=None)
    assert count(session, InterviewLoop) == 0


def test_a_second_loop_for_the_same_application_is_refused(session):
    loop = started_loop()
    with pytest.raises(ConflictError, match="already has an interview loop"):
        loops.start_loop(session, loop.application, actor_id=None)
    assert count(session, InterviewLoop) == 1


def test_the_database_refuses_a_duplicate_loop_with_a_clear_message(session):
    """Two requests that both passed the check: the unique constraint turns into a ConflictError."""
    role, template = role_with_loop()
    application = create_application(role=role, stage_name="Onsite loop")
    session.add(InterviewLoop(application_id=application.id, template_id=template.id))
    session.flush()
    session.expire(application)
    with pytest.raises(ConflictError):
        loops.start_loop(session, application, actor_id=None)


@pytest.mark.parametrize("stage_name", ["Rejected", "Withdrawn", "Hired"])
def test_no_loop_for_an_application_in_a_terminal_stage(session, stage_name):
    role, _template = role_with_loop()
    application = create_application(role=role, stage_name=stage_name)
    with pytest.raises(DomainError, match="only start for an application in progress"):
        loops.start_loop(session, application, actor_id=None)
    assert count(session, InterviewLoop) == 0


def test_applications_without_loop_lists_onsite_and_debrief_only(session):
    role, _template = role_with_loop()
    onsite = create_application(role=role, stage_name="Onsite loop")
    debrief = create_application(role=role, stage_name="Debrief")
    create_application(role=role, stage_name="Applied")
    started = create_application(role=role, stage_name="Onsite loop")
    loops.start_loop(session, started, actor_id=None)
    other = create_application(stage_name="Onsite loop")

    assert {a.id for a in loops.list_applications_without_loop(session)} == {
        onsite.id,
        debrief.id,
        other.id,
    }
    assert {a.id for a in loops.list_applications_without_loop(session, role.id)} == {
        onsite.id,
        debrief.id,
    }


# ---------------------------------------------------------------- scheduling


def test_scheduling_sets_utc_times_and_the_scorecards_due_a_day_after_the_end(session):
    ana = create_test_user()
    loop = started_loop(interviewers=[[ana]])
    round_ = loop.rounds[0]
    berlin = timezone(timedelta(hours=2))
    loops.schedule_round(
        session,
        round_,
        scheduled_at=datetime(2030, 5, 4, 11, 30, tzinfo=berlin),
        duration_minutes=60,
        location="  Room  4 / https://meet.example/abc ",
        actor_id=None,
    )
    session.flush()
    session.expire_all()
    assert loops.as_utc(round_.scheduled_at) == datetime(2030, 5, 4, 9, 30, tzinfo=UTC)
    assert round_.location == "Room 4 / https://meet.example/abc"
    [card] = round_.scorecards
    assert loops.as_utc(card.due_at) == datetime(2030, 5, 5, 10, 30, tzinfo=UTC)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "round.scheduled")).one()
    assert event.before["scheduled_at"] is None
    assert event.after["scheduled_at"] == "2030-05-04T09:30:00+00:00"


def test_a_naive_time_is_taken_as_utc(session):
    loop = started_loop()
    round_ = loops.schedule_round(
        session,
        loop.rounds[1],
        scheduled_at=datetime(2030, 1, 2, 8, 0),
        duration_minutes=45,
        location="",
        actor_id=None,
    )
    assert loops.round_end(round_) == datetime(2030, 1, 2, 8, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_minutes": 0}, "between 5 and 480"),
        ({"duration_minutes": 481}, "between 5 and 480"),
        ({"duration_minutes": "60"}, "whole number"),
        ({"scheduled_at": "tomorrow"}, "date and time"),
        ({"location": "x" * 301}, "under 300"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_changes(session, changes, message):
    loop = started_loop()
    fields = {
        "scheduled_at": datetime(2030, 1, 2, 8, 0, tzinfo=UTC),
        "duration_minutes": 45,
        "location": "",
        **changes,
    }
    with pytest.raises(DomainError, match=message):
        loops.schedule_round(session, loop.rounds[0], actor_id=None, **fields)
    assert loop.rounds[0].scheduled_at is None


def test_a_cancelled_loop_cannot_be_scheduled_or_reassigned(session):
    ana = create_test_user()
    loop = started_loop()
    loops.cancel_loop(session, loop, reason="Candidate withdrew", actor_id=None)
    with pytest.raises(DomainError, match="cancelled"):
        loops.schedule_round(
            session,
            loop.rounds[0],
            scheduled_at=datetime(2030, 1, 2, tzinfo=UTC),
            duration_minutes=45,
            location="",
            actor_id=None,
        )
    with pytest.raises(DomainError, match="cancelled"):
        loops.assign_interviewers(session, loop.rounds[0], [ana.id], actor_id=None)
    assert loop.rounds[0].scorecards == []


# ---------------------------------------------------------------- assigning


def test_assigning_adds_and_removes_drafts_and_puts_interviewers_on_the_panel(session):
    ana, ben, cleo = (
        create_test_user(),
        create_test_user(),
        create_test_user(roles=[Role.HIRING_MANAGER]),
    )
    loop = started_loop(interviewers=[[ana]])
    round_ = loop.rounds[0]
    loops.schedule_round(
        session,
        round_,
        scheduled_at=datetime(2030, 3, 1, 9, 0, tzinfo=UTC),
        duration_minutes=60,
        location="",
        actor_id=None,
    )
    loops.assign_interviewers(session, round_, [ben.id, cleo.id], actor_id=None)
    session.flush()

    assert sorted(c.interviewer_id for c in round_.scorecards) == sorted([ben.id, cleo.id])
    assert session.scalars(select(Scorecard).where(Scorecard.interviewer_id == ana.id)).all() == []
    assert {loops.as_utc(c.due_at) for c in round_.scorecards} == {
        datetime(2030, 3, 2, 10, 0, tzinfo=UTC)
    }
    assert {u.id for u in loop.application.role.interviewers} == {ana.id, ben.id}
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "round.interviewers_changed")
    ).one()
    assert event.before == {"interviewer_ids": [ana.id]}
    assert event.after == {"interviewer_ids": sorted([ben.id, cleo.id])}


def test_only_interviewers_and_hiring_managers_can_be_assigned(session):
    recruiter = create_test_user(roles=[Role.RECRUITER])
    inactive = create_test_user()
    inactive.active = False
    loop = started_loop()
    for user in (recruiter, inactive):
        with pytest.raises(DomainError, match="interviewer or hiring manager role"):
            loops.assign_interviewers(session, loop.rounds[0], [user.id], actor_id=None)
    assert loop.rounds[0].scorecards == []


def test_someone_who_submitted_cannot_be_removed(session):
    ana, ben = create_test_user(), create_test_user()
    loop = started_loop(interviewers=[[ana, ben]])
    round_ = loop.rounds[0]
    round_.scorecards[0].status = ScorecardStatus.SUBMITTED
    session.flush()
    with pytest.raises(DomainError, match="already submitted a scorecard"):
        loops.assign_interviewers(session, round_, [ben.id], actor_id=None)
    assert [c.interviewer_id for c in round_.scorecards] == [ana.id, ben.id]
    loops.assign_interviewers(session, round_, [ana.id], actor_id=None)  # removing the draft is fine
    assert [c.interviewer_id for c in round_.scorecards] == [ana.id]


# ---------------------------------------------------------------- cancelling


def test_cancel_needs_a_reason_and_not_a_decided_loop(session):
    loop = started_loop()
    with pytest.raises(DomainError, match="Say why"):
        loops.cancel_loop(session, loop, reason="  ", actor_id=None)
    loop.status = LoopStatus.DECIDED
    with pytest.raises(DomainError, match="decided"):
        loops.cancel_loop(session, loop, reason="No longer hiring", actor_id=None)
    loop.status = LoopStatus.DEBRIEF
    loops.cancel_loop(session, loop, reason="No longer hiring", actor_id=None)
    assert loop.status is LoopStatus.CANCELLED
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "loop.cancelled")).one()
    assert event.after == {"status": "cancelled", "reason": "No longer hiring"}


# ---------------------------------------------------------------- pages


def test_a_manager_starts_a_loop_from_the_home_page(app, rollback, no_csrf):
    with app.app_context():
        ana = create_test_user(name="Ana Interviewer")
        role, _template = role_with_loop(interviewers=[[ana]], title="Research Engineer")
        waiting = create_application(
            role=role, stage_name="Onsite loop", candidate=create_candidate(name=XSS)
        )
        no_loop_role = create_application(stage_name="Debrief")
        get_session().commit()
        ids = waiting.id, no_loop_role.id
    client, _manager = signed_in(app, Role.HIRING_MANAGER)

    home = client.get("/interviews/").get_data(as_text=True)
    assert "Waiting for a loop" in home and XSS not in home and "&lt;script&gt;" in home
    assert f"/interviews/applications/{ids[0]}/loop" in home
    assert f"/interviews/applications/{ids[1]}/loop" not in home  # that role has no published loop
    assert "No published loop for this role." in home

    response = client.post(f"/interviews/applications/{ids[0]}/loop")
    assert response.status_code == 302 and "/interviews/loops/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Loop started" in page and "Ana Interviewer" in page and "ML theory" in page

    refused = client.post(f"/interviews/applications/{ids[1]}/loop", follow_redirects=True)
    assert "no published interview loop" in refused.get_data(as_text=True)
    again = client.post(f"/interviews/applications/{ids[0]}/loop", follow_redirects=True)
    assert "already has an interview loop" in again.get_data(as_text=True)


def test_interviewers_cannot_start_schedule_or_assign(app, rollback, no_csrf):
    with app.app_context():
        ana = create_test_user()
        loop = started_loop(interviewers=[[ana]])
        get_session().commit()
        loop_id, round_id, application_id = loop.id, loop.rounds[0].id, loop.application_id
    client = app.test_client()
    sign_in(client, ana.email)
    assert client.post(f"/interviews/applications/{application_id}/loop").status_code == 403
    assert client.get(f"/interviews/rounds/{round_id}/schedule").status_code == 403
    assert client.post(f"/interviews/rounds/{round_id}/interviewers", data={}).status_code == 403
    assert client.post(f"/interviews/loops/{loop_id}/cancel", data={"reason": "x"}).status_code == 403
    assert client.get(f"/interviews/loops/{loop_id}").status_code == 200  # she is on the panel


def test_schedule_assign_and_cancel_through_the_forms(app, rollback, no_csrf):
    with app.app_context():
        ana, ben = create_test_user(name="Ana"), create_test_user(name="Ben Bright")
        loop = started_loop(interviewers=[[ana]])
        get_session().commit()
        loop_id, round_id = loop.id, loop.rounds[0].id
    client, _recruiter = signed_in(app, Role.RECRUITER)

    form = client.get(f"/interviews/rounds/{round_id}/schedule").get_data(as_text=True)
    assert "Starts (UTC)" in form
    bad = client.post(
        f"/interviews/rounds/{round_id}/schedule",
        data={"scheduled_at": "2030-05-04T09:30", "duration_minutes": "1000", "location": ""},
    )
    assert bad.status_code == 200 and "Between 5 and 480 minutes" in bad.get_data(as_text=True)
    done = client.post(
        f"/interviews/rounds/{round_id}/schedule",
        data={"scheduled_at": "2030-05-04T09:30", "duration_minutes": "60", "location": "Room 4"},
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert "2030-05-04 09:30 UTC" in page and "Room 4" in page
    assert "2030-05-05 10:30 UTC" in page  # Ana's scorecard is due a day after the end

    assign = client.post(
        f"/interviews/rounds/{round_id}/interviewers",
        data={f"round{round_id}-interviewer_ids": [str(ana.id), str(ben.id)]},
        follow_redirects=True,
    )
    assert "Interviewers of ML theory saved." in assign.get_data(as_text=True)
    with app.app_context():
        ids = get_session().scalars(
            select(Scorecard.interviewer_id).where(Scorecard.round_id == round_id)
        )
        assert sorted(ids) == sorted([ana.id, ben.id])

    cancelled = client.post(
        f"/interviews/loops/{loop_id}/cancel", data={"reason": "Role closed"}, follow_redirects=True
    )
    text = cancelled.get_data(as_text=True)
    assert "The loop is cancelled." in text and "no longer change" in text
    refused = client.post(
        f"/interviews/rounds/{round_id}/schedule",
        data={"scheduled_at": "2030-05-04T10:30", "duration_minutes": "60", "location": ""},
    )
    assert "its rounds can no longer change" in refused.get_data(as_text=True)


def test_the_kit_shows_questions_levels_candidate_portfolio_and_jd(app, rollback, no_csrf):
    with app.app_context():
        ana, ben = create_test_user(), create_test_user()
        question = create_question(title="Explain backpropagation", prompt=f"How does it work? {XSS}")
        candidate = create_candidate(
            name="Kim Kit", headline="Builds retrieval systems", links=["javascript:x"]
        )
        get_session().add(
            CandidateDocument(
                candidate=candidate,
                kind=DocumentKind.PORTFOLIO,
                title="My RAG post",
                body="Chunking matters.",
            )
        )
        get_session().add(
            CandidateDocument(
                candidate=candidate, kind=DocumentKind.NOTE, title="Recruiter note", body="Private"
            )
        )
        role, template = role_with_loop(
            interviewers=[[ana], [ben]], question_ids=[[question.id]], must_have=["Shipped a RAG system"]
        )
        application = create_application(role=role, candidate=candidate, stage_name="Onsite loop")
        loop = loops.start_loop(get_session(), application, actor_id=None)
        get_session().commit()
        round_id, other_round_id = loop.rounds[0].id, loop.rounds[1].id
    client = app.test_client()
    sign_in(client, ana.email)

    page = client.get(f"/interviews/rounds/{round_id}/kit").get_data(as_text=True)
    assert "Explain backpropagation" in page and XSS not in page and "&lt;script&gt;" in page
    assert "Chain rule from the loss back through the layers." in page  # a level descriptor
    assert "Builds retrieval systems" in page and "My RAG post" in page and "Chunking matters." in page
    assert "Recruiter note" not in page and "javascript:x" not in page
    assert "Shipped a RAG system" in page
    assert client.get(f"/interviews/rounds/{other_round_id}/kit").status_code == 403  # not her round

    manager_client, _manager = signed_in(app, Role.HIRING_MANAGER)
    assert manager_client.get(f"/interviews/rounds/{other_round_id}/kit").status_code == 200
    outsider, _user = signed_in(app, Role.INTERVIEWER)
    assert outsider.get(f"/interviews/rounds/{round_id}/kit").status_code == 403


def test_my_interviews_on_the_home_page_show_due_and_overdue(app, rollback, no_csrf):
    with app.app_context():
        ana = create_test_user()
        loop = started_loop(interviewers=[[ana], [ana]])
        session = get_session()
        past = datetime.now(UTC) - timedelta(days=3)
        loops.schedule_round(
            session, loop.rounds[0], scheduled_at=past, duration_minutes=60, location="", actor_id=None
        )
        loops.schedule_round(
            session,
            loop.rounds[1],
            scheduled_at=datetime(2031, 1, 1, 9, tzinfo=UTC),
            duration_minutes=60,
            location="",
            actor_id=None,
        )
        cancelled = started_loop(interviewers=[[ana]])
        loops.cancel_loop(session, cancelled, reason="Closed", actor_id=None)
        loop.application.candidate.name, cancelled.application.candidate.name = (
            "Rita Running",
            "Cora Cancelled",
        )
        session.commit()
    client = app.test_client()
    sign_in(client, ana.email)
    page = client.get("/interviews/").get_data(as_text=True)
    assert "Rita Running" in page and "Overdue" in page and "due 2031-01-02 10:00 UTC" in page
    assert "Cora Cancelled" not in page
    assert "Waiting for a loop" not in page and "Loops in progress" not in page  # for loop runners only
    assert re.search(r"/interviews/rounds/\d+/round\.ics", page)


def test_the_loop_page_forms_carry_their_csrf_tokens(app, rollback, no_csrf, monkeypatch):
    with app.app_context():
        ana, ben = create_test_user(), create_test_user()
        loop = started_loop(interviewers=[[ana]])
        get_session().commit()
        loop_id, round_id = loop.id, loop.rounds[0].id
    client, _manager = signed_in(app, Role.HIRING_MANAGER)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/interviews/loops/{loop_id}").get_data(as_text=True)
    action = f"/interviews/rounds/{round_id}/interviewers"
    form = re.search(rf'<form method="post" action="{action}".*?</form>', page, re.S).group(0)
    token_name, token = re.search(r'name="([^"]*csrf_token)"[^>]*value="([^"]+)"', form).groups()
    assert token_name == f"round{round_id}-csrf_token"
    chosen = {f"round{round_id}-interviewer_ids": [str(ana.id), str(ben.id)]}
    assert client.post(action, data=chosen).status_code == 400  # no token
    with app.app_context():
        assert (
            len(get_session().scalars(select(Scorecard).where(Scorecard.round_id == round_id)).all())
            == 1
        )
    assert client.post(action, data={**chosen, token_name: token}).status_code == 302
    with app.app_context():
        assert (
            len(get_session().scalars(select(Scorecard).where(Scorecard.round_id == round_id)).all())
            == 2
        )

    cancel = re.search(r'<form method="post" action="([^"]+/cancel)".*?</form>', page, re.S)
    cancel_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', cancel.group(0)).group(1)
    assert 'data-confirm="Cancel this loop?' in cancel.group(0)
    client.post(cancel.group(1), data={"reason": "Role closed", "csrf_token": cancel_token})
    with app.app_context():
        assert get_session().get(InterviewLoop, loop_id).status is LoopStatus.CANCELLED


def test_application_loop_page_offers_to_start_then_leads_to_the_loop(app, session, admin_client):
    application = create_application(stage_name="Onsite loop")
    template = create_loop_template(role=application.role)
    session.commit()
    page = admin_client.get(f"/interviews/applications/{application.id}/loop")
    assert page.status_code == 200
    assert b"Start the loop" in page.data
    loop = create_interview_loop(application=application, template=template)
    session.commit()
    again = admin_client.get(f"/interviews/applications/{application.id}/loop")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/interviews/loops/{loop.id}")
