"""Forms of the role pages (every form carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core.errors import DomainError
from core.forms import CheckboxesField
from hiring.models import RoleStatus
from hiring.services.jd_draft import MAX_BRIEF_LENGTH, MIN_BRIEF_LENGTH
from hiring.services.jd_templates import (
    JD_FIELD_LABELS,
    JD_FIELDS,
    JD_LIST_FIELDS,
    MAX_TEXT_LENGTH,
    clean_jd_field,
)
from hiring.services.roles import MAX_HEADCOUNT, MAX_STAGE_NAME

NOBODY = 0


def user_choices(users: list[Any], nobody: str | None = None) -> list[SelectChoice]:
    """Choices of users by name, optionally after a "nobody" choice."""
    choices = [SelectChoice(NOBODY, nobody)] if nobody else []
    return choices + [SelectChoice(user.id, user.name) for user in users]


class JDField:
    """Validate a JD field with the same rules the service applies."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, form: FlaskForm, field: Any) -> None:
        try:
            clean_jd_field(self.name, field.data)
        except DomainError as error:
            raise ValidationError(error.message) from None


def _jd_field(name: str, hint: str = "") -> TextAreaField:
    if name in JD_LIST_FIELDS:
        hint = hint or "One item per line."
        validators: list[Any] = [JDField(name)]
    else:
        validators = [Length(max=MAX_TEXT_LENGTH), JDField(name)]
    return TextAreaField(JD_FIELD_LABELS[name], validators=validators, description=hint)


class RoleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the role a title."), Length(max=200)])
    team = StringField("Team", validators=[Length(max=200)])
    location = StringField("Location", validators=[Length(max=200)])
    headcount = IntegerField(
        "Headcount",
        default=1,
        validators=[
            InputRequired("Say how many people this role hires."),
            NumberRange(min=1, max=MAX_HEADCOUNT, message="Headcount must be at least 1."),
        ],
    )
    hiring_manager_id = SelectField("Hiring manager", coerce=int, default=NOBODY)
    recruiter_id = SelectField("Recruiter", coerce=int, default=NOBODY)
    target_start = DateField("Target start date", validators=[Optional()])
    loop_name = StringField(
        "Interview loop",
        validators=[Length(max=200)],
        description="The loop's name and rounds, e.g. “screen, ML theory, system design, coding”.",
    )
    anonymised_review = BooleanField(
        "Anonymised review",
        description="Interviewers and both AI scorers see candidates under a pseudonym, with names, "
        "emails, phones, links, pronouns, ages and schools hidden in profiles and transcripts.",
    )
    summary = _jd_field("summary")
    use_cases = _jd_field("use_cases", "The concrete problems the team works on.")
    must_have = _jd_field("must_have", "One per line. Keep to what is truly required (8 at most).")
    nice_to_have = _jd_field("nice_to_have")
    tech_stack = _jd_field("tech_stack")
    day_to_day = _jd_field("day_to_day")
    interview_process = _jd_field("interview_process", "The stages and a realistic timeline.")
    links = _jd_field("links", "One https:// link per line: papers, posts, talks, repositories.")

    ROLE_DATA = (
        "title",
        "team",
        "location",
        "headcount",
        "target_start",
        "loop_name",
        "anonymised_review",
    )

    def set_people(self, managers: list[Any], recruiters: list[Any]) -> None:
        self.hiring_manager_id.choices = user_choices(managers, "— nobody yet —")
        self.recruiter_id.choices = user_choices(recruiters, "— nobody yet —")

    def fill(self, fields: dict[str, Any]) -> None:
        """Pre-fill from a role's or a template's fields (lists become one item per line)."""
        for name, value in fields.items():
            if name in JD_LIST_FIELDS:
                value = "\n".join(value or [])
            if name in self._fields:
                self[name].data = NOBODY if value is None and name.endswith("_id") else value

    def role_fields(self) -> dict[str, Any]:
        """The submitted values in the shape the roles service takes."""
        fields = {name: self[name].data for name in (*self.ROLE_DATA, *JD_FIELDS)}
        fields["hiring_manager_id"] = self.hiring_manager_id.data or None
        fields["recruiter_id"] = self.recruiter_id.data or None
        return fields


class PanelForm(FlaskForm):
    interviewer_ids = CheckboxesField("Interviewers", coerce=int)


class StageNameForm(FlaskForm):
    name = StringField(
        "Stage name", validators=[DataRequired("Give the stage a name."), Length(max=MAX_STAGE_NAME)]
    )


class StageMoveForm(FlaskForm):
    direction = SelectField(choices=[SelectChoice("up", "Earlier"), SelectChoice("down", "Later")])


class StatusForm(FlaskForm):
    status = SelectField(choices=[SelectChoice(status.value, status.label) for status in RoleStatus])


class DraftBriefForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the brief a title."), Length(max=200)])
    brief = TextAreaField(
        "Brief",
        validators=[
            DataRequired("Write a few sentences about the role."),
            Length(min=MIN_BRIEF_LENGTH, max=MAX_BRIEF_LENGTH),
        ],
        description="A few sentences: the team, the problems, the level, anything that must be in it.",
    )
