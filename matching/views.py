"""Pages of the matching section."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.auth import Role, require_role

bp = Blueprint("matching", __name__, url_prefix="/matching")


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def index():
    """Show the matching section's home page."""
    return render_template("matching/index.html")
