"""Combining the two scorers mechanically, and showing where they disagree.

The overall level is always computed from criterion levels and the rubric's weights
(``RubricContent.weighted_level``), never taken from a free-form opinion. Per criterion:

- both scorers scored it: the mean of the two levels;
- only the embedding scorer did (judge unavailable, not configured, or flagged for injection or
  invented quotes on that criterion): the embedding level alone.

A judge flagged for prompt injection is left out entirely: the answer tried to talk to the grader,
so only the scorer that cannot be talked to counts. Any criterion, or the overall level, where the
two scorers differ by ``DISAGREEMENT_LEVELS`` or more is flagged for a person to look at.
"""

from __future__ import annotations

from dataclasses import dataclass

from rubrics.content import RubricContent
from rubrics.models import ScoreStatus
from rubrics.scoring.types import ScorerResult

DISAGREEMENT_LEVELS = 1.5


@dataclass(frozen=True)
class CombinedCriterion:
    key: str
    title: str
    weight: float
    embedding: float | None
    judge: float | None
    level: float | None
    disagreement: bool


@dataclass(frozen=True)
class CombinedScore:
    status: ScoreStatus
    level: float | None
    criteria: tuple[CombinedCriterion, ...]
    disagreement: bool  # overall or on any criterion
    judge_used: bool
    flags: tuple[str, ...]
    explanation: str


def _levels(result: ScorerResult | None) -> dict[str, float]:
    if result is None or result.status != ScoreStatus.SCORED:
        return {}
    return {criterion.key: criterion.level for criterion in result.criteria}


def combine(
    content: RubricContent, embedding: ScorerResult, judge: ScorerResult | None
) -> CombinedScore:
    """Combine an embedding result and an optional judge result under one rubric."""
    flags = tuple(dict.fromkeys((*embedding.flags, *(judge.flags if judge else ()))))
    if embedding.status == ScoreStatus.INSUFFICIENT_EVIDENCE:
        return CombinedScore(
            status=ScoreStatus.INSUFFICIENT_EVIDENCE,
            level=None,
            criteria=tuple(
                CombinedCriterion(c.key, c.title, c.weight, None, None, None, False)
                for c in content.criteria
            ),
            disagreement=False,
            judge_used=False,
            flags=flags,
            explanation="Insufficient evidence: the answer is empty, very short or off-topic.",
        )
    embedding_levels = _levels(embedding)
    judge_levels = _levels(judge)
    judge_excluded = judge is not None and "injection" in judge.flags
    if judge_excluded:
        judge_levels = {}
    invented = {
        c.key
        for c in (judge.criteria if judge else ())
        if c.evidence and not any(e.verified for e in c.evidence)
    }

    criteria, combined = [], {}
    for criterion in content.criteria:
        e_level = embedding_levels.get(criterion.key)
        j_level = judge_levels.get(criterion.key)
        usable_judge = j_level if criterion.key not in invented else None
        available = [level for level in (e_level, usable_judge) if level is not None]
        level = sum(available) / len(available) if available else None
        if level is not None:
            combined[criterion.key] = level
        disagreement = (
            e_level is not None and j_level is not None and abs(e_level - j_level) >= DISAGREEMENT_LEVELS
        )
        criteria.append(
            CombinedCriterion(
                criterion.key, criterion.title, criterion.weight, e_level, j_level, level, disagreement
            )
        )

    if len(combined) != len(content.criteria):
        return CombinedScore(
            status=ScoreStatus.FAILED,
            level=None,
            criteria=tuple(criteria),
            disagreement=False,
            judge_used=bool(judge_levels),
            flags=flags,
            explanation="The embedding scorer returned no level for some criteria.",
        )
    overall_disagreement = (
        embedding.level is not None
        and judge is not None
        and judge.level is not None
        and not judge_excluded
        and abs(embedding.level - judge.level) >= DISAGREEMENT_LEVELS
    )
    if judge_excluded:
        explanation = "The judge was left out: the answer contains instructions aimed at the grader."
    elif judge_levels:
        explanation = (
            "Mean of the embedding match and the LLM judge per criterion, weighted by the rubric."
        )
    else:
        explanation = "Embedding match only (the LLM judge is unavailable or not configured)."
    return CombinedScore(
        status=ScoreStatus.SCORED,
        level=content.weighted_level(combined),
        criteria=tuple(criteria),
        disagreement=overall_disagreement or any(c.disagreement for c in criteria),
        judge_used=bool(judge_levels),
        flags=flags,
        explanation=explanation,
    )
