"""The webhook subscription form (every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from core.forms import CheckboxesField
from webhooks.events import EVENTS
from webhooks.services import MAX_URL_LENGTH, url_problem

EVENT_CHOICES = [SelectChoice(name, f"{name} — {label}") for name, label in EVENTS.items()]


def _receivable_url(_form: FlaskForm, field: Field) -> None:
    problem = url_problem((field.data or "").strip())
    if problem:
        raise ValidationError(problem)


class SubscriptionForm(FlaskForm):
    url = URLField(
        "Endpoint URL",
        validators=[DataRequired(), Length(max=MAX_URL_LENGTH), _receivable_url],
        description="Loopwise POSTs signed JSON here; answer 2xx within a few seconds.",
    )
    description = StringField(
        "Description", validators=[Length(max=200)], description="What receives it, e.g. “ATS sync”."
    )
    events = CheckboxesField(
        "Events", choices=EVENT_CHOICES, validators=[DataRequired("Pick at least one event.")]
    )
    active = BooleanField("Active (send deliveries)", default=True)
