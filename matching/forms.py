"""Forms of the matching pages: ranking filters (a GET form) and a role's match weights."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from hiring.models import CandidateSource
from matching.scoring import PART_LABELS

INCLUDE_CHOICES = [
    SelectChoice("all", "Applicants and prospects"),
    SelectChoice("applicants", "Applicants only"),
    SelectChoice("prospects", "Prospects only"),
]
SOURCE_CHOICES = [SelectChoice("", "Any source")] + [
    SelectChoice(source.value, source.label) for source in CandidateSource
]


class RankingFilterForm(FlaskForm):
    """Filters in the query string: reading a ranking changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    include = SelectField("Show", choices=INCLUDE_CHOICES, default="all")
    stage = SelectField(
        "Stage", coerce=lambda value: int(value) if value else None, validate_choice=False
    )
    pool = SelectField("Pool", coerce=lambda value: int(value) if value else None, validate_choice=False)
    source = SelectField("Source", choices=SOURCE_CHOICES, default="")
    location = StringField("Location", validators=[Optional(), Length(max=100)])


def _weight(key: str) -> DecimalField:
    return DecimalField(
        PART_LABELS[key],
        places=2,
        validators=[
            InputRequired("Give every part a weight (0 leaves it out)."),
            NumberRange(min=0, max=10, message="Weights run from 0 to 10."),
        ],
    )


class WeightsForm(FlaskForm):
    must_have = _weight("must_have")
    nice_to_have = _weight("nice_to_have")
    semantic = _weight("semantic")
    seniority = _weight("seniority")
