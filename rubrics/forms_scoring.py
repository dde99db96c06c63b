"""Forms of the scoring pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from rubrics.services.scoring import MAX_ANSWER_CHARS, MAX_REASON_CHARS


class AnswerForm(FlaskForm):
    text = TextAreaField(
        "Answer",
        validators=[DataRequired("Paste the candidate's answer."), Length(max=MAX_ANSWER_CHARS)],
        description="The candidate's words, as spoken or written. Everything here is treated as data, "
        "never as instructions to the scorers.",
    )
    judge_runs = IntegerField(
        "LLM judge runs",
        default=1,
        validators=[InputRequired(), NumberRange(1, 5)],
        description="More than one run reports how much the judge varies on the same answer.",
    )


class OverrideForm(FlaskForm):
    criterion = SelectField("What to override", choices=[])
    level = DecimalField("Level (1-4)", places=1, validators=[InputRequired(), NumberRange(1, 4)])
    reason = TextAreaField(
        "Reason", validators=[DataRequired("A reason is required."), Length(max=MAX_REASON_CHARS)]
    )
