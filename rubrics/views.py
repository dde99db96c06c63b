"""Pages of the rubrics section."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.auth import Role, require_role

bp = Blueprint("rubrics", __name__, url_prefix="/rubrics")


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.INTERVIEWER)
def index():
    """Show the rubrics section's home page."""
    return render_template("rubrics/index.html")
