"""Scorecards: an interviewer's ratings with evidence notes, take-aways and recommendation, saved as
a draft and submitted; editable until the debrief closes. Plus the lists and the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import as_utc, utcnow
from core.errors import DomainError
from hiring.services.analytics import csv_cell
from hiring.services.anonymised import candidate_label
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    Recommendation,
    Scorecard,
    ScorecardStatus,
)
from interviews.services import visibility
from interviews.services.debriefs import maybe_open_debrief
from interviews.services.loops import OPEN_STATUSES
from rubrics.content import LEVEL_NAMES, LEVELS

RATINGS = LEVELS  # 1 no evidence / wrong, 2 partial, 3 solid, 4 exceptional (the rubric levels)
RATING_NAMES = LEVEL_NAMES
MAX_NOTE = 5000
MAX_TAKEAWAYS = 10_000


class NotYourScorecard(DomainError):
    status_code = 403


@dataclass(frozen=True)
class Competency:
    key: str
    title: str
    description: str


def round_competencies(round_: InterviewRound) -> list[Competency]:
    """The round's focus competencies, titled from the loop's template (in the round's order)."""
    known = {c.get("key"): c for c in round_.loop.template.competencies if isinstance(c, dict)}
    result = []
    for key in round_.competencies:
        spec = known.get(key, {})
        result.append(Competency(key, spec.get("title") or key, spec.get("description") or ""))
    return result


def own_scorecard(round_: InterviewRound, user_id: int) -> Scorecard | None:
    return next((card for card in round_.scorecards if card.interviewer_id == user_id), None)


def get_own_scorecard(round_: InterviewRound, user_id: int) -> Scorecard:
    """The user's scorecard for the round; it exists from the moment they were assigned."""
    card = own_scorecard(round_, user_id)
    if card is None:
        raise NotYourScorecard(
            "You are not an interviewer of this round, so you have no scorecard for it. A hiring "
            "manager or recruiter assigns interviewers on the loop page."
        )
    return card


def edit_closed_reason(loop: InterviewLoop) -> str:
    """Why scorecards of the loop can no longer change ("" while they can)."""
    if loop.status not in OPEN_STATUSES:
        return f"This loop is {loop.status.value}; its scorecards can no longer change."
    if loop.debrief is not None and loop.debrief.closed_at is not None:
        return "The debrief is closed; its scorecards can no longer change."
    return ""


def is_overdue(card: Scorecard, now: datetime | None = None) -> bool:
    return (
        card.status is ScorecardStatus.DRAFT
        and card.due_at is not None
        and as_utc(card.due_at) < (now or utcnow())
    )


def _clean_ratings(round_: InterviewRound, ratings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    keys = list(round_.competencies)
    unknown = [key for key in ratings if key not in keys]
    if unknown:
        raise DomainError(f"This round does not assess {', '.join(map(str, unknown))}.")
    titles = {c.key: c.title for c in round_competencies(round_)}
    cleaned = {}
    for key in keys:
        entry = ratings.get(key) or {}
        rating, note = entry.get("rating"), entry.get("note") or ""
        if rating in ("", None):
            rating = None
        elif isinstance(rating, bool) or rating not in RATINGS:
            raise DomainError(f"{titles[key]}: a rating is 1, 2, 3 or 4.")
        if not isinstance(note, str):
            raise DomainError(f"{titles[key]}: the evidence note must be text.")
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise DomainError(f"{titles[key]}: keep the evidence note under {MAX_NOTE} characters.")
        cleaned[key] = {"rating": None if rating is None else int(rating), "note": note}
    return cleaned


def _incomplete(round_: InterviewRound, ratings: dict[str, dict[str, Any]], recommendation) -> list[str]:
    problems = []
    for competency in round_competencies(round_):
        entry = ratings[competency.key]
        if entry["rating"] is None:
            problems.append(f"rate {competency.title}")
        if not entry["note"]:
            problems.append(f"write the evidence for {competency.title}")
    if recommendation is None:
        problems.append("choose an overall recommendation (or “No decision”)")
    return problems


def _content(card: Scorecard) -> dict[str, Any]:
    return {
        "ratings": card.ratings,
        "takeaways": card.takeaways,
        "recommendation": None if card.recommendation is None else card.recommendation.value,
    }


def save_scorecard(
    session: Session,
    scorecard: Scorecard,
    *,
    ratings: Mapping[str, Any],
    takeaways: str,
    recommendation: Recommendation | str | None,
    submit: bool,
    actor_id: int | None,
) -> Scorecard:
    """Save the interviewer's own scorecard as a draft (may be partial) or submit it (complete:
    every competency rated with evidence, a recommendation); a submitted one stays submitted."""
    if actor_id != scorecard.interviewer_id:
        raise NotYourScorecard("Only the interviewer who owns a scorecard can change it.")
    round_ = scorecard.round
    closed = edit_closed_reason(round_.loop)
    if closed:
        raise DomainError(closed)
    cleaned = _clean_ratings(round_, ratings)
    if not isinstance(takeaways or "", str):
        raise DomainError("The take-aways must be text.")
    takeaways = (takeaways or "").strip()
    if len(takeaways) > MAX_TAKEAWAYS:
        raise DomainError(f"Keep the take-aways under {MAX_TAKEAWAYS} characters.")
    if recommendation in ("", None):
        recommendation = None
    else:
        try:
            recommendation = Recommendation(recommendation)
        except ValueError:
            raise DomainError("Choose one of the recommendations offered.") from None
    was_submitted = scorecard.status is ScorecardStatus.SUBMITTED
    if submit or was_submitted:
        problems = _incomplete(round_, cleaned, recommendation)
        if problems:
            verb = "save the changes to" if was_submitted else "submit"
            raise DomainError(f"To {verb} the scorecard, " + "; ".join(problems) + ".")
    before = _content(scorecard)
    scorecard.ratings, scorecard.takeaways, scorecard.recommendation = cleaned, takeaways, recommendation
    after = _content(scorecard)
    candidate = round_.loop.application.candidate.name
    if was_submitted and before != after:
        record_audit(
            session,
            actor_id=actor_id,
            action="scorecard.edited",
            object_type="scorecard",
            object_id=scorecard.id,
            summary=f"{round_.title} for {candidate}: edited after submission",
            before=before,
            after=after,
        )
    elif submit and not was_submitted:
        scorecard.status, scorecard.submitted_at = ScorecardStatus.SUBMITTED, utcnow()
        record_audit(
            session,
            actor_id=actor_id,
            action="scorecard.submitted",
            object_type="scorecard",
            object_id=scorecard.id,
            summary=f"{round_.title} for {candidate}: {recommendation.label}",
            after={"recommendation": recommendation.value},
        )
        session.flush()
        maybe_open_debrief(session, round_.loop, actor_id=actor_id)
    return scorecard


# ---------------------------------------------------------------- lists and export


def my_scorecards(session: Session, user_id: int) -> list[Scorecard]:
    """The user's scorecards on loops still running, soonest interview first (unscheduled last)."""
    statement = (
        select(Scorecard)
        .join(InterviewRound, InterviewRound.id == Scorecard.round_id)
        .join(InterviewLoop, InterviewLoop.id == InterviewRound.loop_id)
        .where(Scorecard.interviewer_id == user_id, InterviewLoop.status.in_(OPEN_STATUSES))
    )
    cards = list(session.scalars(statement))
    return sorted(
        cards,
        key=lambda c: (
            c.round.scheduled_at is None,
            c.round.scheduled_at and as_utc(c.round.scheduled_at),
            c.id,
        ),
    )


def shown_scorecards(user: Any, loop: InterviewLoop) -> list[Scorecard]:
    """The scorecards whose content the user may read now: their own (even drafts), and colleagues'
    submitted ones once visibility allows (drafts are unfinished work and stay private)."""
    return [
        card
        for card in visibility.visible_scorecards(user, loop)
        if card.interviewer_id == user.id or card.status is ScorecardStatus.SUBMITTED
    ]


EXPORT_HEADER = (
    "loop_id candidate role round interviewer status submitted_at recommendation "
    "competency rating evidence takeaways"
).split()


def export_scorecards_csv(user: Any, loop: InterviewLoop) -> str:
    """The scorecards the user may read, one row per competency rating, as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    application = loop.application
    for card in shown_scorecards(user, loop):
        base = [
            loop.id,
            candidate_label(user, application),
            application.role.title,
            card.round.title,
            card.interviewer.name,
            card.status.value,
            card.submitted_at and as_utc(card.submitted_at).isoformat(),
            card.recommendation and card.recommendation.label,
        ]
        titles = {c.key: c.title for c in round_competencies(card.round)}
        entries = [
            (titles.get(key, key), card.ratings.get(key) or {}) for key in card.round.competencies
        ]
        for title, entry in entries or [("", {})]:
            row = [*base, title, entry.get("rating"), entry.get("note"), card.takeaways]
            writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue()
