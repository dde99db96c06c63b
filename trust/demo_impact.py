"""Adverse-impact demo: voluntary self-identification for the demo applicants (a seeded, realistic
mix with "Declined to answer", some questions left empty and some candidates who never answered),
and, because ~30 applicants spread over three open roles leave almost every group below the
minimum, a closed demo requisition with 60 past applicants whose histories are all decided.

Outcomes are drawn independently of the groups: any flag the report shows on this data is chance,
which is what the significance column is there to tell. Safe to run again: it does nothing once a
self-identification record exists.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import User
from core.db import utcnow
from hiring.demo import DEMO_DOMAIN
from hiring.models import (
    Application,
    Candidate,
    CandidateSource,
    JobRole,
    RoleStatus,
    StageChange,
    StageKind,
)
from hiring.services import candidates, roles
from trust.impact import ImpactFilters, impact_report
from trust.self_id import SelfIdentification, SelfIdSource, save_self_id

PAST_ROLE_TEAM = "Demo history (closed requisition)"
PAST_APPLICANTS = 60
# Chance of passing each stage of the closed requisition, from Applied to Offer.
PASS_RATES = {
    "Applied": 0.6,
    "Recruiter screen": 0.65,
    "Technical screen": 0.5,
    "Onsite loop": 0.45,
    "Debrief": 0.7,
    "Offer": 0.8,
}
MIX = {
    "gender": {"female": 38, "male": 50, "non_binary": 4, "declined": 8},
    "race_ethnicity": {
        "white": 38,
        "asian": 26,
        "hispanic_latino": 12,
        "black": 10,
        "two_or_more": 4,
        "native_hawaiian_pacific": 1,
        "native_american_alaska": 1,
        "declined": 8,
    },
    "age_band": {"under_30": 30, "30_39": 42, "40_49": 17, "50_plus": 6, "declined": 5},
    "disability": {"yes": 7, "no": 80, "declined": 13},
    "veteran": {"protected": 3, "not_protected": 85, "declined": 12},
}
NEVER_ANSWERED = 0.1  # share of candidates who never filled in the voluntary form
SKIPPED_QUESTION = 0.05  # share of answered forms that leave a given question empty


def _answers(rng: random.Random) -> dict[str, str | None]:
    answers: dict[str, str | None] = {}
    for key, weights in MIX.items():
        if rng.random() < SKIPPED_QUESTION:
            answers[key] = None
        else:
            answers[key] = rng.choices(list(weights), weights=list(weights.values()))[0]
    return answers


def _past_role(session: Session, manager: User, recruiter: User, rng: random.Random) -> JobRole:
    """A filled ML engineer requisition of last year, every application decided."""
    role = roles.create_role_from_template(
        session,
        "ml-engineer",
        actor_id=manager.id,
        team=PAST_ROLE_TEAM,
        location="Berlin",
        hiring_manager_id=manager.id,
        recruiter_id=recruiter.id,
    )
    roles.change_role_status(session, role, RoleStatus.OPEN, actor_id=manager.id)
    roles.change_role_status(session, role, RoleStatus.FILLED, actor_id=manager.id)
    now = utcnow()
    role.opened_at = now - timedelta(days=400)
    stages = {stage.name: stage for stage in role.stages}
    for number in range(1, PAST_APPLICANTS + 1):
        name = f"Demo past applicant {number:02d}"
        candidate = candidates.create_candidate(
            session,
            actor_id=recruiter.id,
            name=name,
            emails=[f"past.applicant.{number:02d}@{DEMO_DOMAIN}"],
            headline="Demo data: applicant to a closed requisition",
            source=CandidateSource.APPLIED,
        )
        path = [stages["Applied"]]
        for stage_name, rate in PASS_RATES.items():
            if rng.random() >= rate:
                path.append(stages["Withdrawn" if rng.random() < 0.1 else "Rejected"])
                break
            following = list(PASS_RATES)[list(PASS_RATES).index(stage_name) + 1 :]
            path.append(stages[following[0]] if following else stages["Hired"])
        entered = now - timedelta(days=rng.randint(200, 380))
        application = Application(candidate=candidate, role=role, stage=path[-1], created_at=entered)
        previous = None
        for stage in path:
            reason = "Demo: closed requisition" if stage.kind is StageKind.REJECTED else ""
            application.history.append(
                StageChange(
                    from_stage=previous,
                    to_stage=stage,
                    actor_id=recruiter.id,
                    reason=reason,
                    created_at=entered,
                )
            )
            application.stage_entered_at, application.rejection_reason = entered, reason
            previous, entered = stage, entered + timedelta(days=rng.randint(2, 9))
        session.add(application)
    session.flush()
    return role


def load_impact_demo(session: Session) -> list[str]:
    """Add the self-identification demo data unless some exists; return lines to print."""
    if session.scalar(select(SelfIdentification.id).limit(1)) is not None:
        return ["Adverse-impact demo data already present."]
    manager = session.scalar(select(User).where(User.email == "manager@example.com"))
    recruiter = session.scalar(select(User).where(User.email == "recruiter@example.com"))
    if manager is None or recruiter is None:
        return ["Adverse-impact demo skipped: the demo users are missing."]
    rng = random.Random(1607)  # 29 CFR 1607, the Uniform Guidelines
    past = _past_role(session, manager, recruiter, rng)
    applicants = session.scalars(
        select(Candidate).where(Candidate.applications.any()).order_by(Candidate.id)
    ).all()
    recorded = 0
    for candidate in applicants:
        if rng.random() < NEVER_ANSWERED:
            continue
        source = SelfIdSource.CANDIDATE_FORM if rng.random() < 0.8 else SelfIdSource.RECRUITER
        save_self_id(session, candidate, _answers(rng), source=source, actor_id=recruiter.id)
        recorded += 1
    session.flush()
    lines = [
        f"Adverse-impact demo: {PAST_APPLICANTS} past applicants of a closed demo requisition "
        f"({past.title}, team {PAST_ROLE_TEAM!r}); self-identification for {recorded} of "
        f"{len(applicants)} applicants."
    ]
    report = impact_report(session, ImpactFilters())
    for stage in report.stages:
        compared = [g for g in stage.groups if g.impact_ratio is not None and g.comparable]
        if len(compared) < 2:
            lines.append(f"  {stage.stage}: {stage.note or 'no comparison'} ({stage.n} decided).")
            continue
        figures = ", ".join(
            f"{g.label} {g.selected}/{g.n} = {g.rate:.0%} (ratio {g.impact_ratio:.2f}"
            + (f", p = {g.fisher_p:.2f}" if g.fisher_p is not None else "")
            + (", below 4/5" if g.flagged else "")
            + ")"
            for g in compared
        )
        lines.append(f"  {stage.stage} by sex/gender: {figures}.")
    return lines
