"""Queue a refresh of match embeddings whenever a transaction changes what matching reads.

After each flush, the ids of candidates and roles whose matched text changed (profile fields,
documents, JD fields) are collected; just before the commit, one `refresh_match_embeddings` job is
recorded for all of them, so it reaches the queue only if the change commits (core.jobs). The app
setting MATCHING_REFRESH_JOBS (default on) turns this off; ranking then embeds stale profiles itself.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from core.db import AppSession
from hiring.models import Candidate, CandidateDocument, JobRole

CANDIDATE_FIELDS = ("headline", "summary", "skills", "work_history")
ROLE_FIELDS = ("title", "summary", "use_cases", "day_to_day", "must_have", "nice_to_have", "tech_stack")
STALE_KEY = "matching_stale"


def _changed(instance: Any, fields: tuple[str, ...]) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _collect(session: Session, _context: Any) -> None:
    stale = session.info.setdefault(STALE_KEY, {"candidates": set(), "roles": set()})
    for instance in session.new | session.dirty:
        is_new = instance in session.new
        if isinstance(instance, Candidate) and (is_new or _changed(instance, CANDIDATE_FIELDS)):
            stale["candidates"].add(instance.id)
        elif isinstance(instance, JobRole) and (is_new or _changed(instance, ROLE_FIELDS)):
            stale["roles"].add(instance.id)
        elif isinstance(instance, CandidateDocument):
            stale["candidates"].add(instance.candidate_id)
    for instance in session.deleted:
        if isinstance(instance, CandidateDocument):
            stale["candidates"].add(instance.candidate_id)


def _enqueue(session: Session) -> None:
    session.flush()  # before_commit comes before the commit's own flush: collect its changes too
    stale = session.info.pop(STALE_KEY, None)
    if not stale or not (stale["candidates"] or stale["roles"]):
        return
    if not has_app_context() or not current_app.config.get("MATCHING_REFRESH_JOBS", True):
        return
    from core.jobs import enqueue_after_commit
    from matching.jobs import refresh_match_embeddings

    enqueue_after_commit(
        session,
        refresh_match_embeddings,
        candidate_ids=sorted(stale["candidates"]),
        role_ids=sorted(stale["roles"]),
    )


def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(STALE_KEY, None)


def register_refresh_hooks(app: Flask) -> None:
    if not event.contains(AppSession, "after_flush", _collect):
        event.listen(AppSession, "after_flush", _collect)
        event.listen(AppSession, "before_commit", _enqueue)
        event.listen(AppSession, "after_transaction_end", _forget)
