"""Keep profile vectors and JD passage embeddings current: an rq job, queued when a profile or JD
changes (matching.refresh) and runnable by hand for everything (`flask matching refresh`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import get_session
from core.jobs import report_progress, task
from hiring.models import Candidate, JobRole
from matching.ranking import Matcher


@task(title="Refresh match embeddings", queue="low", timeout=3600)
def refresh_match_embeddings(
    candidate_ids: list[int] | None = None, role_ids: list[int] | None = None
) -> dict[str, Any]:
    """Embed the given candidates' passages and store their profile vectors; embed the given roles'
    JD passages into the cache. Idempotent: current vectors and cached passages cost nothing."""
    session = get_session()
    matcher = Matcher(session)
    candidates = [session.get(Candidate, id_) for id_ in sorted(set(candidate_ids or []))]
    roles = [session.get(JobRole, id_) for id_ in sorted(set(role_ids or []))]
    candidates = [c for c in candidates if c is not None and c.merged_into_id is None]
    roles = [r for r in roles if r is not None]
    total = max(1, len(candidates) + len(roles))
    written = 0
    for done, candidate in enumerate(candidates):
        profile, vectors = matcher.candidate(candidate)
        written += matcher.store_vector(profile, vectors)
        if done % 10 == 0:
            report_progress(100 * done // total, f"Candidate {done + 1} of {len(candidates)}")
    for role in roles:
        matcher.role(role)
    session.flush()
    return {
        "candidates": len(candidates),
        "vectors_written": written,
        "roles": len(roles),
        "passages_encoded": matcher.cache.misses,
    }


def all_profile_ids() -> tuple[list[int], list[int]]:
    session = get_session()
    candidates = list(session.scalars(select(Candidate.id).where(Candidate.merged_into_id.is_(None))))
    return candidates, list(session.scalars(select(JobRole.id)))
