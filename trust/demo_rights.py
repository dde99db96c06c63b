"""Candidate-rights demo: the AI-use notice shown to a role's first applicants, most of them
consenting and one withdrawing, the role requiring consent for its LLM judge, and one erasure
request waiting with its due date. Idempotent: a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import utcnow
from hiring.models import Application, Candidate, JobRole, RoleStatus
from trust.consent import (
    ConsentChannel,
    ConsentEvent,
    ConsentEventKind,
    current_notice,
    record_consent_event,
    role_requires_consent,
    set_role_requires_consent,
)
from trust.erasure import ErasureRequest, record_erasure_request

PLAN = ("consent", "consent", "consent", "withdraw", "notice", "request")


def load_rights_demo(session: Session) -> list[str]:
    notice = current_notice(session)
    role = session.scalars(
        select(JobRole).where(JobRole.status == RoleStatus.OPEN).order_by(JobRole.id).limit(1)
    ).first()
    if role is None:
        return ["Rights demo: no open role, nothing to add."]
    if not role_requires_consent(session, role.id):
        set_role_requires_consent(session, role, True, actor_id=None)
    people = session.scalars(
        select(Candidate)
        .join(Application, Application.candidate_id == Candidate.id)
        .where(Application.role_id == role.id, Candidate.merged_into_id.is_(None))
        .order_by(Candidate.id)
        .limit(len(PLAN))
    ).all()
    start = utcnow() - timedelta(days=20)
    for offset, (person, step) in enumerate(zip(people, PLAN, strict=False)):
        if session.scalar(select(ConsentEvent.id).where(ConsentEvent.candidate_id == person.id)):
            continue  # loaded before
        at = start + timedelta(days=offset)
        record = dict(channel=ConsentChannel.EMAIL, actor_id=None, notice=notice)
        record_consent_event(session, person, ConsentEventKind.NOTICE_SHOWN, at=at, **record)
        if step in ("consent", "withdraw"):
            given = at + timedelta(days=1)
            record_consent_event(session, person, ConsentEventKind.CONSENT_GIVEN, at=given, **record)
        if step == "withdraw":
            gone = at + timedelta(days=5)
            record_consent_event(session, person, ConsentEventKind.CONSENT_WITHDRAWN, at=gone, **record)
        if step == "request":
            record_erasure_request(
                session, person, channel="email", actor_id=None, requested_at=at + timedelta(days=2)
            )
    session.flush()
    events = session.scalar(select(func.count()).select_from(ConsentEvent))
    requests = session.scalar(select(func.count()).select_from(ErasureRequest))
    return [
        f"Rights demo: notice v{notice.version}; {events} consent ledger rows; {role.title} requires "
        f"consent for its LLM judge; {requests} erasure request(s) open."
    ]
