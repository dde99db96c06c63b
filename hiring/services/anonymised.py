"""Anonymised review: a role's flag decides whether its interviewers see who its candidates are.

Hiring managers, recruiters and admins always see the real person; a user who is only an
interviewer sees, on a role with ``anonymised_review`` on, a pseudonym per application and text
redacted by ``core.redaction`` (the interviews pages do that through interviews.services.anonymity).
"""

from __future__ import annotations

from typing import Any

from hiring.models import Application, JobRole
from hiring.services.access import can_edit


def pseudonym(application: Application) -> str:
    """The name an application's candidate goes by where the role reviews anonymously."""
    return f"Candidate C-{application.id}"


def identity_hidden(user: Any, role: JobRole) -> bool:
    """Whether ``user`` may not see who the role's candidates are: an interviewer, on an
    anonymised role."""
    return bool(role.anonymised_review) and not can_edit(user)


def candidate_label(user: Any, application: Application) -> str:
    """The candidate's name, or the pseudonym when it is hidden from ``user``."""
    if identity_hidden(user, application.role):
        return pseudonym(application)
    return application.candidate.name
