"""Forms of the API tokens page (every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from core.forms import CheckboxesField

EXPIRY_CHOICES = [
    SelectChoice("30", "In 30 days"),
    SelectChoice("90", "In 90 days"),
    SelectChoice("365", "In a year"),
    SelectChoice("0", "Never"),
]


class TokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=100)],
        description="What will use it, e.g. “ATS sync”.",
    )
    roles = CheckboxesField(
        "Roles",
        validators=[DataRequired("Pick at least one role.")],
        description="The token can do only what these roles allow, and only while you hold them.",
    )
    expires_in_days = SelectField("Expires", choices=EXPIRY_CHOICES, default="90")
