"""Adverse-impact pages: the report by self-identified group, its CSV and method note, and a
candidate's voluntary self-identification. Only the roles in SELF_ID_ROLES (admin by default) get
in, and every read is audited without the values."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from core.audit import record_audit
from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from core.web import attempt, flash_form_errors
from hiring.services.analytics import role_choices
from hiring.services.candidates import get_candidate
from trust.forms_impact import ImpactFilterForm, SelfIdForm
from trust.impact import ImpactFilters, export_csv, impact_report, impact_reports
from trust.impact_method import method_note, stage_chart
from trust.impact_stats import FOUR_FIFTHS, MIN_GROUP_SIZE
from trust.self_id import (
    CATEGORIES,
    SelfIdSource,
    category_keys,
    delete_self_id,
    ensure_may_read_self_id,
    get_self_id,
    save_self_id,
)
from trust.views._blueprint import bp

# The decorator keeps interviewers out; ensure_may_read_self_id narrows to SELF_ID_ROLES.
GATE = (Role.HIRING_MANAGER, Role.RECRUITER)


def _authorise() -> None:
    ensure_may_read_self_id(current_user, current_app.config)


def _filters() -> tuple[ImpactFilterForm, ImpactFilters]:
    form = ImpactFilterForm(request.args)
    form.role_id.choices = [SelectChoice("", "All roles")] + [
        SelectChoice(role_id, title) for role_id, title in role_choices(get_session())
    ]
    if not form.validate():
        flash_form_errors(form)
        return form, ImpactFilters()
    try:
        return form, ImpactFilters(
            role_id=form.role_id.data,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            category=form.category.data,
        )
    except DomainError as error:
        flash(error.message, "error")
        return form, ImpactFilters()


def _audit_read(action: str, filters: ImpactFilters, summary: str) -> None:
    """Audit a read of the self-identification data: the filters, never a value."""
    record_audit(
        get_session(),
        actor_id=current_user.id,
        action=action,
        object_type="impact_report",
        object_id=filters.role_id,
        summary=summary,
        after={
            "role_id": filters.role_id,
            "date_from": filters.date_from and filters.date_from.isoformat(),
            "date_to": filters.date_to and filters.date_to.isoformat(),
            "category": filters.category,
        },
    )
    get_session().commit()


@bp.get("/impact")
@require_role(*GATE)
def impact():
    """Show selection rates, impact ratios and tests per stage for one self-identified category."""
    _authorise()
    form, filters = _filters()
    report = impact_report(get_session(), filters)
    _audit_read("impact.report_viewed", filters, f"Adverse-impact report viewed ({report.scope})")
    charts = {
        (stage.ai_only, stage.stage): stage_chart(stage, f"impact-{index}")
        for index, stage in enumerate((*report.stages, *report.ai_stages))
    }
    return render_template(
        "trust/impact/report.html",
        form=form,
        report=report,
        filters=filters,
        charts=charts,
        min_n=MIN_GROUP_SIZE,
        four_fifths=FOUR_FIFTHS,
    )


@bp.get("/impact.csv")
@require_role(*GATE)
def impact_csv():
    """Download the report's rows as CSV: the chosen category, or every category when none is given."""
    _authorise()
    _form, filters = _filters()
    categories = [filters.category] if request.args.get("category") else list(category_keys())
    reports = impact_reports(get_session(), filters, categories)
    _audit_read("impact.exported", filters, f"Adverse-impact CSV exported ({reports[0].scope})")
    return Response(
        export_csv(reports, categories),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="adverse-impact.csv"'},
    )


@bp.get("/impact/method")
@require_role(*GATE)
def impact_method():
    """Show the method note (Markdown) that goes with the report and its CSV."""
    _authorise()
    _form, filters = _filters()
    report = impact_report(get_session(), filters)
    _audit_read("impact.method_viewed", filters, f"Adverse-impact method note read ({report.scope})")
    return Response(
        method_note(report),
        mimetype="text/markdown",
        headers={"Content-Disposition": 'inline; filename="adverse-impact-method.md"'},
    )


@bp.route("/candidates/<int:candidate_id>/self-id", methods=["GET", "POST"])
@require_role(*GATE)
def candidate_self_id(candidate_id: int):
    """Show and record a candidate's voluntary self-identification."""
    _authorise()
    session = get_session()
    candidate = get_candidate(session, candidate_id)
    record = get_self_id(session, candidate.id)
    form = SelfIdForm(obj=record)
    if form.validate_on_submit():
        saved = attempt(
            session,
            lambda: save_self_id(
                session,
                candidate,
                form.answers(),
                source=SelfIdSource(form.source.data),
                actor_id=current_user.id,
            ),
            "Self-identification saved.",
        )
        if saved:
            return redirect(url_for("trust.candidate_self_id", candidate_id=candidate.id))
    elif request.method == "GET":
        record_audit(
            session,
            actor_id=current_user.id,
            action="self_id.viewed",
            object_type="candidate",
            object_id=candidate.id,
            summary=f"Self-identification of candidate #{candidate.id} viewed",
        )
        session.commit()
    return render_template(
        "trust/impact/self_id.html",
        candidate=candidate,
        record=record,
        form=form,
        erase_form=ConfirmForm(),
        categories=CATEGORIES,
    )


@bp.post("/candidates/<int:candidate_id>/self-id/erase")
@require_role(*GATE)
def erase_self_id(candidate_id: int):
    """Erase a candidate's self-identification."""
    _authorise()
    session = get_session()
    candidate = get_candidate(session, candidate_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        attempt(
            session,
            lambda: delete_self_id(session, candidate, actor_id=current_user.id),
            "Self-identification erased.",
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("trust.candidate_self_id", candidate_id=candidate.id))
