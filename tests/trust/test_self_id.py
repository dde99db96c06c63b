"""Self-identification: stored apart from the candidate, saved and erased with audits that hold no
values, readable only by the roles in SELF_ID_ROLES (never interviewers), and never shown on the
candidate, interview kit or scorecard pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session
from core.errors import DomainError
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_candidate
from tests.support.interview_factories import create_interview_loop
from trust.self_id import (
    DECLINED,
    NOT_RECORDED,
    Gender,
    SelfIdentification,
    SelfIdSource,
    delete_self_id,
    get_self_id,
    group_of,
    may_read_self_id,
    save_self_id,
    self_id_roles,
)

ANSWERS = {
    "gender": "non_binary",
    "race_ethnicity": "hispanic_latino",
    "age_band": "40_49",
    "disability": "yes",
    "veteran": "protected",
}
# What would give the answers away on a page: their stored values and their labels.
TELLTALES = [
    "non_binary",
    "Non-binary or another gender",
    "hispanic_latino",
    "Hispanic or Latino",
    "40_49",
    "40 to 49",
    "Has a disability",
    "Protected veteran",
    "Self-identification",
    "self-id",
]


def audit_rows(session, prefix: str) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
    return list(session.scalars(statement))


def test_save_update_and_erase_are_audited_without_values(session):
    candidate = create_candidate()
    record = save_self_id(session, candidate, ANSWERS, source=SelfIdSource.CANDIDATE_FORM, actor_id=None)
    assert record.gender is Gender.NON_BINARY and record.candidate_id == candidate.id
    save_self_id(
        session,
        candidate,
        {"gender": DECLINED, "veteran": None},
        source=SelfIdSource.RECRUITER,
        actor_id=None,
    )
    record = get_self_id(session, candidate.id)
    assert record.gender == DECLINED and record.veteran is None and record.age_band == "40_49"
    assert record.source is SelfIdSource.RECRUITER
    delete_self_id(session, candidate, actor_id=None)
    assert get_self_id(session, candidate.id) is None
    events = audit_rows(session, "self_id.")
    assert [e.action for e in events] == ["self_id.recorded", "self_id.updated", "self_id.erased"]
    for event in events:
        text = f"{event.summary} {event.before} {event.after}"
        assert not any(value in text for value in ANSWERS.values() if value != "yes")
        assert "declined" not in text and "Hispanic" not in text


def test_unknown_answers_and_categories_are_refused(session):
    candidate = create_candidate()
    with pytest.raises(DomainError, match="Sex / gender"):
        save_self_id(
            session, candidate, {"gender": "robot"}, source=SelfIdSource.RECRUITER, actor_id=None
        )
    with pytest.raises(DomainError, match="religion"):
        save_self_id(session, candidate, {"religion": "x"}, source=SelfIdSource.RECRUITER, actor_id=None)
    with pytest.raises(DomainError):
        delete_self_id(session, candidate, actor_id=None)


def test_one_record_per_candidate_deleted_with_the_candidate(session):
    candidate = create_candidate()
    save_self_id(session, candidate, ANSWERS, source=SelfIdSource.RECRUITER, actor_id=None)
    save_self_id(session, candidate, {"gender": "female"}, source=SelfIdSource.RECRUITER, actor_id=None)
    rows = session.scalars(
        select(SelfIdentification).where(SelfIdentification.candidate_id == candidate.id)
    )
    assert len(list(rows)) == 1
    session.delete(candidate)
    session.flush()
    session.expire_all()
    assert (
        session.scalar(select(SelfIdentification).where(SelfIdentification.candidate_id == candidate.id))
        is None
    )


def test_groups_of_a_record():
    record = SelfIdentification(gender="female", race_ethnicity="asian", veteran=DECLINED)
    assert group_of(record, "gender") == "female"
    assert group_of(record, "veteran") == DECLINED
    assert group_of(record, "disability") == NOT_RECORDED
    assert group_of(None, "gender") == NOT_RECORDED
    assert group_of(record, "gender_race") == "female|asian"
    record.race_ethnicity = DECLINED
    assert group_of(record, "gender_race") == DECLINED


def test_readers_come_from_the_setting_and_never_include_interviewers(session):
    admin = create_test_user(roles=[Role.ADMIN])
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    interviewer = create_test_user(roles=[Role.INTERVIEWER])
    assert self_id_roles({}) == {Role.ADMIN}
    assert may_read_self_id(admin, {}) and not may_read_self_id(manager, {})
    config = {"SELF_ID_ROLES": " hiring_manager , interviewer, nobody"}
    assert self_id_roles(config) == {Role.HIRING_MANAGER}
    assert may_read_self_id(manager, config) and not may_read_self_id(interviewer, config)
    assert not may_read_self_id(admin, config)  # admin does not imply the named roles


def test_candidate_kit_and_scorecard_pages_never_show_self_identification(app, client, no_csrf):
    with app.app_context():
        session = get_session()
        admin = create_test_user(roles=[Role.ADMIN])
        interviewer = create_test_user(roles=[Role.INTERVIEWER])
        application = create_application(stage_name="Onsite loop")
        application.role.interviewers.append(interviewer)
        loop = create_interview_loop(
            application=application, interviewers=[[interviewer], [interviewer]]
        )
        save_self_id(
            session, application.candidate, ANSWERS, source=SelfIdSource.CANDIDATE_FORM, actor_id=None
        )
        session.commit()
        candidate_id, round_id = application.candidate_id, loop.rounds[0].id
    pages = {
        interviewer.email: [
            f"/interviews/rounds/{round_id}/kit",
            f"/interviews/rounds/{round_id}/scorecard",
        ],
        admin.email: [
            f"/hiring/candidates/{candidate_id}",
            f"/interviews/rounds/{round_id}/kit",
            f"/interviews/loops/{loop.id}",
        ],
    }
    for email, urls in pages.items():
        sign_in(client, email)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            assert not [word for word in TELLTALES if word in html], url
        client.post("/logout")
