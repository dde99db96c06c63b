"""Anonymised review demo: the mode is turned on for the demo role whose loops are furthest along
(the ML engineer role, with the seed candidate's scored transcript), so it can be seen."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth import find_user_by_email
from core.redaction import redact
from hiring.models import Application, Candidate, JobRole
from hiring.services.anonymised import pseudonym
from hiring.services.roles import update_role
from interviews.models import InterviewLoop


def _demo_role(session: Session) -> JobRole | None:
    """The role of the seed candidate's loop, else the role with the most interview loops."""
    seeded = session.scalar(
        select(JobRole)
        .join(Application, Application.role_id == JobRole.id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .join(InterviewLoop, InterviewLoop.application_id == Application.id)
        .where(Candidate.name.like("Amith%"))
        .limit(1)
    )
    if seeded is not None:
        return seeded
    return session.scalar(
        select(JobRole)
        .join(Application, Application.role_id == JobRole.id)
        .join(InterviewLoop, InterviewLoop.application_id == Application.id)
        .group_by(JobRole.id)
        .order_by(func.count(InterviewLoop.id).desc(), JobRole.id)
        .limit(1)
    )


def load_anonymised_demo(session: Session) -> list[str]:
    """Turn anonymised review on for one demo role with interviews; return lines to print."""
    role = _demo_role(session)
    if role is None:
        return ["Anonymised review demo skipped: no demo role has interview loops."]
    if role.anonymised_review:
        return [f"Anonymised review already on for {role.title}."]
    manager = find_user_by_email(session, "manager@example.com")
    update_role(session, role, actor_id=manager.id if manager else None, anonymised_review=True)
    loops = session.scalars(
        select(InterviewLoop)
        .join(Application, Application.id == InterviewLoop.application_id)
        .where(Application.role_id == role.id)
        .order_by(InterviewLoop.id)
    ).all()
    lines = [
        f"Anonymised review on for {role.title}: interviewers see its {len(loops)} looped "
        "candidates under pseudonyms, their profiles and transcripts redacted."
    ]
    for loop in loops:
        candidate = loop.application.candidate
        texts = [candidate.summary, *(d.body for d in candidate.documents)]
        counts: dict[str, int] = {}
        for text in texts:
            for kind, count in redact(text, known_names=[candidate.name]).counts().items():
                counts[kind] = counts.get(kind, 0) + count
        hidden = ", ".join(f"{count} {kind}" for kind, count in counts.items()) or "nothing to redact"
        lines.append(f"  {candidate.name} → {pseudonym(loop.application)} ({hidden})")
    return lines
