"""Pages of the hiring section."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.auth import Role, require_role

bp = Blueprint("hiring", __name__, url_prefix="/hiring")


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def index():
    """Show the hiring section's home page."""
    return render_template("hiring/index.html")
