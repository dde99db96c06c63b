"""The hiring section's home page."""

from __future__ import annotations

from flask import current_app, render_template

from core.auth import Role, require_role
from core.db import get_session
from hiring.services.overview import hiring_overview
from hiring.views._blueprint import bp

# (label, endpoint) of the section's areas; shown when the endpoint exists.
AREAS = (
    ("Roles and job descriptions", "hiring.roles"),
    ("Candidates", "hiring.candidates"),
    ("Prospects (passive-candidate CRM)", "hiring.prospects"),
    ("Due for re-engagement", "hiring.due_prospects"),
    ("Talent pools", "hiring.pools"),
    ("Possible duplicates", "hiring.duplicates"),
    ("Funnel analytics", "hiring.analytics"),
)


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def index():
    """Show the hiring section's home page: counts and the way to each area."""
    areas = [(label, endpoint) for label, endpoint in AREAS if endpoint in current_app.view_functions]
    return render_template("hiring/index.html", overview=hiring_overview(get_session()), areas=areas)
