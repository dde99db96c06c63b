"""Pages of the interviews section."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.auth import Role, require_role

bp = Blueprint("interviews", __name__, url_prefix="/interviews")


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)
def index():
    """Show the interviews section's home page."""
    return render_template("interviews/index.html")
