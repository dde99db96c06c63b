"""Rubric data: rubrics with immutable published versions, the question bank, answers, scores,
human overrides, and the embedding cache.

A rubric's working copy lives in ``Rubric.draft``; publishing copies it into a new
``RubricVersion`` that never changes again, and every score points at the version it used.
The content format (draft and versions alike) is validated by ``rubrics.content``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth import User
from core.db import Base, str_enum, utcnow


class QuestionCategory(enum.StrEnum):
    ML_THEORY = "ml_theory"
    SYSTEM_DESIGN = "system_design"
    CODING = "coding"
    BEHAVIOURAL = "behavioural"
    SCREENING = "screening"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"ml_theory": "ML theory", "system_design": "System design"}.get(
            self.value, self.value.capitalize()
        )


class ScoreStatus(enum.StrEnum):
    SCORED = "scored"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"  # empty, off-topic or very short answer
    UNAVAILABLE = "unavailable"  # the judge could not be reached or answered garbage
    FAILED = "failed"


class Rubric(Base):
    """A rubric for one question (or a family of questions), edited as a draft, published as versions."""

    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    pack: Mapped[str] = mapped_column(String(120), default="", index=True)
    draft: Mapped[dict[str, Any]]  # the working copy, in the rubrics.content format
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[RubricVersion]] = relationship(
        back_populates="rubric", order_by="RubricVersion.number"
    )

    @property
    def latest_version(self) -> RubricVersion | None:
        return self.versions[-1] if self.versions else None


class RubricVersion(Base):
    """An immutable, published copy of a rubric's content."""

    __tablename__ = "rubric_versions"
    __table_args__ = (UniqueConstraint("rubric_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    rubric: Mapped[Rubric] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return f"{self.rubric.key} v{self.number}"


class Question(Base):
    """A question of the bank, scored with its rubric."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    category: Mapped[QuestionCategory] = mapped_column(str_enum(QuestionCategory), index=True)
    pack: Mapped[str] = mapped_column(String(120), default="", index=True)
    title: Mapped[str] = mapped_column(String(300))
    prompt: Mapped[str] = mapped_column(Text)  # what the interviewer asks
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rubric: Mapped[Rubric] = relationship()


class Answer(Base):
    """An answer to a question, as text; interviews link answers to candidates and transcripts."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[Question | None] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="answer", order_by="Score.id")


class Score(Base):
    """One scorer's verdict on one answer under one rubric version, with its evidence.

    ``details`` holds the per-criterion levels, confidences, rationales and evidence quotes (each
    quote with whether it was verified verbatim in the answer), in the rubrics.scoring format.
    Unique per (answer text hash, rubric version, scorer, model, run): scoring is idempotent.
    """

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("answer_hash", "rubric_version_id", "scorer", "model", "run"),
        Index("ix_scores_answer_id_scorer", "answer_id", "scorer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"))
    answer_hash: Mapped[str] = mapped_column(String(64))
    rubric_version_id: Mapped[int] = mapped_column(ForeignKey("rubric_versions.id"), index=True)
    scorer: Mapped[str] = mapped_column(String(40))  # "embedding" | "judge"
    model: Mapped[str] = mapped_column(String(200))
    run: Mapped[int] = mapped_column(default=0)  # repeat runs of the judge, for its variance
    prompt_version: Mapped[str] = mapped_column(String(40), default="")
    prompt_hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[ScoreStatus] = mapped_column(str_enum(ScoreStatus, 32))
    level: Mapped[float | None]  # weighted overall level, 1-4, computed from the criteria
    confidence: Mapped[float | None]
    details: Mapped[dict[str, Any]]
    flags: Mapped[list[Any]] = mapped_column(default=list)  # e.g. "injection", "invented_quotes"
    error: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int | None]
    tokens_in: Mapped[int | None]
    tokens_out: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="scores")
    rubric_version: Mapped[RubricVersion] = relationship()
    overrides: Mapped[list[ScoreOverride]] = relationship(
        back_populates="score", order_by="ScoreOverride.id"
    )


class ScoreOverride(Base):
    """A person's correction of a score (overall, or one criterion), with the required reason."""

    __tablename__ = "score_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id", ondelete="CASCADE"), index=True)
    criterion: Mapped[str | None] = mapped_column(String(120))  # None: the overall level
    level: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    score: Mapped[Score] = relationship(back_populates="overrides")
    actor: Mapped[User | None] = relationship()


class EmbeddingCacheEntry(Base):
    """A sentence embedding, cached by model and content hash (float32 bytes)."""

    __tablename__ = "embedding_cache"

    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
