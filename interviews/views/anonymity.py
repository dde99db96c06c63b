"""Template globals through which every interviews page prints a candidate's name and texts, so
that anonymised review (interviews.services.anonymity) cannot be missed by one template."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_login import current_user

from hiring.models import Application
from interviews.services import anonymity
from interviews.views._blueprint import bp


def _mode(application: Application) -> anonymity.ReviewMode:
    """The signed-in user's review mode for the application, computed once per request."""
    cache: dict[int, anonymity.ReviewMode] = g.setdefault("review_modes", {})
    if application.id not in cache:
        cache[application.id] = anonymity.review_mode(current_user, application)
    return cache[application.id]


@bp.app_template_global("review_mode")
def review_mode(application: Application) -> anonymity.ReviewMode:
    return _mode(application)


@bp.app_template_global("candidate_label")
def candidate_label(application: Application) -> str:
    """The candidate's name, or "Candidate C-<id>" for an interviewer of an anonymised role."""
    return _mode(application).label


@bp.app_template_global("candidate_text")
def candidate_text(application: Application, text: str) -> anonymity.Shown:
    """A profile text or document of the candidate, redacted as the user's review mode requires."""
    return anonymity.show_text(_mode(application), text or "")


@bp.app_template_global("candidate_short_text")
def candidate_short_text(application: Application, text: Any) -> str:
    """A short text about the candidate (a headline, a title, a file name) as plain text."""
    return anonymity.show_label(_mode(application), str(text or ""))
