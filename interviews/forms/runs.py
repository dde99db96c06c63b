"""Forms of the loop pages: scheduling a round, assigning its interviewers, cancelling a loop,
marking reminders read (every form carries a CSRF token)."""

from __future__ import annotations

from datetime import UTC

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import CheckboxesField
from interviews.services.loops import MAX_DURATION, MAX_LOCATION, MAX_REASON, MIN_DURATION


class ScheduleForm(FlaskForm):
    scheduled_at = DateTimeLocalField(
        "Starts (UTC)",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        tz=UTC,
        validators=[InputRequired("Give the date and time the interview starts, in UTC.")],
        description="Enter the time in UTC; the calendar file converts it to each person's zone.",
    )
    duration_minutes = IntegerField(
        "Length (minutes)",
        validators=[
            InputRequired("Say how long the round lasts."),
            NumberRange(
                MIN_DURATION, MAX_DURATION, f"Between {MIN_DURATION} and {MAX_DURATION} minutes."
            ),
        ],
    )
    location = StringField(
        "Room or video link", validators=[Length(max=MAX_LOCATION)], description="Optional."
    )


class AssignForm(FlaskForm):
    interviewer_ids = CheckboxesField("Interviewers", coerce=int, validate_choice=False)


class CancelLoopForm(FlaskForm):
    reason = TextAreaField(
        "Why is the loop cancelled?",
        validators=[DataRequired("Say why the loop is cancelled."), Length(max=MAX_REASON)],
    )


class ReminderReadForm(FlaskForm):
    reminder_id = HiddenField(validators=[Optional()])
