"""The JSON API's interview side: loops, scorecards, transcripts and their AI scores, debrief votes
and decisions. Every read asks interviews.services.visibility (blind until submitted) and the
debrief's ballots (sealed until revealed), the rules the pages follow; nothing hidden is sent."""

from __future__ import annotations

from dataclasses import replace

from flask import request
from spectree import Response

from api import interview_shapes as shapes
from api import queries
from api.auth import current_principal, token_required
from api.errors import error_response
from api.idempotency import Outcome
from api.interview_schemas import (
    DebriefOut,
    DecisionCreate,
    DecisionList,
    DecisionOut,
    JobRunOut,
    LoopDetailOut,
    LoopOut,
    LoopPage,
    LoopQuery,
    RevealCreate,
    ScorecardList,
    ScorecardOut,
    ScorecardSave,
    ScoringStart,
    ScoringStarted,
    TranscriptCreate,
    TranscriptOut,
    TranscriptPage,
    TranscriptQuery,
    TranscriptScoresOut,
    VoteCreate,
)
from api.schemas import IdempotencyHeaders
from api.spec import spec
from api.views import READ_ERRORS, _forbid_unless, _idempotent, bp, errors
from core.auth import Role
from core.db import get_or_raise, get_session
from core.errors import DomainError
from interviews.models import Debrief, InterviewLoop, InterviewRound, Scorecard, Transcript
from interviews.services import anonymity, debriefs, decisions, loops, scorecards, visibility
from interviews.services.scorecards import NotYourScorecard
from interviews.services.transcripts import results as transcript_results
from interviews.services.transcripts import scoring
from interviews.services.transcripts.formats import read_pasted_transcript

PANELISTS = (Role.INTERVIEWER, Role.HIRING_MANAGER)  # who sits on panels: they score and vote
MANAGERS = (Role.HIRING_MANAGER,)  # the service also checks it is this role's hiring manager
ONE_ERRORS = ("HTTP_401", "HTTP_403", "HTTP_404")
WRITE_ERRORS = ("HTTP_400", "HTTP_401", "HTTP_403", "HTTP_404", "HTTP_409", "HTTP_413", "HTTP_415")


@bp.errorhandler(NotYourScorecard)
def not_your_scorecard(error: NotYourScorecard):
    return error_response(403, "not_your_scorecard", error.message)


# ---------------------------------------------------------------- loading and access


def _loop(loop_id: int) -> InterviewLoop:
    loop = loops.get_loop(get_session(), loop_id)
    _forbid_unless(visibility.can_view_loop(current_principal(), loop))
    return loop


def _debrief_loop(loop_id: int) -> InterviewLoop:
    loop = debriefs.get_loop(get_session(), loop_id)
    _forbid_unless(debriefs.can_view_debrief(current_principal(), loop))
    return loop


def _forbid_unless_manager(loop: InterviewLoop) -> None:
    """Refuse (403) anyone but the role's hiring manager or an admin, as the services decide."""
    _forbid_unless(debriefs.is_hiring_manager(current_principal(), loop))


def _forbid_unless_panelist(loop: InterviewLoop) -> None:
    """Refuse (403) anyone not on the loop's panel (its interviewers and the role's hiring manager)."""
    principal = current_principal()
    _forbid_unless(any(member.id == principal.id for member in debriefs.panel_members(loop)))


def _open_debrief(loop: InterviewLoop) -> Debrief:
    if loop.debrief is None:
        raise DomainError("The debrief of this loop is not open yet.")
    return loop.debrief


def _scorecard(scorecard_id: int) -> Scorecard:
    card = get_or_raise(get_session(), Scorecard, scorecard_id, "No such scorecard.")
    _forbid_unless(visibility.can_view_loop(current_principal(), card.round.loop))
    return card


def _round(round_id: int, *, edit: bool = False) -> InterviewRound:
    round_ = scoring.get_interview_round(get_session(), round_id)
    _forbid_unless(visibility.can_view_loop(current_principal(), round_.loop))
    if edit:
        _forbid_unless(scoring.can_edit_transcripts(current_principal(), round_))
    return round_


def _transcript(transcript_id: int, *, edit: bool = False) -> Transcript:
    transcript = scoring.get_transcript(get_session(), transcript_id)
    _round(transcript.round_id, edit=edit)
    return transcript


def _refreshed(transcripts: list[Transcript]) -> None:
    """Mark transcripts whose scoring job failed as FAILED, as the pages do when they look."""
    session = get_session()
    before = [transcript.status for transcript in transcripts]
    for transcript in transcripts:
        scoring.refresh_status(session, transcript)
    if before != [transcript.status for transcript in transcripts]:
        session.commit()


# ---------------------------------------------------------------- loops


@bp.get("/loops")
@token_required()
@spec.validate(query=LoopQuery, resp=Response(HTTP_200=LoopPage, **errors(*READ_ERRORS)), tags=["loops"])
def list_loops():
    """List interview loops by id; interviewers see the loops they have a scorecard on."""
    query: LoopQuery = request.context.query  # type: ignore[attr-defined]
    page = queries.list_loops(
        get_session(),
        current_principal(),
        role_id=query.role_id,
        status=query.status,
        cursor=query.cursor,
        limit=query.limit,
    )
    items = [
        LoopOut(**shapes.loop_fields(current_principal(), loop)).model_dump(mode="json")
        for loop in page.items
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@bp.get("/loops/<int:loop_id>")
@token_required()
@spec.validate(resp=Response(HTTP_200=LoopDetailOut, **errors(*ONE_ERRORS)), tags=["loops"])
def get_loop(loop_id: int):
    """Show a loop with its rounds, interviewers and scorecard states (never ratings)."""
    loop = _loop(loop_id)
    rounds = [shapes.round_fields(round_) for round_ in loop.rounds]
    fields = shapes.loop_fields(current_principal(), loop)
    return LoopDetailOut(**fields, rounds=rounds).model_dump(mode="json")


# ---------------------------------------------------------------- scorecards


@bp.get("/loops/<int:loop_id>/scorecards")
@token_required()
@spec.validate(resp=Response(HTTP_200=ScorecardList, **errors(*ONE_ERRORS)), tags=["scorecards"])
def list_loop_scorecards(loop_id: int):
    """List a loop's scorecards; colleagues' content shows only as blind-until-submitted allows."""
    loop = _loop(loop_id)
    principal = current_principal()
    return {
        "loop_id": loop.id,
        "feedback_visible": visibility.feedback_visible(principal, loop),
        "hidden_reason": visibility.blind_reason(principal, loop) or None,
        "items": shapes.loop_scorecards(principal, loop),
    }


@bp.get("/scorecards/<int:scorecard_id>")
@token_required()
@spec.validate(resp=Response(HTTP_200=ScorecardOut, **errors(*ONE_ERRORS)), tags=["scorecards"])
def get_scorecard(scorecard_id: int):
    """Show one scorecard; its content only if the caller may read it now."""
    card = _scorecard(scorecard_id)
    loop = card.round.loop
    principal = current_principal()
    readable = card in scorecards.shown_scorecards(principal, loop)
    return shapes.scorecard_out(principal, card, readable, visibility.blind_reason(principal, loop))


@bp.put("/scorecards/<int:scorecard_id>")
@token_required(*PANELISTS)
@spec.validate(
    json=ScorecardSave,
    resp=Response(HTTP_200=ScorecardOut, **errors(*WRITE_ERRORS, "HTTP_422")),
    tags=["scorecards"],
)
def save_scorecard(scorecard_id: int):
    """Save my own scorecard as a draft, or submit it (complete); audited on submission."""
    body: ScorecardSave = request.context.json  # type: ignore[attr-defined]
    session = get_session()
    card = _scorecard(scorecard_id)
    scorecards.save_scorecard(
        session,
        card,
        ratings={key: entry.model_dump() for key, entry in body.ratings.items()},
        takeaways=body.takeaways,
        recommendation=body.recommendation,
        submit=body.submit,
        actor_id=current_principal().id,
    )
    session.commit()
    return shapes.scorecard_out(current_principal(), card, True, "")


# ---------------------------------------------------------------- transcripts and scores


@bp.get("/rounds/<int:round_id>/transcripts")
@token_required()
@spec.validate(
    query=TranscriptQuery,
    resp=Response(HTTP_200=TranscriptPage, **errors(*READ_ERRORS, "HTTP_404")),
    tags=["transcripts"],
)
def list_round_transcripts(round_id: int):
    """List a round's transcripts by id, with their alignment and scoring state (no scores)."""
    query: TranscriptQuery = request.context.query  # type: ignore[attr-defined]
    session, round_ = get_session(), _round(round_id)
    page = queries.list_round_transcripts(session, round_.id, cursor=query.cursor, limit=query.limit)
    _refreshed(list(page.items))
    items = [shapes.transcript_out(session, current_principal(), t) for t in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@bp.post("/rounds/<int:round_id>/transcripts")
@token_required()
@spec.validate(
    json=TranscriptCreate,
    headers=IdempotencyHeaders,
    resp=Response(HTTP_201=TranscriptOut, **errors(*WRITE_ERRORS, "HTTP_422")),
    tags=["transcripts"],
)
def create_transcript(round_id: int):
    """Store a transcript sent as text, segmented and aligned to the loop's questions (audited)."""
    body: TranscriptCreate = request.context.json  # type: ignore[attr-defined]
    session = get_session()
    round_ = _round(round_id, edit=True)

    def write() -> Outcome:
        text = replace(read_pasted_transcript(body.text), source_name=body.source_name)
        transcript = scoring.create_transcript(
            session,
            round_,
            text,
            actor_id=current_principal().id,
            encode=scoring.embedding_encoder(session),
        )
        return Outcome(201, shapes.transcript_out(session, current_principal(), transcript))

    return _idempotent(write)


@bp.get("/transcripts/<int:transcript_id>")
@token_required()
@spec.validate(resp=Response(HTTP_200=TranscriptOut, **errors(*ONE_ERRORS)), tags=["transcripts"])
def get_transcript(transcript_id: int):
    """Show a transcript's alignment and scoring state, with its latest scoring job."""
    transcript = _transcript(transcript_id)
    _refreshed([transcript])
    return shapes.transcript_out(get_session(), current_principal(), transcript)


@bp.post("/transcripts/<int:transcript_id>/scoring")
@token_required()
@spec.validate(
    json=ScoringStart,
    headers=IdempotencyHeaders,
    resp=Response(HTTP_202=ScoringStarted, **errors(*WRITE_ERRORS, "HTTP_422")),
    tags=["transcripts"],
)
def start_scoring(transcript_id: int):
    """Queue the scoring of the transcript's aligned answers; follow it on the transcript."""
    body: ScoringStart = request.context.json  # type: ignore[attr-defined]
    session = get_session()
    transcript = _transcript(transcript_id, edit=True)

    def write() -> Outcome:
        run = scoring.start_scoring(
            session, transcript, actor_id=current_principal().id, judge_runs=body.judge_runs
        )
        started = ScoringStarted(
            transcript_id=transcript.id,
            transcript_status=transcript.status,
            job_run=JobRunOut.model_validate(run),
        )
        return Outcome(202, started.model_dump(mode="json"))

    return _idempotent(write)


@bp.get("/transcripts/<int:transcript_id>/scores")
@token_required()
@spec.validate(resp=Response(HTTP_200=TranscriptScoresOut, **errors(*ONE_ERRORS)), tags=["transcripts"])
def get_transcript_scores(transcript_id: int):
    """Show each answer's embedding and judge scores with evidence, as the transcript page would."""
    session = get_session()
    transcript = _transcript(transcript_id)
    _refreshed([transcript])
    loop, principal = transcript.round.loop, current_principal()
    visible = visibility.feedback_visible(principal, loop)
    results = transcript_results.transcript_results(session, transcript, with_scores=visible)
    mode = anonymity.review_mode(principal, loop.application)
    shown = anonymity.show_transcript(mode, transcript, results, with_evidence=visible)
    return {
        "transcript_id": transcript.id,
        "round_id": transcript.round_id,
        "status": transcript.status.value,
        "scores_visible": visible,
        "hidden_reason": None if visible else visibility.blind_reason(principal, loop),
        "answers": [shapes.answer_scores(item) for item in shown.answers],
    }


# ---------------------------------------------------------------- debriefs and decisions


@bp.get("/loops/<int:loop_id>/debrief")
@token_required()
@spec.validate(resp=Response(HTTP_200=DebriefOut, **errors(*ONE_ERRORS)), tags=["debriefs"])
def get_debrief(loop_id: int):
    """Show a loop's debrief: who has voted, and the votes once they are revealed."""
    return shapes.debrief_out(current_principal(), _debrief_loop(loop_id))


@bp.post("/loops/<int:loop_id>/debrief/votes")
@token_required(*PANELISTS)
@spec.validate(
    json=VoteCreate,
    headers=IdempotencyHeaders,
    resp=Response(HTTP_201=DebriefOut, **errors(*WRITE_ERRORS, "HTTP_422")),
    tags=["debriefs"],
)
def cast_vote(loop_id: int):
    """Cast my sealed vote (once); the last missing vote reveals them all."""
    body: VoteCreate = request.context.json  # type: ignore[attr-defined]
    session = get_session()
    loop = _debrief_loop(loop_id)
    _forbid_unless_panelist(loop)

    def write() -> Outcome:
        principal = current_principal()
        debriefs.cast_vote(
            session, _open_debrief(loop), principal.user, body.vote, body.comment, actor_id=principal.id
        )
        return Outcome(201, shapes.debrief_out(principal, loop))

    return _idempotent(write)


@bp.post("/loops/<int:loop_id>/debrief/reveal")
@token_required(*MANAGERS)
@spec.validate(
    json=RevealCreate,
    headers=IdempotencyHeaders,
    resp=Response(HTTP_200=DebriefOut, **errors(*WRITE_ERRORS, "HTTP_422")),
    tags=["debriefs"],
)
def reveal_votes(loop_id: int):
    """Reveal the votes before everyone has voted (the role's hiring manager or an admin)."""
    session = get_session()
    loop = _debrief_loop(loop_id)
    _forbid_unless_manager(loop)

    def write() -> Outcome:
        debriefs.reveal_votes(session, _open_debrief(loop), actor_id=current_principal().id)
        return Outcome(200, shapes.debrief_out(current_principal(), loop))

    return _idempotent(write)


@bp.get("/loops/<int:loop_id>/decisions")
@token_required()
@spec.validate(resp=Response(HTTP_200=DecisionList, **errors(*ONE_ERRORS)), tags=["decisions"])
def list_decisions(loop_id: int):
    """List a loop's decisions, newest first, and which one is in force."""
    loop = _debrief_loop(loop_id)
    current = decisions.current_decision(loop)
    return {
        "loop_id": loop.id,
        "current_id": current.id if current else None,
        "items": [shapes.decision_out(d) for d in decisions.decisions_of(get_session(), loop)],
    }


@bp.post("/loops/<int:loop_id>/decisions")
@token_required(*MANAGERS)
@spec.validate(
    json=DecisionCreate,
    headers=IdempotencyHeaders,
    resp=Response(HTTP_201=DecisionOut, **errors(*WRITE_ERRORS, "HTTP_422")),
    tags=["decisions"],
)
def record_decision(loop_id: int):
    """Record the loop's decision with its rationale (the role's hiring manager or an admin)."""
    body: DecisionCreate = request.context.json  # type: ignore[attr-defined]
    session = get_session()
    loop = _debrief_loop(loop_id)
    _forbid_unless_manager(loop)

    def write() -> Outcome:
        decision = decisions.record_decision(
            session,
            loop,
            outcome=body.outcome,
            rationale=body.rationale,
            supersede_reason=body.supersede_reason,
            actor_id=current_principal().id,
        )
        return Outcome(201, shapes.decision_out(decision))

    return _idempotent(write)
