"""Funnel analytics pages: all roles or one role, with SVG charts, tables and CSV exports."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from hiring.services.analytics import CSV_TABLES, export_csv, funnel_report, role_choices
from hiring.services.charts import report_charts
from hiring.views._blueprint import bp


def _role_id_arg() -> int | None:
    """The optional ?role_id= of a request: empty means all roles."""
    raw = request.args.get("role_id", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise DomainError("Choose a role from the list, or all roles.")
    return int(raw)


def _render(role_id: int | None):
    session = get_session()
    report = funnel_report(session, role_id)
    return render_template(
        "hiring/analytics/report.html",
        report=report,
        charts=report_charts(report),
        roles=role_choices(session),
        tables=CSV_TABLES,
    )


@bp.get("/analytics")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def analytics():
    """Show the funnel of all roles (the role selector leads to one role's page)."""
    role_id = _role_id_arg()
    if role_id is not None:
        return redirect(url_for("hiring.role_analytics", role_id=role_id))
    return _render(None)


@bp.get("/roles/<int:role_id>/analytics")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def role_analytics(role_id: int):
    """Show the funnel of one role."""
    return _render(role_id)


@bp.get("/analytics.csv")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def analytics_csv():
    """Download one table of the funnel (stages, sources or time_to_hire) as CSV."""
    role_id = _role_id_arg()
    table = request.args.get("table", "stages")
    text = export_csv(funnel_report(get_session(), role_id), table)
    name = f"funnel-{role_id or 'all'}-{table}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
