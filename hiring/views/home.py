"""The hiring section's home page."""

from __future__ import annotations

from flask import render_template

from core.auth import Role, require_role
from hiring import models  # noqa: F401  (the models must be known to the app and migrations)
from hiring.views._blueprint import bp


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def index():
    """Show the hiring section's home page."""
    return render_template("hiring/index.html")
