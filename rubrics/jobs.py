"""Scoring jobs: run both scorers on an answer in a worker, with progress."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from core.db import get_session
from core.embeddings import get_model
from core.jobs import report_progress, task
from rubrics.content import RubricContent
from rubrics.scoring.cache import EmbeddingCache
from rubrics.scoring.embedding import EmbeddingScorer
from rubrics.scoring.judge import make_judge_scorer
from rubrics.scoring.types import ScorerResult
from rubrics.services.judge_permission import judge_permission
from rubrics.services.scoring import get_answer, score_answer

REPEAT_TEMPERATURE = 0.7


@dataclass(frozen=True)
class NamedScorer:
    """A scorer with the name and model its verdicts are stored under (the idempotency key)."""

    name: str
    model_name: str
    run: Callable[[str, RubricContent, str], ScorerResult]

    def score(self, answer: str, content: RubricContent, *, question: str = "") -> ScorerResult:
        return self.run(answer, content, question)


def build_embedding_scorer(session: Session) -> NamedScorer:
    scorer = EmbeddingScorer(get_model(), cache=EmbeddingCache(session))
    return NamedScorer(
        "embedding",
        scorer.model_name,
        lambda answer, content, question: scorer.score(answer, content, question=question),
    )


def build_judge_scorer(
    config: Mapping[str, Any], *, runs: int = 1
) -> tuple[NamedScorer | None, str | None]:
    """The configured LLM judge, or None with the reason it is not available.

    Repeat runs sample at a temperature above zero: at zero every run would agree by construction.
    """
    judge, reason = make_judge_scorer(config, temperature=REPEAT_TEMPERATURE if runs > 1 else None)
    if judge is None:
        return None, reason
    return NamedScorer(
        "judge",
        judge.model_name,
        lambda answer, content, question: judge.score(answer, content, question=question),
    ), None


@task(title="Score an answer", queue="default", timeout=900)
def score_answer_job(answer_id: int, judge_runs: int = 1) -> dict[str, Any]:
    """Score an answer with the embedding match and, when configured, the LLM judge."""
    session = get_session()
    answer = get_answer(session, answer_id)
    report_progress(5, "Loading the embedding model")
    allowed, refusal = judge_permission(session, answer)
    judge, reason = build_judge_scorer(current_app.config, runs=judge_runs) if allowed else (None, None)
    scores = score_answer(
        session,
        answer,
        embedding_scorer=build_embedding_scorer(session),
        judge_scorer=judge,
        judge_runs=judge_runs,
        progress=report_progress,
    )
    combined = scores.combined
    return {
        "answer_id": answer.id,
        "rubric_version": scores.version.label,
        "embedding_level": round(scores.embedding.level, 2)
        if scores.embedding and scores.embedding.level
        else None,
        "judge": _judge_outcome(scores.judge, allowed=allowed, refusal=refusal, reason=reason),
        "combined_level": round(combined.level, 2) if combined and combined.level else None,
        "disagreement": bool(combined and combined.disagreement),
    }


def _judge_outcome(judge: Any, *, allowed: bool, refusal: str | None, reason: str | None) -> str:
    """What became of the judge for this answer: its status, or why it did not run."""
    if not allowed:
        return f"not run: {refusal}"
    return judge.status.value if judge else f"not used: {reason}"
