"""Matching demo: embed every demo profile and JD now, so the first ranking page opens at once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hiring.models import JobRole, RoleStatus
from matching.jobs import all_profile_ids, refresh_match_embeddings
from matching.models import CandidateVector
from matching.ranking import rank_role


def load_matching_demo(session: Session) -> list[str]:
    candidate_ids, role_ids = all_profile_ids()
    summary = refresh_match_embeddings(candidate_ids, role_ids)
    vectors = session.scalar(select(func.count()).select_from(CandidateVector))
    lines = [
        f"Matching demo: {vectors} profile vectors ({summary['vectors_written']} new), "
        f"{summary['passages_encoded']} passages embedded."
    ]
    role = session.scalars(
        select(JobRole).where(JobRole.status == RoleStatus.OPEN).order_by(JobRole.id).limit(1)
    ).first()
    if role is not None:
        ranking = rank_role(session, role, top=3)
        lines.append(f"Best matches for {role.title}:")
        lines += [f"  {item.result.score:.2f}  {item.candidate.name}" for item in ranking.results]
    return lines
