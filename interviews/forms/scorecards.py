"""The scorecard form: a rating and an evidence note per competency of the round, take-aways and
an overall recommendation; built per round because each round assesses its own competencies."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from interviews.models import Recommendation
from interviews.services.scorecards import MAX_NOTE, MAX_TAKEAWAYS, RATING_NAMES, Competency

RATING_CHOICES = [
    SelectChoice(str(number), f"{number} · {name}") for number, name in RATING_NAMES.items()
]
RECOMMENDATION_CHOICES = [SelectChoice(r.value, r.label) for r in Recommendation]


class ScorecardForm(FlaskForm):
    takeaways = TextAreaField(
        "Key take-aways",
        validators=[Length(max=MAX_TAKEAWAYS)],
        description="What the debrief should know first: the strongest signal and the biggest doubt.",
    )
    recommendation = RadioField(
        "Overall recommendation", choices=RECOMMENDATION_CHOICES, validators=[Optional()]
    )
    save = SubmitField("Save draft")
    submit_card = SubmitField("Submit scorecard")

    competencies: list[Competency]

    def competency_fields(self) -> list[tuple[Competency, Any, Any]]:
        """(competency, rating field, note field) per competency, in the round's order."""
        return [
            (competency, self[f"rating_{index}"], self[f"note_{index}"])
            for index, competency in enumerate(self.competencies)
        ]

    def fill(self, ratings: dict[str, Any], takeaways: str, recommendation: Any) -> None:
        """Pre-fill from a saved scorecard."""
        for competency, rating, note in self.competency_fields():
            entry = ratings.get(competency.key) or {}
            rating.data = None if entry.get("rating") is None else str(entry["rating"])
            note.data = entry.get("note") or ""
        self.takeaways.data = takeaways
        self.recommendation.data = None if recommendation is None else str(recommendation.value)

    def ratings(self) -> dict[str, dict[str, Any]]:
        """The submitted ratings in the shape the scorecards service takes."""
        return {
            competency.key: {
                "rating": int(rating.data) if rating.data else None,
                "note": note.data or "",
            }
            for competency, rating, note in self.competency_fields()
        }

    @property
    def submitting(self) -> bool:
        return bool(self.submit_card.data)


def scorecard_form(competencies: list[Competency], **kwargs: Any) -> ScorecardForm:
    """A ScorecardForm with a rating and an evidence-note field for each competency."""

    class RoundScorecardForm(ScorecardForm):
        pass

    for index, competency in enumerate(competencies):
        setattr(
            RoundScorecardForm,
            f"rating_{index}",
            RadioField(
                f"{competency.title}: rating",
                choices=RATING_CHOICES,
                validators=[Optional()],
                validate_choice=True,
            ),
        )
        setattr(
            RoundScorecardForm,
            f"note_{index}",
            TextAreaField(
                f"{competency.title}: evidence",
                validators=[Length(max=MAX_NOTE)],
                description="What the candidate said or did that backs the rating (required to submit).",
            ),
        )
    form = RoundScorecardForm(**kwargs)
    form.competencies = competencies
    return form
