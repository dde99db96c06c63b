"""Retention: erase candidates inactive for longer than LOOPWISE_RETENTION_DAYS (off by default).

A candidate's last activity is the latest of: their profile's last change, an application's
creation or stage change, a touchpoint, a consent ledger row. Candidates in an active application
(one at a stage that is not hired, rejected or withdrawn) are never erased by this rule. The report
lists also the erasure requests that are open past their due date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import get_session, utcnow
from core.errors import DomainError
from core.jobs import report_progress, task
from hiring.models import Application, Candidate, RoleStage, StageChange, StageKind, Touchpoint
from trust.consent import ConsentEvent
from trust.erasure import (
    CandidateErasure,
    ErasureReason,
    ErasureRequest,
    RequestStatus,
    erase_candidate,
)


@dataclass
class RetentionReport:
    days: int
    cutoff: datetime
    dry_run: bool
    due: list[dict[str, Any]] = field(default_factory=list)  # [{"candidate_id", "last_activity"}]
    erased: list[int] = field(default_factory=list)
    kept_active: int = 0
    overdue_requests: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "cutoff": self.cutoff.isoformat(),
            "dry_run": self.dry_run,
            "due": self.due,
            "erased": self.erased,
            "kept_in_active_applications": self.kept_active,
            "overdue_requests": self.overdue_requests,
        }


def retention_days(config: Mapping[str, Any]) -> int | None:
    """The configured period in days, or None when retention is off."""
    value = config.get("RETENTION_DAYS")
    if value in (None, "", "0", 0):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        message = f"LOOPWISE_RETENTION_DAYS must be a whole number of days, not {value!r}."
        raise DomainError(message) from None
    if days < 1:
        raise DomainError("LOOPWISE_RETENTION_DAYS must be at least 1.")
    return days


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def last_activity(session: Session) -> dict[int, datetime]:
    """The latest activity of every candidate not erased yet."""
    erased = select(CandidateErasure.candidate_id)
    latest: dict[int, datetime] = {}

    def merge(rows: Any) -> None:
        for candidate_id, moment in rows:
            moment = _aware(moment)
            if moment is not None and (candidate_id not in latest or moment > latest[candidate_id]):
                latest[candidate_id] = moment

    merge(session.execute(select(Candidate.id, Candidate.updated_at).where(Candidate.id.not_in(erased))))
    merge(
        session.execute(
            select(Application.candidate_id, func.max(Application.created_at)).group_by(
                Application.candidate_id
            )
        )
    )
    merge(
        session.execute(
            select(Application.candidate_id, func.max(StageChange.created_at))
            .join(StageChange, StageChange.application_id == Application.id)
            .group_by(Application.candidate_id)
        )
    )
    merge(
        session.execute(
            select(Touchpoint.candidate_id, func.max(Touchpoint.created_at)).group_by(
                Touchpoint.candidate_id
            )
        )
    )
    merge(
        session.execute(
            select(ConsentEvent.candidate_id, func.max(ConsentEvent.at)).group_by(
                ConsentEvent.candidate_id
            )
        )
    )
    erased_ids = set(session.scalars(erased))
    return {cid: moment for cid, moment in latest.items() if cid not in erased_ids}


def in_active_application(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(Application.candidate_id)
            .join(RoleStage, RoleStage.id == Application.stage_id)
            .where(RoleStage.kind == StageKind.ACTIVE)
        )
    )


def apply_retention(
    session: Session,
    *,
    days: int,
    dry_run: bool,
    now: datetime | None = None,
    actor_id: int | None = None,
) -> RetentionReport:
    """Erase (or, dry, only list) candidates inactive for more than ``days``; never commits."""
    now = now or utcnow()
    report = RetentionReport(days=days, cutoff=now - timedelta(days=days), dry_run=dry_run)
    active = in_active_application(session)
    for candidate_id, moment in sorted(last_activity(session).items()):
        if moment >= report.cutoff:
            continue
        if candidate_id in active:
            report.kept_active += 1
            continue
        report.due.append({"candidate_id": candidate_id, "last_activity": moment.isoformat()})
    for number, item in enumerate(report.due):
        if dry_run:
            break
        report_progress(
            100 * number // max(1, len(report.due)), f"Erasing {number + 1} of {len(report.due)}"
        )
        erase_candidate(session, item["candidate_id"], actor_id=actor_id, reason=ErasureReason.RETENTION)
        report.erased.append(item["candidate_id"])
    for request in session.scalars(
        select(ErasureRequest).where(ErasureRequest.status == RequestStatus.OPEN)
    ):
        if request.overdue(now):
            report.overdue_requests.append(
                {"candidate_id": request.candidate_id, "due_at": _aware(request.due_at).isoformat()}
            )
    return report


@task(title="Erase candidates past the retention period", queue="low", timeout=3600)
def retention_job(dry_run: bool = False) -> dict[str, Any]:
    """Apply the configured retention period; the result carries ids and counts only."""
    days = retention_days(current_app.config)
    if days is None:
        return {"skipped": "LOOPWISE_RETENTION_DAYS is not set: retention is off"}
    return apply_retention(get_session(), days=days, dry_run=dry_run).as_dict()
