"""Factories for hiring rows: sensible defaults, any field overridable."""

from __future__ import annotations

import itertools
from typing import Any

from core.db import get_session, utcnow
from hiring.models import Application, Candidate, JobRole, RoleStatus, StageChange
from hiring.services.stages import build_default_stages

_sequence = itertools.count(1)


def create_role(**overrides: Any) -> JobRole:
    number = next(_sequence)
    fields: dict[str, Any] = {
        "title": f"ML Engineer {number}",
        "team": "Applied ML",
        "status": RoleStatus.OPEN,
        "summary": "Train, evaluate and ship models that our customers use every day.",
        "must_have": ["Python", "PyTorch"],
        "nice_to_have": ["Kubernetes"],
        "stages": build_default_stages(),
    }
    fields.update(overrides)
    role = JobRole(**fields)
    get_session().add(role)
    get_session().flush()
    return role


def create_candidate(**overrides: Any) -> Candidate:
    number = next(_sequence)
    fields: dict[str, Any] = {
        "name": f"Candidate {number}",
        "emails": [f"candidate{number}@example.org"],
        "headline": "ML engineer",
        "skills": ["Python"],
    }
    fields.update(overrides)
    candidate = Candidate(**fields)
    get_session().add(candidate)
    get_session().flush()
    return candidate


def create_application(
    *,
    role: JobRole | None = None,
    candidate: Candidate | None = None,
    stage_name: str = "Applied",
    **overrides: Any,
) -> Application:
    """An application at ``stage_name``, with the history row of its entry into the pipeline."""
    role = role or create_role()
    candidate = candidate or create_candidate()
    stage = next(s for s in role.stages if s.name == stage_name)
    overrides.setdefault("created_at", utcnow())
    overrides.setdefault("stage_entered_at", overrides["created_at"])
    application = Application(role=role, candidate=candidate, stage=stage, **overrides)
    application.history.append(StageChange(to_stage=stage, created_at=overrides["created_at"]))
    get_session().add(application)
    get_session().flush()
    return application
