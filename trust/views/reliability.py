"""Trust pages: rater reliability (α and ICC per round and competency) and interviewer calibration.

Both read submitted scorecards only and change nothing. Hiring managers and recruiters (and admins)
see them; interviewers do not, so no interviewer sees a colleague's calibration.
"""

from __future__ import annotations

from flask import render_template, request
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from core.auth import Role, require_role
from core.db import get_session
from core.web import flash_form_errors
from hiring.services.analytics import role_choices
from trust.calibration import MIN_CO_RATED, MIN_NOTE_WORDS, MIN_SCORECARDS, calibration_report
from trust.reliability import (
    ALPHA_MARKS,
    BOOTSTRAP_RESAMPLES,
    ICC_MARKS,
    MIN_UNITS,
    RATING_LEVELS,
    ReportFilters,
    reliability_report,
    reliability_scale,
    submitted_cards,
)
from trust.views._blueprint import bp


class ReportFilterForm(FlaskForm):
    """Filters in the query string: reading a report changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    role_id = SelectField(
        "Role", coerce=lambda value: int(value) if value else None, validate_choice=False
    )
    since = DateField("Submitted from", validators=[Optional()])
    until = DateField("to", validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date comes before the start date.")


def _filters(session: Session) -> tuple[ReportFilterForm, ReportFilters]:
    form = ReportFilterForm(request.args)
    form.role_id.choices = [SelectChoice("", "All roles")] + [
        SelectChoice(role_id, title) for role_id, title in role_choices(session)
    ]
    if not form.validate():
        flash_form_errors(form)
        return form, ReportFilters()
    return form, ReportFilters(form.role_id.data, form.since.data, form.until.data)


@bp.get("/reliability")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def reliability():
    """Show how far interviewers agree: α and ICC per round and per competency."""
    session = get_session()
    form, filters = _filters(session)
    report = reliability_report(submitted_cards(session, filters))
    return render_template(
        "trust/reliability/reliability.html",
        form=form,
        filters=filters,
        report=report,
        scale=reliability_scale((*report.rounds, *report.competencies)),
        alpha_marks=ALPHA_MARKS,
        icc_marks=ICC_MARKS,
        min_units=MIN_UNITS,
        resamples=BOOTSTRAP_RESAMPLES,
    )


@bp.get("/calibration")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER)
def calibration():
    """Show each interviewer's ratings, leniency, "No decision" rate, evidence and turnaround."""
    session = get_session()
    form, filters = _filters(session)
    report = calibration_report(submitted_cards(session, filters))
    return render_template(
        "trust/reliability/calibration.html",
        form=form,
        filters=filters,
        report=report,
        levels=RATING_LEVELS,
        min_co_rated=MIN_CO_RATED,
        min_scorecards=MIN_SCORECARDS,
        min_note_words=MIN_NOTE_WORDS,
        resamples=BOOTSTRAP_RESAMPLES,
    )
