"""The export of everything held about a candidate: JSON with the transcripts' text; audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.audit import AuditEvent
from tests.interviews.test_transcripts_job import onsite_loop, stored_transcript
from trust.consent import ConsentChannel, ConsentEventKind, record_consent_event


def test_the_export_holds_profile_transcripts_consent_and_is_audited(admin_client, app):
    with app.app_context():
        from core.db import get_session

        session = get_session()
        loop = onsite_loop(session)
        candidate = loop.application.candidate
        stored_transcript(session, loop)
        record_consent_event(
            session,
            candidate,
            ConsentEventKind.NOTICE_SHOWN,
            channel=ConsentChannel.EMAIL,
            actor_id=None,
        )
        session.commit()
        candidate_id, name = candidate.id, candidate.name
    response = admin_client.get(f"/trust/candidates/{candidate_id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["profile"]["name"] == name
    (application,) = document["applications"]
    assert [h["to"] for h in application["stage_history"]] == ["Onsite loop"]
    transcripts = [t for r in application["interview_loop"]["rounds"] for t in r["transcripts"]]
    assert "population stability index per feature" in transcripts[0]["text"]
    assert [a["question"] is not None for a in transcripts[0]["answers"]] == [True, True, False]
    assert document["consent_ledger"][0]["event"] == "notice_shown"
    assert "AI tools" in document["consent_ledger"][0]["notice_text"]
    with app.app_context():
        from core.db import get_session

        actions = (
            get_session()
            .scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(candidate_id)))
            .all()
        )
        assert "candidate.exported" in actions
    assert any(e["action"] == "consent.notice_shown" for e in document["audit_events"])
