"""Scoring answers: run the scorers, store every verdict idempotently, combine, and let people
overrule any score with a reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import get_or_raise
from core.errors import DomainError
from rubrics.content import LEVELS, RubricContent, parse_content
from rubrics.models import Answer, Question, RubricVersion, Score, ScoreOverride, ScoreStatus
from rubrics.scoring.combine import CombinedScore, combine
from rubrics.scoring.types import CriterionScore, Evidence, ScorerResult, text_hash

MAX_ANSWER_CHARS = 20_000
MAX_REASON_CHARS = 2_000


class Scorer(Protocol):
    name: str
    model_name: str

    def score(self, answer: str, content: RubricContent, *, question: str = "") -> ScorerResult: ...


@dataclass(frozen=True)
class AnswerScores:
    """The stored verdicts on one answer under one rubric version, and their combination."""

    answer: Answer
    version: RubricVersion
    embedding: Score | None
    judge_runs: tuple[Score, ...]
    combined: CombinedScore | None

    @property
    def judge(self) -> Score | None:
        return self.judge_runs[0] if self.judge_runs else None


# ---------------------------------------------------------------- answers


def get_answer(session: Session, answer_id: int) -> Answer:
    return get_or_raise(session, Answer, answer_id, "No such answer.")


def record_answer(session: Session, *, question: Question, text: str, actor_id: int | None) -> Answer:
    """Store an answer to a question, reusing the identical answer if it was stored before."""
    text = (text or "").strip()
    if len(text) > MAX_ANSWER_CHARS:
        raise DomainError(
            f"Answers are limited to {MAX_ANSWER_CHARS:,} characters; this one has {len(text):,}."
        )
    digest = text_hash(text)
    existing = session.scalar(
        select(Answer).where(Answer.question_id == question.id, Answer.text_hash == digest)
    )
    if existing is not None:
        return existing
    answer = Answer(question=question, text=text, text_hash=digest, created_by_id=actor_id)
    session.add(answer)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="answer.recorded",
        object_type="answer",
        object_id=answer.id,
        summary=f"Answer to {question.key} ({len(text)} characters)",
    )
    return answer


def latest_version(question: Question) -> RubricVersion:
    version = question.rubric.latest_version
    if version is None:
        raise DomainError(
            f"The rubric of {question.title!r} has no published version yet: publish it first."
        )
    return version


# ---------------------------------------------------------------- storing results


def find_score(
    session: Session, answer: Answer, version: RubricVersion, scorer: str, model: str, run: int = 0
) -> Score | None:
    return session.scalar(
        select(Score).where(
            Score.answer_hash == answer.text_hash,
            Score.rubric_version_id == version.id,
            Score.scorer == scorer,
            Score.model == model,
            Score.run == run,
        )
    )


def _details(result: ScorerResult) -> dict[str, Any]:
    return {"criteria": [asdict(criterion) for criterion in result.criteria], "extra": result.extra}


def store_result(
    session: Session, answer: Answer, version: RubricVersion, result: ScorerResult, *, run: int = 0
) -> Score:
    """Store a scorer's verdict; an identical earlier verdict (same key) is returned instead."""
    existing = find_score(session, answer, version, result.scorer, result.model, run)
    if existing is not None:
        return existing
    score = Score(
        answer=answer,
        answer_hash=answer.text_hash,
        rubric_version_id=version.id,
        scorer=result.scorer,
        model=result.model,
        run=run,
        prompt_version=result.prompt_version,
        prompt_hash=result.prompt_hash,
        status=result.status,
        level=result.level,
        confidence=result.confidence,
        details=_details(result),
        flags=list(result.flags),
        error=result.error,
        latency_ms=result.latency_ms,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
    )
    session.add(score)
    session.flush()
    return score


def result_from_score(score: Score) -> ScorerResult:
    """Rebuild the scorer's result from a stored score (for combining and showing)."""
    criteria = tuple(
        CriterionScore(
            key=item["key"],
            level=item["level"],
            confidence=item["confidence"],
            rationale=item.get("rationale", ""),
            evidence=tuple(Evidence(**evidence) for evidence in item.get("evidence", [])),
        )
        for item in score.details.get("criteria", [])
    )
    return ScorerResult(
        scorer=score.scorer,
        model=score.model,
        status=score.status,
        criteria=criteria,
        level=score.level,
        confidence=score.confidence,
        flags=tuple(score.flags),
        prompt_version=score.prompt_version,
        prompt_hash=score.prompt_hash,
        latency_ms=score.latency_ms,
        tokens_in=score.tokens_in,
        tokens_out=score.tokens_out,
        error=score.error,
        extra=score.details.get("extra", {}),
    )


# ---------------------------------------------------------------- scoring


def score_answer(
    session: Session,
    answer: Answer,
    *,
    embedding_scorer: Scorer,
    judge_scorer: Scorer | None = None,
    version: RubricVersion | None = None,
    judge_runs: int = 1,
    progress: Callable[[int, str], None] = lambda percent, message: None,
) -> AnswerScores:
    """Score an answer with both scorers (reusing stored verdicts) and combine them."""
    if answer.question is None:
        raise DomainError(
            "This answer is not linked to a question, so there is no rubric to score it with."
        )
    version = version or latest_version(answer.question)
    content = parse_content(version.content)
    question = answer.question.prompt

    progress(10, "Embedding match")
    embedding = find_score(session, answer, version, embedding_scorer.name, embedding_scorer.model_name)
    if embedding is None:
        embedding = store_result(
            session, answer, version, embedding_scorer.score(answer.text, content, question=question)
        )
    runs: list[Score] = []
    if judge_scorer is not None:
        for run in range(max(1, judge_runs)):
            progress(40 + 50 * run // max(1, judge_runs), f"LLM judge, run {run + 1} of {judge_runs}")
            stored = find_score(
                session, answer, version, judge_scorer.name, judge_scorer.model_name, run
            )
            if stored is None:
                stored = store_result(
                    session,
                    answer,
                    version,
                    judge_scorer.score(answer.text, content, question=question),
                    run=run,
                )
            runs.append(stored)
    progress(95, "Combining")
    return scores_for(session, answer, version)


def scores_for(session: Session, answer: Answer, version: RubricVersion) -> AnswerScores:
    """The stored verdicts on an answer under a version, combined (with overrides shown separately)."""
    stored = session.scalars(
        select(Score)
        .where(Score.answer_id == answer.id, Score.rubric_version_id == version.id)
        .order_by(Score.id)
    ).all()
    embedding = next((s for s in reversed(stored) if s.scorer == "embedding"), None)
    judge_model = next((s.model for s in reversed(stored) if s.scorer == "judge"), None)
    judge_runs = tuple(
        sorted(
            (s for s in stored if s.scorer == "judge" and s.model == judge_model), key=lambda s: s.run
        )
    )
    combined = None
    if embedding is not None:
        content = parse_content(version.content)
        judge = effective_result(judge_runs[0], content) if judge_runs else None
        combined = combine(content, effective_result(embedding, content), judge)
    return AnswerScores(answer, version, embedding, judge_runs, combined)


def effective_result(score: Score, content: RubricContent) -> ScorerResult:
    """The scorer's result with people's criterion overrides applied (what the combination uses)."""
    result = result_from_score(score)
    if not score.overrides or result.status != ScoreStatus.SCORED:
        return result
    criteria = tuple(
        replace(criterion, level=effective_level(score, criterion.key), confidence=1.0)
        if effective_level(score, criterion.key) != criterion.level
        else criterion
        for criterion in result.criteria
    )
    levels = {criterion.key: criterion.level for criterion in criteria}
    overall = (
        effective_level(score)
        if effective_level(score) != score.level
        else content.weighted_level(levels)
    )
    return replace(result, criteria=criteria, level=overall, flags=(*result.flags, "human_override"))


def judge_variance(runs: tuple[Score, ...]) -> dict[str, float]:
    """Per-criterion variance of the judge's levels over repeat runs (needs two or more runs)."""
    levels: dict[str, list[float]] = {}
    for run in runs:
        if run.status == ScoreStatus.SCORED:
            for item in run.details.get("criteria", []):
                levels.setdefault(item["key"], []).append(item["level"])
    return {
        key: sum((v - sum(values) / len(values)) ** 2 for v in values) / (len(values) - 1)
        for key, values in levels.items()
        if len(values) >= 2
    }


# ---------------------------------------------------------------- human overrides


def get_score(session: Session, score_id: int) -> Score:
    return get_or_raise(session, Score, score_id, "No such score.")


def override_score(
    session: Session, score: Score, *, criterion: str | None, level: float, reason: str, actor_id: int
) -> ScoreOverride:
    """Overrule a score (overall or one criterion) with a required reason, kept in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Give a reason for overriding the score: it is kept with the score and in the audit log."
        )
    if len(reason) > MAX_REASON_CHARS:
        raise DomainError(f"Keep the reason under {MAX_REASON_CHARS:,} characters.")
    if not LEVELS[0] <= level <= LEVELS[-1]:
        raise DomainError("A level is between 1 and 4.")
    keys = [c.key for c in parse_content(score.rubric_version.content).criteria]
    if criterion is not None and criterion not in keys:
        raise DomainError(f"This rubric has no criterion {criterion!r}.")
    before = effective_level(score, criterion)
    override = ScoreOverride(
        score=score, criterion=criterion, level=level, reason=reason, actor_id=actor_id
    )
    session.add(override)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="score.overridden",
        object_type="score",
        object_id=score.id,
        summary=f"{score.scorer} score of answer {score.answer_id}, {criterion or 'overall'} → {level}: "
        f"{reason[:200]}",
        before={"criterion": criterion, "level": before},
        after={"criterion": criterion, "level": level},
    )
    return override


def effective_level(score: Score, criterion: str | None = None) -> float | None:
    """The level people should read: the latest override if any, else the scorer's."""
    for override in reversed(score.overrides):
        if override.criterion == criterion:
            return override.level
    if criterion is None:
        return score.level
    for item in score.details.get("criteria", []):
        if item["key"] == criterion:
            return item["level"]
    return None
