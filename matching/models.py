"""Matching data: per-role weights of the match score, and candidates' profile vectors for search."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class MatchWeights(Base):
    """How much each part of the match score counts for one role (defaults apply without a row)."""

    __tablename__ = "match_weights"

    role_id: Mapped[int] = mapped_column(
        ForeignKey("job_roles.id", ondelete="CASCADE"), primary_key=True
    )
    must_have: Mapped[float]
    nice_to_have: Mapped[float]
    semantic: Mapped[float]
    seniority: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CandidateVector(Base):
    """A candidate's profile vector: the normalised mean of its passages' embeddings.

    ``content_hash`` is the sha256 of the passages embedded: when the profile or its documents
    change, the hash differs and the vector is stale until a job recomputes it. On PostgreSQL with
    pgvector, migration 0006 adds an ``embedding vector(384)`` column with an HNSW index beside
    ``vector``; the ORM does not map it (see matching.vectors).
    """

    __tablename__ = "candidate_vectors"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    dimension: Mapped[int]
    passages: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
