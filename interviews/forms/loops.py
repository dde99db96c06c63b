"""Forms of the loop template pages (every form carries a CSRF token).

Choices that depend on the loop (its competencies, the role's panel, the question bank, the JD's
must-haves) are set by the view before validating, with the ``with_*`` helpers below.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from core.auth import Role
from core.forms import CheckboxesField
from interviews.models import BlindMode, LoopRound, RoundKind, TieBreak
from interviews.services.loop_edits import MAX_DESCRIPTION, MAX_NOTES, MAX_TITLE
from interviews.services.loop_rounds import MAX_DURATION, MIN_DURATION

NOBODY = 0

BLIND_MODE_LABELS = {
    BlindMode.NEVER: "Not blind: colleagues' feedback is visible at any time",
    BlindMode.AFTER_OWN_SUBMISSION: "Blind until the interviewer has submitted their own scorecard",
    BlindMode.ALWAYS: "Blind until the debrief opens",
}
TIE_BREAK_LABELS = {
    TieBreak.HIRING_MANAGER: "The hiring manager decides mixed signals",
    TieBreak.BAR_RAISER_VETO: (
        "The hiring manager decides, and a bar raiser's No or Strong No blocks a hire"
    ),
}


class CopyTemplateForm(FlaskForm):
    template_id = SelectField("Start from the library template", coerce=int)


class LoopSettingsForm(FlaskForm):
    blind_mode = SelectField(
        "Blind feedback",
        choices=[SelectChoice(mode.value, label) for mode, label in BLIND_MODE_LABELS.items()],
        description="When an interviewer may see colleagues' scorecards and AI scores for a candidate.",
    )
    tie_break = SelectField(
        "Tie-break rule",
        choices=[SelectChoice(rule.value, label) for rule, label in TIE_BREAK_LABELS.items()],
    )
    bar_raiser_id = SelectField("Bar raiser", coerce=int, default=NOBODY)
    offer_approver_role = SelectField(
        "Offers are approved by",
        choices=[SelectChoice(role.value, role.label) for role in Role],
    )

    def with_panel(self, panel: Iterable[Any]) -> LoopSettingsForm:
        self.bar_raiser_id.choices = [SelectChoice(NOBODY, "— nobody —")] + [
            SelectChoice(user.id, user.name) for user in panel
        ]
        return self


class CompetencyForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the competency a title."), Length(max=MAX_TITLE)]
    )
    description = TextAreaField(
        "What a strong candidate shows", validators=[Length(max=MAX_DESCRIPTION)]
    )
    must_haves = CheckboxesField(
        "JD must-haves it assesses",
        description="Every must-have of the JD should map to at least one competency.",
    )

    def with_lines(self, lines: Iterable[str]) -> CompetencyForm:
        self.must_haves.choices = [SelectChoice(line, line) for line in dict.fromkeys(lines)]
        return self


class RoundForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(kind.value, kind.label) for kind in RoundKind])
    title = StringField(
        "Title", validators=[DataRequired("Give the round a title."), Length(max=MAX_TITLE)]
    )
    duration_minutes = IntegerField(
        "Minutes",
        default=45,
        validators=[
            InputRequired("Say how long the round lasts."),
            NumberRange(
                min=MIN_DURATION,
                max=MAX_DURATION,
                message=f"A round lasts from {MIN_DURATION} to {MAX_DURATION} minutes.",
            ),
        ],
    )
    competencies = CheckboxesField("Competencies it assesses")
    question_ids = CheckboxesField(
        "Questions",
        coerce=int,
        description="Questions already in the round keep their order; new ones are asked after them.",
    )
    interviewer_ids = CheckboxesField("Interviewers (from the role's panel)", coerce=int)
    notes = TextAreaField("Notes for the interviewers", validators=[Length(max=MAX_NOTES)])

    def with_choices(
        self, competencies: Iterable[dict[str, Any]], questions: Iterable[Any], panel: Iterable[Any]
    ) -> RoundForm:
        self.competencies.choices = [SelectChoice(c["key"], c["title"]) for c in competencies]
        self.question_ids.choices = [
            SelectChoice(q.id, f"{q.title} ({q.category.label}, {q.key})") for q in questions
        ]
        self.interviewer_ids.choices = [SelectChoice(user.id, user.name) for user in panel]
        return self

    def fill(self, loop_round: LoopRound) -> RoundForm:
        """Pre-fill from a round (on GET)."""
        self.kind.data = loop_round.kind.value
        self.title.data = loop_round.title
        self.duration_minutes.data = loop_round.duration_minutes
        self.competencies.data = list(loop_round.competencies)
        self.question_ids.data = list(loop_round.question_ids)
        self.interviewer_ids.data = [user.id for user in loop_round.interviewers]
        self.notes.data = loop_round.notes
        return self

    def round_fields(self) -> dict[str, Any]:
        """The submitted values in the shape the loop edit services take."""
        return {
            "kind": self.kind.data,
            "title": self.title.data,
            "duration_minutes": self.duration_minutes.data,
            "competencies": self.competencies.data or [],
            "question_ids": self.question_ids.data or [],
            "interviewer_ids": self.interviewer_ids.data or [],
            "notes": self.notes.data or "",
        }


class MoveRoundForm(FlaskForm):
    direction = SelectField(choices=[SelectChoice("up", "Earlier"), SelectChoice("down", "Later")])
