"""Rediscovery when a role opens: people we already know who deserve another look, with reasons.

- silver medalists: rejected or withdrawn from another role after reaching one of its last
  LATE_STAGES active stages (onsite, debrief, offer by default), or after a debrief decision;
- rejected for timing: the recorded rejection reason is about timing, headcount or logistics, not
  ability (TIMING_REASON);
- prospects whose re-engagement date is overdue or falls within the next REENGAGE_DAYS days.

Candidates who already applied to the role are left out: they are in the ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hiring.models import Application, Candidate, JobRole, RoleStage, StageKind
from interviews.models import Decision, InterviewLoop
from matching.ranking import Matcher, role_weights
from matching.scoring import MatchResult, match

REENGAGE_DAYS = 30
LATE_STAGES = 3
TIMING_REASON = re.compile(
    r"timing|not the right time|notice period|start date|headcount|hiring freeze|budget|"
    r"relocat|visa|counter.?offer|role (?:was )?(?:closed|filled|cancelled|paused)|on hold|"
    r"not looking|accepted another|later",
    re.IGNORECASE,
)
KINDS = {
    "silver_medalist": "Silver medalist",
    "rejected_for_timing": "Rejected for timing",
    "reengage": "Re-engagement due",
}


@dataclass
class Rediscovered:
    candidate: Candidate
    kinds: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    result: MatchResult | None = None

    def add(self, kind: str, reason: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
        self.reasons.append(reason)


def rediscover(
    session: Session, role: JobRole, *, today: date, matcher: Matcher | None = None, limit: int = 25
) -> list[Rediscovered]:
    """Past candidates and due prospects for the role, best match first (ties: lower id first)."""
    applied = set(
        session.scalars(select(Application.candidate_id).where(Application.role_id == role.id))
    )
    found: dict[int, Rediscovered] = {}

    def entry(candidate: Candidate) -> Rediscovered | None:
        if candidate.id in applied or candidate.merged_into_id is not None:
            return None
        return found.setdefault(candidate.id, Rediscovered(candidate))

    for application in _past_applications(session, role):
        item = entry(application.candidate)
        if item is None:
            continue
        title = application.role.title
        furthest = _furthest_interview_stage(application)
        if furthest is not None:
            item.add("silver_medalist", f"Reached {furthest} for {title} before leaving the process")
        decision = _latest_decision(session, application)
        if decision is not None:
            item.add(
                "silver_medalist",
                f"Debrief decision for {title}: {decision.outcome.value.replace('_', ' ')}"
                + (f" ({_clip(decision.rationale)})" if decision.rationale.strip() else ""),
            )
        reason = application.rejection_reason or ""
        if application.stage.kind is StageKind.REJECTED and TIMING_REASON.search(reason):
            item.add("rejected_for_timing", f"Rejected from {title} for timing: “{_clip(reason)}”")

    horizon = today + timedelta(days=REENGAGE_DAYS)
    prospects = session.scalars(
        select(Candidate).where(
            Candidate.is_prospect.is_(True),
            Candidate.next_reengage_on.is_not(None),
            Candidate.next_reengage_on <= horizon,
        )
    )
    for candidate in prospects:
        item = entry(candidate)
        if item is None:
            continue
        due = candidate.next_reengage_on
        days = (due - today).days
        when = f"overdue since {due:%d %b %Y}" if days < 0 else f"due {due:%d %b %Y} (in {days} days)"
        item.add("reengage", f"Prospect: re-engagement {when}")

    items = [item for item in found.values() if item.reasons]
    if items:
        matcher = matcher or Matcher(session)
        role_profile_, role_vectors = matcher.role(role)
        weights = role_weights(session, role.id)
        for item in items:
            profile, vectors = matcher.candidate(item.candidate)
            item.result = match(role_profile_, profile, role_vectors, vectors, weights)
    items.sort(
        key=lambda item: (-round(item.result.score if item.result else 0.0, 9), item.candidate.id)
    )
    return items[:limit]


def _past_applications(session: Session, role: JobRole) -> list[Application]:
    """Applications to other roles that ended without a hire."""
    return list(
        session.scalars(
            select(Application)
            .join(Application.stage)
            .where(
                Application.role_id != role.id,
                RoleStage.kind.in_([StageKind.REJECTED, StageKind.WITHDRAWN]),
            )
            .options(
                selectinload(Application.candidate),
                selectinload(Application.role).selectinload(JobRole.stages),
                selectinload(Application.history),
            )
            .order_by(Application.id)
        )
    )


def _furthest_interview_stage(application: Application) -> str | None:
    """The furthest stage reached, when it is one of the role's last LATE_STAGES active stages."""
    active = [stage for stage in application.role.stages if stage.kind is StageKind.ACTIVE]
    late = {stage.id: stage for stage in sorted(active, key=lambda s: s.position)[-LATE_STAGES:]}
    reached = [late[change.to_stage_id] for change in application.history if change.to_stage_id in late]
    if not reached:
        return None
    return max(reached, key=lambda stage: stage.position).name


def _latest_decision(session: Session, application: Application) -> Decision | None:
    """The decision in force for the application's loops (a later one supersedes an earlier)."""
    return session.scalars(
        select(Decision)
        .join(InterviewLoop, Decision.loop_id == InterviewLoop.id)
        .where(InterviewLoop.application_id == application.id)
        .order_by(Decision.id.desc())
        .limit(1)
    ).first()


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
