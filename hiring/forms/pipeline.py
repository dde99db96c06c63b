"""Forms of the pipeline pages: moving applications, bulk moves and rejections, adding candidates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from hiring.services.pipeline import MAX_REASON_LENGTH


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


REASON_HINT = "Required when rejecting; kept in the stage history."


class MoveForm(FlaskForm):
    """Move one application; the board renders one per card (same field names)."""

    to_stage = SelectField("Move to", coerce=int, validate_choice=False, validators=[InputRequired()])
    reason = StringField("Reason", validators=[Length(max=MAX_REASON_LENGTH)], description=REASON_HINT)
    back = HiddenField(default="board", validators=[Optional(), AnyOf(["board", "application"])])


class BulkForm(FlaskForm):
    """Move or reject the applications ticked on the board, all or none."""

    application_ids = SelectMultipleField(
        coerce=int,
        validate_choice=False,
        validators=[DataRequired("Tick at least one candidate first.")],
    )
    action = SelectField(
        "Action", choices=[SelectChoice("move", "Move to stage"), SelectChoice("reject", "Reject")]
    )
    to_stage = SelectField("Stage", coerce=int, validate_choice=False, validators=[Optional()])
    reason = StringField("Reason", validators=[Length(max=MAX_REASON_LENGTH)], description=REASON_HINT)


class AddApplicationForm(FlaskForm):
    """Put an existing candidate into the role's pipeline."""

    candidate_id = SelectField(
        "Candidate", coerce=int, validate_choice=False, validators=[InputRequired("Pick a candidate.")]
    )
    stage_id = SelectField(
        "At stage", coerce=int, validate_choice=False, default=0, validators=[Optional()]
    )
