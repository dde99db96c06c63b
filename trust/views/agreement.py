"""Trust pages: human–AI agreement, per competency and rubric, for each AI scorer."""

from __future__ import annotations

from flask import render_template

from core.auth import Role, require_role
from core.db import get_session
from trust.agreement import MIN_PAIRS, agreement_report
from trust.views._blueprint import bp


@bp.get("/agreement")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def agreement():
    """Show how well each AI scorer's levels agree with the interviewers' ratings."""
    return render_template(
        "trust/agreement/report.html", report=agreement_report(get_session()), min_pairs=MIN_PAIRS
    )
