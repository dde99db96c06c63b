"""Hiring demo data: three roles from our templates, applicants at every stage with a history that
spans the last months, passive prospects in pools with touchpoints, and the seed profiles when
../shared/seeds exists. Safe to run again: it does nothing once its first candidate exists."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import User
from core.db import utcnow
from core.demo import DEMO_USERS
from hiring.demo_people import APPLICANTS, PROSPECTS
from hiring.models import (
    Application,
    Candidate,
    CandidateSource,
    JobRole,
    RoleStatus,
    StageChange,
    StageKind,
    TouchpointKind,
)
from hiring.services import analytics, candidates, importers, prospects, roles

DEMO_DOMAIN = "demo.loopwise.example"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ROLE_PLANS = (
    ("ml-engineer", RoleStatus.OPEN, "Applied ML", "Berlin or remote (EU)"),
    ("data-scientist", RoleStatus.OPEN, "Growth analytics", "London"),
    ("mlops-platform-engineer", RoleStatus.ON_HOLD, "ML platform", "Remote"),
)
REJECTION_REASONS = (
    "Not enough depth in ML system design",
    "Role needs stronger production experience",
    "Chose another candidate with closer domain fit",
    "Timing: their notice period ran past the team's start date",
)


def demo_email(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return f"{re.sub(r'[^a-z]+', '.', ascii_name.lower()).strip('.')}@{DEMO_DOMAIN}"


def load_hiring_demo(session: Session) -> list[str]:
    """Add the hiring demo data unless it is already there; return lines to print."""
    if session.scalar(select(Candidate.id).where(Candidate.name == APPLICANTS[0][0])) is not None:
        return ["Hiring demo data already present."]
    users = {
        email: session.scalar(select(User).where(User.email == email)) for _n, email, _r in DEMO_USERS
    }
    manager, recruiter, interviewer = (
        users["manager@example.com"],
        users["recruiter@example.com"],
        users["interviewer@example.com"],
    )
    rng = random.Random(2026)
    now = utcnow()

    demo_roles = []
    for key, status, team, location in ROLE_PLANS:
        role = roles.create_role_from_template(
            session,
            key,
            actor_id=manager.id,
            team=team,
            location=location,
            hiring_manager_id=manager.id,
            recruiter_id=recruiter.id,
        )
        roles.change_role_status(session, role, RoleStatus.OPEN, actor_id=manager.id)
        if status != RoleStatus.OPEN:
            roles.change_role_status(session, role, status, actor_id=manager.id)
        role.opened_at = now - timedelta(days=120)  # back-dated, like the histories below
        demo_roles.append(role)
    demo_roles[0].interviewers.append(interviewer)
    session.flush()

    for index, (name, headline, location, skills, source) in enumerate(APPLICANTS):
        candidate = candidates.create_candidate(
            session,
            actor_id=recruiter.id,
            name=name,
            emails=[demo_email(name)],
            headline=headline,
            location=location,
            skills=skills,
            source=CandidateSource(source),
            referrer_name="Hana Hiring-Manager" if source == "referral" else "",
        )
        add_history(session, demo_roles[index % 3], candidate, rng, now, recruiter.id)

    pools = {}
    for name, headline, location, skills, pool_name in PROSPECTS:
        prospect = candidates.create_candidate(
            session,
            actor_id=recruiter.id,
            name=name,
            emails=[demo_email(name)],
            headline=headline,
            location=location,
            skills=skills,
            source=CandidateSource.SOURCED,
            is_prospect=True,
        )
        if pool_name not in pools:
            pools[pool_name] = prospects.create_pool(session, name=pool_name, actor_id=recruiter.id)
        prospects.add_to_pool(session, pools[pool_name], prospect, actor_id=recruiter.id)
        contacted = (now - timedelta(days=rng.randint(20, 200))).date()
        prospects.log_touchpoint(
            session,
            prospect,
            kind=rng.choice([TouchpointKind.EMAIL, TouchpointKind.CALL, TouchpointKind.MEETING]),
            happened_on=contacted,
            summary=f"Talked about {skills[0]} work; open to hearing about roles later.",
            actor_id=recruiter.id,
        )
        prospect.next_reengage_on = (now + timedelta(days=rng.randint(-10, 60))).date()
        if rng.random() < 0.3:
            prospect.not_looking_until = (now + timedelta(days=rng.randint(-5, 90))).date()

    counts = f"{len(demo_roles)} roles, {len(APPLICANTS)} applicants, {len(PROSPECTS)} prospects"
    lines = [f"Hiring demo: {counts}."]
    lines += import_seeds(session, demo_roles[0], recruiter.id, rng, now)
    session.flush()
    report = analytics.funnel_report(session, None)
    lines += ["Funnel analytics of the demo data:"] + [
        f"  {line}" for line in analytics.summary_lines(report)
    ]
    return lines


def add_history(
    session: Session, role: JobRole, candidate: Candidate, rng: random.Random, now, actor_id: int
) -> Application:
    """Put ``candidate`` into ``role`` with a plausible, back-dated path through its stages."""
    active = [stage for stage in role.stages if stage.kind == StageKind.ACTIVE]
    by_kind = {stage.kind: stage for stage in role.stages if stage.kind != StageKind.ACTIVE}
    start = 0 if candidate.source == CandidateSource.SOURCED else 2  # Lead, or Applied
    steps = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6])
    path = active[start : min(start + steps, len(active) - 1) + 1]
    outcome = rng.random()
    if path[-1].name == "Offer" and outcome < 0.75:
        path.append(by_kind[StageKind.HIRED])
    elif outcome < 0.35:
        path.append(by_kind[StageKind.REJECTED])
    elif outcome < 0.42:
        path.append(by_kind[StageKind.WITHDRAWN])

    durations = [rng.randint(2, 12) for _ in path]
    entered = now - timedelta(days=sum(durations) + rng.randint(1, 10), hours=rng.randint(0, 23))
    application = Application(candidate=candidate, role=role, stage=path[-1], created_at=entered)
    previous = None
    for stage, days in zip(path, durations, strict=True):
        reason = rng.choice(REJECTION_REASONS) if stage.kind == StageKind.REJECTED else ""
        application.history.append(
            StageChange(
                from_stage=previous, to_stage=stage, actor_id=actor_id, reason=reason, created_at=entered
            )
        )
        application.stage_entered_at = entered
        application.rejection_reason = reason or application.rejection_reason
        previous, entered = stage, entered + timedelta(days=days)
    session.add(application)
    return application


def import_seeds(session: Session, role: JobRole, actor_id: int, rng: random.Random, now) -> list[str]:
    """Import the seed profile as an applicant and the seed writing as prospects' portfolios."""
    if not SEEDS.is_dir():
        return ["Seed files not found beside the repository: skipped their import."]
    lines = []
    for path in sorted(SEEDS.glob("000_*.txt")):
        candidate = importers.import_profile_text(
            session, path.read_text(encoding="utf-8"), actor_id=actor_id
        )
        application = add_history(session, role, candidate, random.Random(0), now, actor_id)
        lines.append(f"Imported the seed profile {candidate.name} ({application.stage.name}).")
    owners = ["Hannah Schmidt", "Darius Karimi", None]  # 003 is on LLM quantisation
    for path, owner in zip(sorted(SEEDS.glob("00[234]_*.txt")), owners, strict=False):
        text = path.read_text(encoding="utf-8")
        if owner is None:
            owner_row = candidates.create_candidate(
                session,
                actor_id=actor_id,
                name=text.splitlines()[0].strip(),
                headline="AI practitioner writing about AI strategy and NLP for nonprofits",
                source=CandidateSource.SOURCED,
                is_prospect=True,
            )
        else:
            owner_row = session.scalar(select(Candidate).where(Candidate.name == owner))
        candidates.add_portfolio_document(
            session, owner_row, title=text.splitlines()[0].strip()[:200], body=text, actor_id=actor_id
        )
        lines.append(f"Attached seed writing {path.name} to {owner_row.name}.")
    return lines
