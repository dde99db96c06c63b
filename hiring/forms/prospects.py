"""Forms of the passive-candidate CRM: pools, touchpoints, re-engagement dates, conversion."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from hiring.models import TouchpointKind
from hiring.services.prospects import MAX_POOL_NAME, MAX_SUMMARY

TOUCHPOINT_KINDS = [SelectChoice(kind.value, kind.value.capitalize()) for kind in TouchpointKind]


class PoolForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Give the pool a name."), Length(max=MAX_POOL_NAME)]
    )
    description = TextAreaField("Description", validators=[Length(max=2000)])


class RenamePoolForm(FlaskForm):
    name = StringField(
        "New name", validators=[DataRequired("Give the pool a name."), Length(max=MAX_POOL_NAME)]
    )


class PoolMemberForm(FlaskForm):
    """Add a candidate to a pool (the candidate becomes a prospect)."""

    candidate_id = SelectField(
        "Candidate", coerce=int, validate_choice=False, validators=[InputRequired("Pick a candidate.")]
    )


class AddToPoolForm(FlaskForm):
    """Put this candidate into a pool (marks them as a prospect)."""

    pool_id = SelectField(
        "Pool", coerce=int, validate_choice=False, validators=[InputRequired("Pick a pool.")]
    )


class TouchpointForm(FlaskForm):
    kind = SelectField("Kind", choices=TOUCHPOINT_KINDS, default=TouchpointKind.EMAIL.value)
    happened_on = DateField("Date", default=date.today, validators=[InputRequired("Give the date.")])
    summary = TextAreaField(
        "Summary", validators=[DataRequired("Write a short summary."), Length(max=MAX_SUMMARY)]
    )
    next_reengage_on = DateField(
        "Next re-engagement (optional)",
        validators=[Optional()],
        description="Sets the prospect's next re-engagement date; not in the past.",
    )


class ReengagementForm(FlaskForm):
    not_looking_until = DateField("Not looking until", validators=[Optional()])
    next_reengage_on = DateField(
        "Next re-engagement",
        validators=[Optional()],
        description="Leave empty to clear; not in the past.",
    )


class ConvertForm(FlaskForm):
    """Turn the prospect into an applicant of an open role."""

    role_id = SelectField(
        "Role", coerce=int, validate_choice=False, validators=[InputRequired("Pick a role.")]
    )
