"""What every scorer returns, so that results can be stored, combined and shown side by side."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from rubrics.models import ScoreStatus


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Evidence:
    """A passage of the answer quoted as evidence; ``verified`` means it occurs verbatim in it."""

    quote: str
    verified: bool
    start: int | None = None  # character offset in the answer when verified


@dataclass(frozen=True)
class CriterionScore:
    key: str
    level: float  # 1-4; a scorer may return a fractional level (e.g. an expectation)
    confidence: float  # 0-1
    rationale: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ScorerResult:
    scorer: str  # "embedding" | "judge"
    model: str
    status: ScoreStatus
    criteria: tuple[CriterionScore, ...] = ()
    level: float | None = None  # overall, from RubricContent.weighted_level
    confidence: float | None = None
    flags: tuple[str, ...] = ()  # e.g. "injection", "invented_quotes", "padding", "off_topic"
    prompt_version: str = ""
    prompt_hash: str = ""
    latency_ms: int | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)  # scorer-specific diagnostics, shown but never scored
