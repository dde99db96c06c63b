"""The trust section's front page: what each report answers, with links."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user

from core.auth import Role, require_role
from trust.self_id import may_read_self_id
from trust.views._blueprint import bp


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def index():
    """List the trust reports (the adverse-impact report only to those who may read self-ID data)."""
    return render_template(
        "trust/index.html", may_read_impact=may_read_self_id(current_user, current_app.config)
    )
