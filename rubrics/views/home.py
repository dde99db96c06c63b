"""The rubrics section's home page."""

from __future__ import annotations

from flask import render_template

from core.auth import Role, require_role
from core.db import get_session
from rubrics.services.library import library_overview
from rubrics.views._blueprint import bp


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.INTERVIEWER)
def index():
    """Show the rubrics section's home page."""
    return render_template("rubrics/index.html", overview=library_overview(get_session()))
