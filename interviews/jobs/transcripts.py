"""Scoring a transcript's answers in a worker, with progress per answer."""

from __future__ import annotations

from typing import Any

from flask import current_app
from rq import get_current_job
from sqlalchemy import select

from core.db import get_session
from core.jobs import JobRun, report_progress, task
from interviews.services.transcripts.scoring import lock_transcript_candidate, score_transcript
from rubrics.jobs import build_embedding_scorer, build_judge_scorer


@task(title="Score a transcript's answers", queue="default", timeout=1800)
def score_transcript_job(transcript_id: int, judge_runs: int = 1) -> dict[str, Any]:
    """Score every aligned answer of a transcript with the embedding match and, when configured, the
    LLM judge; a judge that is down never blocks the embedding score."""
    session = get_session()
    transcript = lock_transcript_candidate(session, transcript_id)
    if transcript is None:
        return {"transcript_id": transcript_id, "skipped": "the transcript was removed"}
    job = get_current_job()
    run = session.scalar(select(JobRun).where(JobRun.rq_job_id == job.id)) if job is not None else None
    if run is not None:
        transcript.job_run_id = run.id  # a retry from the job page is a new run
    report_progress(2, "Loading the embedding model")
    judge, reason = build_judge_scorer(current_app.config, runs=judge_runs)
    summary = score_transcript(
        session,
        transcript,
        embedding_scorer=build_embedding_scorer(session),
        judge_scorer=judge,
        judge_runs=judge_runs,
        actor_id=run.created_by_id if run is not None else None,
        progress=report_progress,
    )
    # Counts only: levels stay on the pages that apply the blind-until-submitted rule.
    refused = summary.pop("judge_not_run", None)
    used = f"not run: {refused}" if refused else "used" if judge is not None else f"not used: {reason}"
    return summary | {"judge": used}
