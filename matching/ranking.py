"""Rank a role's applicants and prospects by match score, and keep their profile vectors current.

Passage embeddings go through the content-hash cache (rubrics.scoring.cache), so a profile that did
not change is never encoded twice. Above SHORTLIST eligible candidates, the vector index (numpy or
pgvector, matching.vectors) picks the SHORTLIST whose profile vectors are nearest the JD's, and only
those are scored in full: a candidate far from the JD in meaning rarely covers its skills.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.audit import record_audit
from core.db import escape_like
from core.embeddings import embed, get_model
from hiring.models import Application, Candidate, CandidateSource, JobRole, pool_members
from matching.extraction import SkillExtractor, default_extractor
from matching.models import CandidateVector, MatchWeights
from matching.profiles import CandidateProfile, Passage, RoleProfile, candidate_profile, role_profile
from matching.scoring import DEFAULT_WEIGHTS, PART_KEYS, MatchResult, Weights, match
from matching.taxonomy import Taxonomy, default_taxonomy
from matching.vectors import store_candidate_vector, vector_index
from rubrics.scoring.cache import EmbeddingCache
from rubrics.scoring.embedding import model_label

SHORTLIST = 500


@dataclass(frozen=True)
class RankingFilters:
    stage_id: int | None = None  # applicants in this stage of the role (prospects drop out)
    pool_id: int | None = None
    source: CandidateSource | None = None
    location: str = ""  # case-insensitive substring
    include: str = "all"  # "all", "applicants" or "prospects"


@dataclass(frozen=True)
class RankedCandidate:
    candidate: Candidate
    application: Application | None  # None for a prospect who has not applied to this role
    result: MatchResult


@dataclass
class Ranking:
    role: JobRole
    results: list[RankedCandidate]
    eligible: int
    shortlisted_by: str | None = None  # the vector index that cut the field down, if one did
    seconds: float = 0.0
    encoded: int = 0  # passages that had to be embedded (not found in the cache)


@dataclass
class Matcher:
    """What scoring needs, built once per request or job: model, extractor, cache."""

    session: Session
    extractor: SkillExtractor = field(default_factory=default_extractor)
    taxonomy: Taxonomy = field(default_factory=default_taxonomy)

    def __post_init__(self) -> None:
        self.model = get_model()
        self.model_name = model_label(self.model)
        self.cache = EmbeddingCache(self.session)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return embed(texts, model=self.model)

    def vectors(self, passages: Sequence[Passage]) -> np.ndarray:
        if not passages:
            return embed([], model=self.model)
        return self.cache.get_many(self.model_name, [passage.text for passage in passages], self._encode)

    def role(self, role: JobRole) -> tuple[RoleProfile, np.ndarray]:
        profile = role_profile(role, self.extractor)
        return profile, self.vectors(profile.passages)

    def candidate(self, candidate: Candidate) -> tuple[CandidateProfile, np.ndarray]:
        profile = candidate_profile(candidate, extractor=self.extractor, taxonomy=self.taxonomy)
        return profile, self.vectors(profile.passages)

    def store_vector(self, profile: CandidateProfile, passage_vectors: np.ndarray) -> bool:
        """Store the candidate's profile vector unless the stored one is current; True if written."""
        stored = self.session.get(CandidateVector, profile.candidate_id)
        content_hash = profile.content_hash
        if (
            stored is not None
            and stored.content_hash == content_hash
            and stored.model == self.model_name
        ):
            return False
        if not len(passage_vectors):
            if stored is not None:
                self.session.delete(stored)
            return stored is not None
        store_candidate_vector(
            self.session,
            profile.candidate_id,
            model=self.model_name,
            content_hash=content_hash,
            vector=mean_vector(passage_vectors),
            passages=len(passage_vectors),
        )
        return True


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    """The unit-length mean of unit vectors: a profile's (or a JD's) single vector for search."""
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm else mean).astype(np.float32)


def role_weights(session: Session, role_id: int) -> Weights:
    row = session.get(MatchWeights, role_id)
    if row is None:
        return DEFAULT_WEIGHTS
    return Weights(**{key: getattr(row, key) for key in PART_KEYS})


def set_role_weights(session: Session, role: JobRole, weights: Weights, *, actor_id: int | None) -> None:
    """Store a role's weights (validated by Weights) with an audit event."""
    before = role_weights(session, role.id).as_dict()
    row = session.get(MatchWeights, role.id) or MatchWeights(role_id=role.id)
    for key, value in weights.as_dict().items():
        setattr(row, key, value)
    row.updated_by_id = actor_id
    session.add(row)
    record_audit(
        session,
        actor_id=actor_id,
        action="matching.weights_changed",
        object_type="role",
        object_id=role.id,
        summary=f"Changed the match weights of {role.title}",
        before=before,
        after=weights.as_dict(),
    )


def eligible_candidates(
    session: Session, role: JobRole, filters: RankingFilters = RankingFilters()
) -> list[tuple[Candidate, Application | None]]:
    """The role's applicants and the prospects who have not applied to it, filtered, by id."""
    chosen: dict[int, tuple[Candidate, Application | None]] = {}
    if filters.include in ("all", "applicants"):
        statement = (
            select(Application)
            .join(Application.candidate)
            .where(Application.role_id == role.id, Candidate.merged_into_id.is_(None))
            .options(selectinload(Application.candidate), selectinload(Application.stage))
        )
        if filters.stage_id is not None:
            statement = statement.where(Application.stage_id == filters.stage_id)
        for application in session.scalars(_filtered(statement, filters)):
            chosen[application.candidate_id] = (application.candidate, application)
    if filters.include in ("all", "prospects") and filters.stage_id is None:
        applied = select(Application.candidate_id).where(Application.role_id == role.id)
        statement = select(Candidate).where(
            Candidate.is_prospect.is_(True),
            Candidate.merged_into_id.is_(None),
            Candidate.id.not_in(applied),
        )
        for candidate in session.scalars(_filtered(statement, filters)):
            chosen.setdefault(candidate.id, (candidate, None))
    return [chosen[key] for key in sorted(chosen)]


def _filtered(statement, filters: RankingFilters):
    if filters.pool_id is not None:
        statement = statement.where(
            Candidate.id.in_(
                select(pool_members.c.candidate_id).where(pool_members.c.pool_id == filters.pool_id)
            )
        )
    if filters.source is not None:
        statement = statement.where(Candidate.source == filters.source)
    if filters.location.strip():
        needle = escape_like(filters.location.strip())
        statement = statement.where(Candidate.location.ilike(f"%{needle}%", escape="\\"))
    return statement


def rank_role(
    session: Session,
    role: JobRole,
    *,
    filters: RankingFilters = RankingFilters(),
    top: int | None = None,
    store_vectors: bool = False,
    matcher: Matcher | None = None,
) -> Ranking:
    """Score the eligible candidates for the role, best first (ties: lower candidate id first)."""
    started = time.perf_counter()
    matcher = matcher or Matcher(session)
    misses_before = matcher.cache.misses
    weights = role_weights(session, role.id)
    profile, role_vectors = matcher.role(role)
    eligible = eligible_candidates(session, role, filters)
    shortlisted_by = None
    if len(eligible) > SHORTLIST and len(role_vectors):
        index = vector_index(session)
        hits = index.search(
            mean_vector(role_vectors),
            SHORTLIST,
            model=matcher.model_name,
            candidate_ids=[candidate.id for candidate, _ in eligible],
        )
        kept = {hit.candidate_id for hit in hits}
        eligible_count = len(eligible)
        eligible = [pair for pair in eligible if pair[0].id in kept]
        shortlisted_by = index.name
    else:
        eligible_count = len(eligible)
    ranked = []
    for candidate, application in eligible:
        candidate_profile_, passage_vectors = matcher.candidate(candidate)
        if store_vectors:
            matcher.store_vector(candidate_profile_, passage_vectors)
        result = match(profile, candidate_profile_, role_vectors, passage_vectors, weights)
        ranked.append(RankedCandidate(candidate, application, result))
    ranked.sort(key=lambda item: (-round(item.result.score, 9), item.candidate.id))
    return Ranking(
        role=role,
        results=ranked[:top] if top else ranked,
        eligible=eligible_count,
        shortlisted_by=shortlisted_by,
        seconds=time.perf_counter() - started,
        encoded=matcher.cache.misses - misses_before,
    )


def match_one(session: Session, role: JobRole, candidate: Candidate) -> MatchResult:
    matcher = Matcher(session)
    profile, role_vectors = matcher.role(role)
    candidate_profile_, passage_vectors = matcher.candidate(candidate)
    return match(
        profile, candidate_profile_, role_vectors, passage_vectors, role_weights(session, role.id)
    )
