"""Forms of the debrief, decision and offer pages (each carries a CSRF token).

The services own the rules (a rationale is required, a deadline not in the past, ...) and say why
in their messages; these forms only check shapes and lengths.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from interviews.models import Vote
from interviews.services.debriefs import MAX_TEXT_CHARS
from interviews.services.decisions import MAX_RATIONALE_CHARS, OUTCOME_LABELS
from interviews.services.offers import MAX_BUDGET, MAX_NOTE_CHARS


class OpenDebriefForm(FlaskForm):
    """Open the debrief; before every scorecard is in, the hiring manager gives a reason."""

    early_reason = TextAreaField(
        "Reason for opening early",
        validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
        description="Required while scorecards are missing; kept on the debrief and in the audit log.",
    )


class VoteForm(FlaskForm):
    """Cast one sealed vote."""

    vote = RadioField(
        "Your vote",
        choices=[SelectChoice(option.value, option.label) for option in Vote],
        validators=[InputRequired("Pick your vote.")],
    )
    comment = TextAreaField(
        "Comment",
        validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
        description="Optional. Sealed with your vote until the reveal.",
    )


class DecisionForm(FlaskForm):
    """Record (or supersede) the loop's decision."""

    outcome = RadioField(
        "Decision",
        choices=[SelectChoice(outcome.value, label) for outcome, label in OUTCOME_LABELS.items()],
        validators=[InputRequired("Pick hire, no hire or hold.")],
    )
    rationale = TextAreaField(
        "Rationale",
        validators=[Length(max=MAX_RATIONALE_CHARS)],
        description="Required: the evidence the decision rests on.",
    )
    supersede_reason = TextAreaField(
        "Why it supersedes the current decision",
        validators=[Optional(), Length(max=MAX_RATIONALE_CHARS)],
        description="Required when a decision is already recorded; decisions are never edited.",
    )


class OfferForm(FlaskForm):
    """Hand a hire decision off as an offer for approval."""

    compensation_budget = IntegerField(
        "Compensation budget (yearly)",
        validators=[InputRequired("Give the budget."), NumberRange(min=1, max=MAX_BUDGET)],
    )
    currency = StringField("Currency", default="EUR", validators=[InputRequired(), Length(min=3, max=3)])
    deadline = DateField("Offer deadline", validators=[InputRequired("Give the offer deadline.")])


class ReviewOfferForm(FlaskForm):
    """Approve or reject a pending offer."""

    verdict = RadioField(
        "Verdict",
        choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Reject")],
        validators=[InputRequired("Pick approve or reject.")],
    )
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=MAX_NOTE_CHARS)],
        description="Required when rejecting.",
    )
