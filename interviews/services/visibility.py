"""Blind until submitted: who may see a loop, and when colleagues' feedback and AI scores show.

Everyone with a scorecard on the loop is on its panel and is blind per the role's ``BlindMode``:
- NEVER: colleagues' scorecards and AI scores are visible at any time;
- AFTER_OWN_SUBMISSION: visible once all of the user's own scorecards on the loop are submitted;
- ALWAYS: visible only once the debrief has opened.
Hiring managers, recruiters and admins who are not on the panel see everything (they run the loop);
other interviewers see nothing of the loop. One's own scorecard is always visible to oneself.
Pages, exports and the API must all ask these functions, never re-derive the rule.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import object_session

from core.auth import Role
from interviews.models import (
    BlindMode,
    InterviewLoop,
    InterviewRound,
    Scorecard,
    ScorecardStatus,
    Transcript,
    TranscriptAnswer,
)
from rubrics.models import Answer
from rubrics.services.answer_access import AnswerRule, register_answer_rule

LOOP_RUNNERS = frozenset({Role.ADMIN, Role.HIRING_MANAGER, Role.RECRUITER})


def own_scorecards(user: Any, loop: InterviewLoop) -> list[Scorecard]:
    """The user's scorecards on the loop (one per round they are assigned to)."""
    return [
        card for round_ in loop.rounds for card in round_.scorecards if card.interviewer_id == user.id
    ]


def on_panel(user: Any, loop: InterviewLoop) -> bool:
    return bool(own_scorecards(user, loop))


def can_view_loop(user: Any, loop: InterviewLoop) -> bool:
    """Loop runners see every loop; interviewers only the loops they have a scorecard on."""
    if not user.is_authenticated:
        return False
    return bool(user.roles & LOOP_RUNNERS) or on_panel(user, loop)


def ensure_can_view_loop(user: Any, loop: InterviewLoop) -> None:
    if not can_view_loop(user, loop):
        abort(403)


def feedback_visible(user: Any, loop: InterviewLoop) -> bool:
    """May the user see colleagues' scorecards and the AI scores of this loop's candidate now?"""
    if not can_view_loop(user, loop):
        return False
    mine = own_scorecards(user, loop)
    if not mine:
        return True  # a loop runner who is not on the panel
    mode = loop.template.blind_mode
    if mode is BlindMode.NEVER:
        return True
    if mode is BlindMode.AFTER_OWN_SUBMISSION:
        return all(card.status is ScorecardStatus.SUBMITTED for card in mine)
    return loop.debrief is not None


def visible_scorecards(user: Any, loop: InterviewLoop) -> list[Scorecard]:
    """The scorecards the user may read: their own, plus everyone's once feedback is visible."""
    if not can_view_loop(user, loop):
        return []
    everyone = [card for round_ in loop.rounds for card in round_.scorecards]
    if feedback_visible(user, loop):
        return everyone
    return [card for card in everyone if card.interviewer_id == user.id]


def blind_reason(user: Any, loop: InterviewLoop) -> str:
    """Why feedback is hidden from the user, in words ("" when it is visible)."""
    if feedback_visible(user, loop):
        return ""
    if loop.template.blind_mode is BlindMode.ALWAYS:
        return "This role keeps feedback blind until the debrief opens."
    return "Colleagues' feedback and AI scores show once you have submitted your own scorecard."


def _loop_of_answer(answer: Any) -> InterviewLoop | None:
    session = object_session(answer)
    if session is None:
        return None
    return session.scalar(
        select(InterviewLoop)
        .join(InterviewRound, InterviewRound.loop_id == InterviewLoop.id)
        .join(Transcript, Transcript.round_id == InterviewRound.id)
        .join(TranscriptAnswer, TranscriptAnswer.transcript_id == Transcript.id)
        .where(TranscriptAnswer.answer_id == answer.id)
        .limit(1)
    )


def transcript_answer_allowed(user: Any, answer: Any) -> bool:
    """A transcript's answer (and its AI scores) on the rubrics pages follows the loop's blind rule."""
    loop = _loop_of_answer(answer)
    return loop is None or feedback_visible(user, loop)


def narrow_to_visible_answers(user: Any, statement: Any) -> Any:
    """Lists of answers leave out transcript answers for all but loop runners (who see every loop);
    interviewers read them on the transcript page, where the blind rule is applied per loop."""
    if user.roles & LOOP_RUNNERS:
        return statement
    linked = select(TranscriptAnswer.answer_id).where(TranscriptAnswer.answer_id.is_not(None))
    return statement.where(Answer.id.not_in(linked))


def register_rubric_answer_rule(app: Any) -> None:
    """Make the rubrics answer pages, lists and actions respect blind-until-submitted."""
    register_answer_rule(
        app, AnswerRule(allows=transcript_answer_allowed, narrow=narrow_to_visible_answers)
    )
