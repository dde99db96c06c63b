"""The rubrics section's home page."""

from __future__ import annotations

from flask import render_template

from core.auth import Role, require_role
from rubrics import models  # noqa: F401  (the models must be known to the app and migrations)
from rubrics.views._blueprint import bp


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.INTERVIEWER)
def index():
    """Show the rubrics section's home page."""
    return render_template("rubrics/index.html")
