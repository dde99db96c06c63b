"""Counts for the hiring section's home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hiring.models import Application, Candidate, JobRole, RoleStage, RoleStatus, StageKind

DUE_WINDOW_DAYS = 14


@dataclass(frozen=True)
class HiringOverview:
    roles_by_status: dict[RoleStatus, int]
    applicants: int
    prospects: int
    active_applications: int
    due_for_reengagement: int


def hiring_overview(session: Session, *, today: date | None = None) -> HiringOverview:
    """Count roles per status, people, active applications and prospects due for a touchpoint."""
    today = today or date.today()
    by_status = dict(
        session.execute(select(JobRole.status, func.count()).group_by(JobRole.status)).all()
    )
    people = dict(
        session.execute(
            select(Candidate.is_prospect, func.count())
            .where(Candidate.merged_into_id.is_(None))
            .group_by(Candidate.is_prospect)
        ).all()
    )
    active = session.scalar(
        select(func.count())
        .select_from(Application)
        .join(RoleStage, Application.stage_id == RoleStage.id)
        .where(RoleStage.kind == StageKind.ACTIVE)
    )
    due = session.scalar(
        select(func.count())
        .select_from(Candidate)
        .where(
            Candidate.is_prospect.is_(True),
            Candidate.merged_into_id.is_(None),
            or_(
                Candidate.next_reengage_on <= today + timedelta(days=DUE_WINDOW_DAYS),
                Candidate.not_looking_until <= today,
            ),
        )
    )
    return HiringOverview(
        roles_by_status={status: by_status.get(status, 0) for status in RoleStatus},
        applicants=people.get(False, 0),
        prospects=people.get(True, 0),
        active_applications=active or 0,
        due_for_reengagement=due or 0,
    )
