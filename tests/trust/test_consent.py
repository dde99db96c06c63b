"""The consent ledger and the judge's refusal without consent (the transcript job, a real worker,
the real embedding model and a judge over HTTP)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.errors import DomainError
from core.jobs import JobRun
from hiring.models import ConsentStatus
from interviews.models import Transcript
from interviews.services.transcripts import scoring
from tests.interviews.test_transcript_views import client_for
from tests.interviews.test_transcripts_job import onsite_loop, run_worker, stored_transcript
from tests.support.factories import create_test_user
from tests.support.hiring_factories import create_candidate
from trust.consent import (
    JUDGE_REFUSAL,
    ConsentChannel,
    ConsentEventKind,
    consent_ledger,
    current_notice,
    publish_notice,
    record_consent_event,
    register_judge_consent_rule,
    set_role_requires_consent,
)

SHOWN, GIVEN, WITHDRAWN = (
    ConsentEventKind.NOTICE_SHOWN,
    ConsentEventKind.CONSENT_GIVEN,
    ConsentEventKind.CONSENT_WITHDRAWN,
)


def record(session, candidate, event, **kwargs):
    return record_consent_event(
        session, candidate, event, channel=ConsentChannel.EMAIL, actor_id=None, **kwargs
    )


def test_the_ledger_is_the_source_of_truth_for_the_candidate_state(session):
    candidate = create_candidate()
    with pytest.raises(DomainError, match="shown first"):
        record(session, candidate, GIVEN)
    with pytest.raises(DomainError, match="no consent to withdraw"):
        record(session, candidate, WITHDRAWN)
    record(session, candidate, SHOWN)
    assert candidate.consent_status is ConsentStatus.NOTICE_SENT
    record(session, candidate, GIVEN)
    assert candidate.consent_status is ConsentStatus.CONSENTED and candidate.consent_updated_at
    record(session, candidate, WITHDRAWN)
    assert candidate.consent_status is ConsentStatus.WITHDRAWN
    ledger = consent_ledger(session, candidate.id)
    notice = current_notice(session)
    assert [row.event for row in ledger] == [SHOWN, GIVEN, WITHDRAWN]
    assert {row.notice_hash for row in ledger} == {notice.body_hash} and notice.version == 1
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "candidate").order_by(AuditEvent.id)
    ).all()
    assert actions[-3:] == ["consent.notice_shown", "consent.consent_given", "consent.consent_withdrawn"]


def test_consent_to_a_new_notice_version_needs_that_version_shown(session):
    candidate = create_candidate()
    record(session, candidate, SHOWN)
    second = publish_notice(session, title="AI use, revised", body="We now also ...", actor_id=None)
    assert second.version == 2 and current_notice(session).id == second.id
    with pytest.raises(DomainError, match="version 2 was shown first"):
        record(session, candidate, GIVEN)
    record(session, candidate, SHOWN)
    row = record(session, candidate, GIVEN)
    assert row.notice_id == second.id and row.notice_hash == second.body_hash
    with pytest.raises(DomainError, match="already"):
        publish_notice(session, title="AI use, revised", body="We now also ...", actor_id=None)


def test_the_judge_is_not_run_without_consent_when_the_role_requires_it(
    session,
    app,
    judge,  # noqa: F811
    no_csrf,
):
    register_judge_consent_rule(app)
    loop = onsite_loop(session)
    candidate, role = loop.application.candidate, loop.application.role
    set_role_requires_consent(session, role, True, actor_id=None)
    transcript = stored_transcript(session, loop)
    run = scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()
    run_worker(app)
    session.expire_all()
    run = session.get(JobRun, run.id)
    assert run.result["judge"] == f"not run: {JUDGE_REFUSAL}"
    assert judge.requests == [], "the judge was never asked"
    for row in session.get(Transcript, transcript.id).answers[:2]:
        assert {score.scorer for score in row.answer.scores} == {"embedding"}
    manager = create_test_user(roles=[Role.HIRING_MANAGER], email="hm-consent@tests.example")
    session.commit()
    page = client_for(app, manager.email).get(f"/interviews/transcripts/{transcript.id}")
    assert f"not run, {JUDGE_REFUSAL}" in page.get_data(as_text=True)  # said where the scores are

    candidate = session.get(type(candidate), candidate.id)
    record(session, candidate, SHOWN)
    record(session, candidate, GIVEN)
    again = scoring.start_scoring(session, session.get(Transcript, transcript.id), actor_id=None)
    session.commit()
    run_worker(app)
    session.expire_all()
    assert session.get(JobRun, again.id).result["judge"] == "used"
    assert len(judge.requests) == 2


def test_the_rights_page_records_consent_and_the_role_setting(admin_client, app):
    with app.app_context():
        from core.db import get_session
        from tests.support.hiring_factories import create_application

        application = create_application()
        get_session().commit()
        candidate_id, role_id = application.candidate_id, application.role_id
    page = admin_client.get(f"/trust/candidates/{candidate_id}/rights").get_data(as_text=True)
    assert "Notice v1" in page and "no notice has been shown" in page
    admin_client.post(
        f"/trust/candidates/{candidate_id}/consent", data={"event": "notice_shown", "channel": "email"}
    )
    response = admin_client.post(
        f"/trust/roles/{role_id}/ai-consent", data={"requires_consent": "y"}, follow_redirects=True
    )
    assert "now needs the candidate" in response.get_data(as_text=True)
    page = admin_client.get(f"/trust/candidates/{candidate_id}/rights").get_data(as_text=True)
    assert "Notice sent" in page and "not run" in page
