"""The trust section's front page: what each report answers, with links."""

from __future__ import annotations

from flask import render_template

from core.auth import Role, require_role
from trust.views._blueprint import bp


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def index():
    """List the trust reports."""
    return render_template("trust/index.html")
