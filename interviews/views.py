"""Pages of the interviews section."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session
from hiring.services.roles import roles_on_panel

bp = Blueprint("interviews", __name__, url_prefix="/interviews")


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)
def index():
    """Show the interviews section's home page, with the panels the user sits on."""
    return render_template(
        "interviews/index.html", panel_roles=roles_on_panel(get_session(), current_user.id)
    )
