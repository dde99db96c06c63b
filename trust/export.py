"""Export of everything held about a candidate, as one JSON document (transcripts' text included).

Colleagues' identities are left out (scorecards and votes say what was rated and written, not by
whom); everything about the candidate is in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.audit import AuditEvent, record_audit
from core.db import utcnow
from hiring.models import Application, Candidate
from interviews.models import InterviewLoop, Transcript
from matching.models import CandidateVector
from rubrics.models import Score
from trust.consent import consent_ledger
from trust.erasure import erasure_requests, find_erasure

FORMAT_VERSION = 1


def _when(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_candidate(session: Session, candidate: Candidate, *, actor_id: int | None) -> dict[str, Any]:
    """Everything held about the candidate, as plain JSON data; the export itself is audited."""
    applications = list(
        session.scalars(select(Application).where(Application.candidate_id == candidate.id))
    )
    loops = {
        loop.application_id: loop
        for loop in session.scalars(
            select(InterviewLoop).where(InterviewLoop.application_id.in_([a.id for a in applications]))
        )
    }
    document = {
        "format_version": FORMAT_VERSION,
        "exported_at": utcnow().isoformat(),
        "candidate_id": candidate.id,
        "profile": _profile(candidate),
        "documents": [
            {
                "id": d.id,
                "kind": d.kind.value,
                "title": d.title,
                "source_name": d.source_name,
                "created_at": _when(d.created_at),
                "text": d.body,
            }
            for d in candidate.documents
        ],
        "applications": [_application(session, a, loops.get(a.id)) for a in applications],
        "touchpoints": [
            {"kind": t.kind.value, "happened_on": _when(t.happened_on), "summary": t.summary}
            for t in candidate.touchpoints
        ],
        "pools": [pool.name for pool in candidate.pools],
        "consent_ledger": [
            {
                "event": row.event.value,
                "notice_version": row.notice.version,
                "notice_title": row.notice.title,
                "notice_text": row.notice.body,
                "notice_hash": row.notice_hash,
                "channel": row.channel.value,
                "at": _when(row.at),
            }
            for row in consent_ledger(session, candidate.id)
        ],
        "erasure_requests": [
            {"requested_at": _when(r.requested_at), "due_at": _when(r.due_at), "status": r.status.value}
            for r in erasure_requests(session, candidate.id)
        ],
        "match_vector": _vector(session, candidate.id),
        "audit_events": _audit_events(session, candidate, applications, loops),
    }
    erasure = find_erasure(session, candidate.id)
    if erasure is not None:
        document["erased_at"] = _when(erasure.erased_at)
    record_audit(
        session,
        actor_id=actor_id,
        action="candidate.exported",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"Export of everything held about candidate #{candidate.id}",
        after={"applications": len(applications), "documents": len(document["documents"])},
    )
    return document


def _profile(candidate: Candidate) -> dict[str, Any]:
    return {
        "name": candidate.name,
        "emails": candidate.emails,
        "phones": candidate.phones,
        "location": candidate.location,
        "links": candidate.links,
        "headline": candidate.headline,
        "summary": candidate.summary,
        "work_history": candidate.work_history,
        "skills": candidate.skills,
        "tags": candidate.tags,
        "source": candidate.source.value,
        "source_detail": candidate.source_detail,
        "referrer_name": candidate.referrer_name,
        "consent_status": candidate.consent_status.value,
        "consent_updated_at": _when(candidate.consent_updated_at),
        "is_prospect": candidate.is_prospect,
        "not_looking_until": _when(candidate.not_looking_until),
        "next_reengage_on": _when(candidate.next_reengage_on),
        "created_at": _when(candidate.created_at),
        "updated_at": _when(candidate.updated_at),
    }


def _application(
    session: Session, application: Application, loop: InterviewLoop | None
) -> dict[str, Any]:
    return {
        "id": application.id,
        "role": application.role.title,
        "stage": application.stage.name,
        "applied_at": _when(application.created_at),
        "rejection_reason": application.rejection_reason,
        "stage_history": [
            {
                "from": change.from_stage.name if change.from_stage else None,
                "to": change.to_stage.name,
                "at": _when(change.created_at),
                "reason": change.reason,
            }
            for change in application.history
        ],
        "interview_loop": _loop(session, loop) if loop is not None else None,
    }


def _loop(session: Session, loop: InterviewLoop) -> dict[str, Any]:
    return {
        "status": loop.status.value,
        "rounds": [
            {
                "title": round_.title,
                "kind": round_.kind.value,
                "scheduled_at": _when(round_.scheduled_at),
                "scorecards": [
                    {
                        "status": card.status.value,
                        "ratings": card.ratings,
                        "takeaways": card.takeaways,
                        "recommendation": card.recommendation.value if card.recommendation else None,
                        "submitted_at": _when(card.submitted_at),
                    }
                    for card in round_.scorecards
                ],
                "transcripts": [_transcript(session, t) for t in round_.transcripts],
            }
            for round_ in loop.rounds
        ],
        "debrief_votes": [
            {"vote": vote.vote.value, "comment": vote.comment, "cast_at": _when(vote.cast_at)}
            for vote in (loop.debrief.votes if loop.debrief else [])
        ],
        "decisions": [
            {
                "outcome": d.outcome.value,
                "rationale": d.rationale,
                "at": _when(d.created_at),
                "supersede_reason": d.supersede_reason,
            }
            for d in loop.decisions
        ],
    }


def _transcript(session: Session, transcript: Transcript) -> dict[str, Any]:
    answers = []
    for row in transcript.answers:
        scores = (
            session.scalars(select(Score).where(Score.answer_id == row.answer_id).order_by(Score.id))
            if row.answer_id is not None
            else []
        )
        answers.append(
            {
                "index": row.index,
                "question": row.question.title if row.question else None,
                "text": row.text,
                "ai_scores": [
                    {
                        "scorer": s.scorer,
                        "model": s.model,
                        "status": s.status.value,
                        "level": s.level,
                        "criteria": s.details.get("criteria", []),
                        "flags": s.flags,
                        "overrides": [
                            {"criterion": o.criterion, "level": o.level, "reason": o.reason}
                            for o in s.overrides
                        ],
                    }
                    for s in scores
                ],
            }
        )
    return {
        "source_name": transcript.source_name,
        "uploaded_at": _when(transcript.created_at),
        "text": transcript.body,
        "answers": answers,
    }


def _vector(session: Session, candidate_id: int) -> dict[str, Any] | None:
    row = session.get(CandidateVector, candidate_id)
    if row is None:
        return None
    return {
        "model": row.model,
        "dimension": row.dimension,
        "passages": row.passages,
        "content_hash": row.content_hash,
        "updated_at": _when(row.updated_at),
    }


def _audit_events(
    session: Session,
    candidate: Candidate,
    applications: list[Application],
    loops: dict[int, InterviewLoop],
) -> list[dict[str, Any]]:
    transcripts = [t.id for loop in loops.values() for r in loop.rounds for t in r.transcripts]
    about = {
        "candidate": [candidate.id],
        "application": [a.id for a in applications],
        "interview_loop": [loop.id for loop in loops.values()],
        "transcript": transcripts,
    }
    conditions = [
        (AuditEvent.object_type == kind) & AuditEvent.object_id.in_([str(i) for i in ids])
        for kind, ids in about.items()
        if ids
    ]
    events = session.scalars(select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.id))
    return [
        {
            "action": e.action,
            "object": f"{e.object_type} {e.object_id}",
            "summary": e.summary,
            "at": _when(e.created_at),
        }
        for e in events
    ]
