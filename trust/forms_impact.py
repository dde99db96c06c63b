"""Forms of the adverse-impact pages: the report's filters (a GET form) and a candidate's
self-identification (a POST form with CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from trust.impact import DEFAULT_CATEGORY
from trust.self_id import CATEGORIES, SelfIdSource, category_keys, category_label

NOT_ANSWERED = SelectChoice("", "Not answered")


class ImpactFilterForm(FlaskForm):
    """Filters in the query string: reading the report changes no data, so no CSRF token."""

    class Meta:
        csrf = False

    role_id = SelectField(
        "Role", coerce=lambda value: int(value) if value else None, validate_choice=False
    )
    date_from = DateField("Entered from", validators=[Optional()])
    date_to = DateField("Entered to", validators=[Optional()])
    category = SelectField(
        "Group by",
        choices=[SelectChoice(key, category_label(key)) for key in category_keys()],
        default=DEFAULT_CATEGORY,
    )


def _answer(key: str) -> SelectField:
    category = CATEGORIES[key]
    return SelectField(
        category.label,
        choices=[NOT_ANSWERED] + [SelectChoice(value, label) for value, label in category.options],
        default="",
    )


class SelfIdForm(FlaskForm):
    """A candidate's voluntary answers; "Not answered" leaves a question empty."""

    gender = _answer("gender")
    race_ethnicity = _answer("race_ethnicity")
    age_band = _answer("age_band")
    disability = _answer("disability")
    veteran = _answer("veteran")
    source = SelectField(
        "Who filled this in",
        choices=[SelectChoice(source.value, source.label) for source in SelfIdSource],
        default=SelfIdSource.RECRUITER.value,
    )

    def answers(self) -> dict[str, str | None]:
        return {key: getattr(self, key).data or None for key in CATEGORIES}
