"""The interview API's responses built from domain rows, for one user: what is hidden from them
(colleagues' feedback, sealed votes, AI scores while blind) is left out, and ``hidden_reason`` says why.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.interview_schemas import (
    AnswerScoreOut,
    DebriefOut,
    DecisionOut,
    JobRunOut,
    ScorecardOut,
    TranscriptOut,
)
from core.jobs import JobRun
from hiring.services.anonymised import candidate_label
from interviews.models import InterviewLoop, InterviewRound, Scorecard, Transcript
from interviews.services import anonymity, debriefs, scorecards, visibility
from rubrics.models import ScoreStatus
from rubrics.scoring.types import ScorerResult

SEALED = (
    "Votes are sealed until the hiring manager reveals them or everyone has voted: you see your own "
    "vote and who has voted."
)
DRAFT_PRIVATE = "Colleagues' drafts stay private until they are submitted."


def person(user: Any) -> dict[str, Any]:
    return {"id": user.id, "name": user.name}


def loop_fields(user: Any, loop: InterviewLoop) -> dict[str, Any]:
    """A loop's own fields; the candidate as ``user`` may call them (anonymised review)."""
    application = loop.application
    return {
        "id": loop.id,
        "application_id": application.id,
        "role_id": application.role_id,
        "candidate": candidate_label(user, application),
        "status": loop.status,
        "blind_mode": loop.template.blind_mode,
        "debrief_open": loop.debrief is not None,
        "created_at": loop.created_at,
    }


def round_fields(round_: InterviewRound) -> dict[str, Any]:
    """A round with its interviewers and who has submitted: never ratings."""
    return {
        "id": round_.id,
        "position": round_.position,
        "kind": round_.kind,
        "title": round_.title,
        "duration_minutes": round_.duration_minutes,
        "scheduled_at": round_.scheduled_at,
        "location": round_.location,
        "interviewers": [person(card.interviewer) for card in round_.scorecards],
        "scorecards": [
            {
                "id": card.id,
                "interviewer": person(card.interviewer),
                "status": card.status,
                "submitted_at": card.submitted_at,
                "due_at": card.due_at,
            }
            for card in round_.scorecards
        ],
    }


def scorecard_out(user: Any, card: Scorecard, readable: bool, reason: str) -> dict[str, Any]:
    """A scorecard with its content only when ``readable``; else ``reason`` says why it is hidden."""
    round_ = card.round
    own = card.interviewer_id == user.id
    ratings = None
    if readable:
        ratings = [
            {
                "competency": competency.key,
                "title": competency.title,
                "rating": (card.ratings.get(competency.key) or {}).get("rating"),
                "note": (card.ratings.get(competency.key) or {}).get("note") or "",
            }
            for competency in scorecards.round_competencies(round_)
        ]
    return ScorecardOut(
        id=card.id,
        loop_id=round_.loop_id,
        round_id=round_.id,
        round_title=round_.title,
        interviewer=person(card.interviewer),
        is_own=own,
        status=card.status,
        submitted_at=card.submitted_at,
        due_at=card.due_at,
        editable=own and not scorecards.edit_closed_reason(round_.loop),
        ratings=ratings,
        takeaways=card.takeaways if readable else None,
        recommendation=card.recommendation if readable else None,
        hidden_reason=None if readable else reason or DRAFT_PRIVATE,
    ).model_dump(mode="json")


def loop_scorecards(user: Any, loop: InterviewLoop) -> list[dict[str, Any]]:
    """Every scorecard of the loop in round order, its content only where ``user`` may read it."""
    shown = {card.id for card in scorecards.shown_scorecards(user, loop)}
    reason = visibility.blind_reason(user, loop)
    every = [card for round_ in loop.rounds for card in round_.scorecards]
    return [scorecard_out(user, card, card.id in shown, reason) for card in every]


def transcript_out(session: Session, user: Any, transcript: Transcript) -> dict[str, Any]:
    """A transcript's alignment and scoring state (no scores, no text), its source as ``user`` may
    read it."""
    mode = anonymity.review_mode(user, transcript.round.loop.application)
    run = session.get(JobRun, transcript.job_run_id) if transcript.job_run_id else None
    return TranscriptOut(
        id=transcript.id,
        round_id=transcript.round_id,
        status=transcript.status,
        source_format=transcript.source_format,
        source_name=anonymity.show_label(mode, transcript.source_name or ""),
        created_at=transcript.created_at,
        answers=[
            {
                "index": row.index,
                "question_id": row.question_id,
                "question_title": row.question.title if row.question else None,
                "alignment_confidence": row.alignment_confidence,
                "aligned_manually": row.aligned_manually,
            }
            for row in transcript.answers
        ],
        job_run=JobRunOut.model_validate(run) if run is not None else None,
    ).model_dump(mode="json")


def _level(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _scorer(result: ScorerResult | None, quotes: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    scored = result.status is ScoreStatus.SCORED
    return {
        "scorer": result.scorer,
        "status": result.status.value,
        "level": _level(result.level) if scored else None,
        "model": result.model,
        "flags": list(result.flags),
        "error": result.error,
        "evidence": [
            {"quote": quote.quote, "located": quote.start is not None}
            for quote in quotes
            if quote.scorer == result.scorer
        ],
    }


def answer_scores(item: anonymity.ShownAnswer) -> dict[str, Any]:
    """One answer as anonymity.show_transcript shows it, both scorers side by side."""
    result, row = item.result, item.result.row
    combined = result.scores.combined if result.scores else None
    return AnswerScoreOut(
        index=row.index,
        text=item.shown.text,
        question_id=row.question_id,
        question_title=row.question.title if row.question else None,
        alignment_confidence=row.alignment_confidence,
        flags=list(result.flags),
        embedding=_scorer(result.embedding, item.quotes),
        judge=_scorer(result.judge, item.quotes),
        overall=_level(combined.level) if combined else None,
        disagreement=combined.disagreement if combined else None,
        criteria=[
            {
                "key": criterion.key,
                "title": criterion.title,
                "embedding": _level(criterion.embedding),
                "judge": _level(criterion.judge),
                "level": _level(criterion.level),
                "disagreement": criterion.disagreement,
            }
            for criterion in (combined.criteria if combined else ())
        ],
    ).model_dump(mode="json")


def debrief_out(user: Any, loop: InterviewLoop) -> dict[str, Any]:
    """The loop's debrief with its ballots as ``user`` may see them (debriefs.votes_for)."""
    debrief = loop.debrief
    if debrief is None:
        fields: dict[str, Any] = {
            "status": "not_open",
            "opened_at": None,
            "opened_early": False,
            "revealed_at": None,
            "closed_at": None,
            "voted_count": 0,
            "ballots": [],
            "tally": {},
            "hidden_reason": None,
        }
    else:
        ballots = debriefs.votes_for(user, debrief)
        status = "closed" if debrief.closed_at else "revealed" if debrief.revealed_at else "open"
        fields = {
            "status": status,
            "opened_at": debrief.opened_at,
            "opened_early": debrief.opened_early,
            "revealed_at": debrief.revealed_at,
            "closed_at": debrief.closed_at,
            "voted_count": ballots.voted_count,
            "ballots": [
                {
                    "voter": person(ballot.voter),
                    "voted": ballot.voted,
                    "vote": ballot.vote,
                    "comment": ballot.comment,
                    "cast_at": ballot.cast_at,
                    "is_own": ballot.is_own,
                }
                for ballot in ballots.ballots
            ],
            "tally": {option.value: count for option, count in ballots.tally.items()},
            "hidden_reason": None if ballots.revealed else SEALED,
        }
    return DebriefOut(loop_id=loop.id, **fields).model_dump(mode="json")


def decision_out(decision: Any) -> dict[str, Any]:
    return DecisionOut.model_validate(decision).model_dump(mode="json")
