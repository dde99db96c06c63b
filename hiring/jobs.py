"""Background jobs of the hiring package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import get_session
from core.jobs import JobRun, enqueue_after_commit, report_progress, task
from hiring.models import JobRole
from hiring.services import jd_draft

# Worst case: REPLY_ATTEMPTS requests, each up to 1 + HTTP_RETRIES tries of 60 s, plus back-off.
DRAFT_JOB_TIMEOUT = int(
    jd_draft.REPLY_ATTEMPTS * (1 + jd_draft.HTTP_RETRIES) * jd_draft.REQUEST_TIMEOUT_SECONDS + 60
)


@task(title="Draft a job description with the LLM", queue="default", timeout=DRAFT_JOB_TIMEOUT)
def draft_role_jd(role_id: int, title: str, brief: str, actor_id: int | None = None) -> dict[str, Any]:
    """Ask the configured LLM for a JD from a brief and save it into the role as a draft."""
    config = current_app.config
    reason = jd_draft.draft_unavailable_reason(config)
    if reason:
        raise jd_draft.DraftError(reason)
    report_progress(5, "Connecting to the LLM endpoint")
    return jd_draft.run_jd_draft(
        get_session(),
        role_id,
        title=title,
        brief=brief,
        client=jd_draft.make_client(config),
        model=config["JUDGE_MODEL"],
        actor_id=actor_id,
        progress=report_progress,
    )


def queue_jd_draft(
    session: Session,
    role: JobRole,
    *,
    title: str,
    brief: str,
    actor_id: int | None,
    config: Mapping[str, Any],
) -> JobRun:
    """Check that a draft can be made, then queue the job (it starts once the caller commits)."""
    reason = jd_draft.draft_unavailable_reason(config)
    if reason:
        raise jd_draft.DraftError(reason)
    jd_draft.ensure_can_draft(role)
    title, brief = jd_draft.clean_brief(title, brief)
    run = enqueue_after_commit(
        session,
        draft_role_jd,
        created_by_id=actor_id,
        role_id=role.id,
        title=title,
        brief=brief,
        actor_id=actor_id,
    )
    record_audit(
        session,
        actor_id=actor_id,
        action="role.jd_draft_requested",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}: LLM draft requested (job run {run.id})",
        after={"title": title, "brief": brief, "run_id": run.id},
    )
    return run
