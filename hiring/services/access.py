"""Who may see which role and candidate: hiring managers and recruiters see all of them;
interviewers only the roles whose interview panel they are on, and those roles' candidates."""

from __future__ import annotations

from typing import Any

from flask import abort

from core.auth import Role
from hiring.models import Candidate, JobRole

EDITORS = frozenset({Role.ADMIN, Role.HIRING_MANAGER, Role.RECRUITER})


def can_edit(user: Any) -> bool:
    return bool(user.is_authenticated and user.roles & EDITORS)


def can_view_role(user: Any, role: JobRole) -> bool:
    return can_edit(user) or any(member.id == user.id for member in role.interviewers)


def can_view_candidate(user: Any, candidate: Candidate) -> bool:
    """Editors see every candidate; interviewers those of their panels' roles, except on roles
    that review anonymously (there they see a pseudonym on the interviews pages only)."""
    return can_edit(user) or any(
        can_view_role(user, a.role) and not a.role.anonymised_review for a in candidate.applications
    )


def ensure_can_view_role(user: Any, role: JobRole) -> None:
    if not can_view_role(user, role):
        abort(403)


def ensure_can_view_candidate(user: Any, candidate: Candidate) -> None:
    if not can_view_candidate(user, candidate):
        abort(403)
