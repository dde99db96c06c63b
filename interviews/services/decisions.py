"""Hiring decisions after a debrief: hire, no hire or hold, with a written rationale.

Only the role's hiring manager (or an admin) decides, once the votes are revealed, under the loop's
tie-break rule: HIRING_MANAGER (the hiring manager decides mixed signals) or BAR_RAISER_VETO (also,
a No or Strong No from the loop's bar raiser blocks a hire). A decision is never edited: a later one
supersedes it, with a reason. A hire moves the application to the role's "Offer" stage and waits for
the offer hand-off; a no hire rejects it; a hold leaves it where it is.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.auth import User
from core.db import get_or_raise, utcnow
from core.errors import ConflictError, DomainError
from hiring.models import RoleStage, StageKind
from hiring.services.pipeline import move_application
from interviews.models import (
    Decision,
    DecisionOutcome,
    InterviewLoop,
    LoopStatus,
    TieBreak,
    Vote,
)
from interviews.services.debriefs import is_hiring_manager

MAX_RATIONALE_CHARS = 5_000
OFFER_STAGE = "Offer"
REJECTION_REASON = "Debrief decision"
VETO_VOTES = frozenset({Vote.NO, Vote.STRONG_NO})

OUTCOME_LABELS = {
    DecisionOutcome.HIRE: "Hire",
    DecisionOutcome.NO_HIRE: "No hire",
    DecisionOutcome.HOLD: "Hold",
}
TIE_BREAK_LABELS = {
    TieBreak.HIRING_MANAGER: "the hiring manager decides",
    TieBreak.BAR_RAISER_VETO: "bar-raiser veto",
}


def current_decision(loop: InterviewLoop) -> Decision | None:
    """The loop's decision in force: the latest one that no other decision supersedes."""
    superseded = {decision.supersedes_id for decision in loop.decisions}
    standing = [decision for decision in loop.decisions if decision.id not in superseded]
    return max(standing, key=lambda decision: decision.id, default=None)


def get_decision(session: Session, decision_id: int) -> Decision:
    return get_or_raise(session, Decision, decision_id, "No such decision.")


def _parse_outcome(outcome: DecisionOutcome | str) -> DecisionOutcome:
    try:
        return DecisionOutcome(outcome)
    except ValueError:
        raise DomainError("A decision is Hire, No hire or Hold.") from None


def _check_tie_break(loop: InterviewLoop, outcome: DecisionOutcome) -> None:
    template = loop.template
    if template.tie_break is not TieBreak.BAR_RAISER_VETO or outcome is not DecisionOutcome.HIRE:
        return
    if template.bar_raiser_id is None or loop.debrief is None:
        return
    vote = next((v for v in loop.debrief.votes if v.voter_id == template.bar_raiser_id), None)
    if vote is not None and vote.vote in VETO_VOTES:
        raise DomainError(
            f"Bar-raiser veto: {template.bar_raiser.name} voted {vote.vote.label}, and this role's "
            "tie-break rule (bar-raiser veto) blocks a hire. Record No hire or Hold instead."
        )


def _target_stage(loop: InterviewLoop, outcome: DecisionOutcome) -> RoleStage | None:
    """The stage the decision moves the application to (None: it stays), or raise if missing."""
    role = loop.application.role
    if outcome is DecisionOutcome.HIRE:
        stage = next((s for s in role.stages if s.name.lower() == OFFER_STAGE.lower()), None)
        if stage is None:
            raise DomainError(
                f"The role {role.title} has no {OFFER_STAGE!r} stage for the offer hand-off: add it "
                "to the role's stages first."
            )
    elif outcome is DecisionOutcome.NO_HIRE:
        stage = next((s for s in role.stages if s.kind is StageKind.REJECTED), None)
        if stage is None:
            raise DomainError(f"The role {role.title} has no rejected stage.")
    else:
        return None
    return None if stage.id == loop.application.stage_id else stage


def record_decision(
    session: Session,
    loop: InterviewLoop,
    *,
    outcome: DecisionOutcome | str,
    rationale: str,
    actor_id: int,
    supersede_reason: str = "",
) -> Decision:
    """Record the loop's decision (a later one supersedes the current with a reason) and move the
    application: Offer on hire, Rejected on no hire, nowhere on hold."""
    actor = get_or_raise(session, User, actor_id, "No such user.")
    choice = _parse_outcome(outcome)
    if not is_hiring_manager(actor, loop):
        manager = loop.application.role.hiring_manager
        who = f"the role's hiring manager ({manager.name})" if manager else "the role's hiring manager"
        raise DomainError(f"Only {who} or an admin records the decision.")
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError(
            "Write the rationale: a decision is recorded with the reasons for it, and nothing was saved."
        )
    if len(rationale) > MAX_RATIONALE_CHARS:
        raise DomainError(f"Keep the rationale under {MAX_RATIONALE_CHARS:,} characters.")
    debrief = loop.debrief
    if debrief is None:
        raise DomainError("Open the debrief first: a decision follows the panel's debrief.")
    if debrief.revealed_at is None:
        raise DomainError("Reveal the votes first: a decision is taken on the panel's revealed votes.")
    session.flush()  # a refresh would drop changes not yet sent
    session.refresh(loop, ["status"], with_for_update=True)  # one decision at a time per loop
    session.expire(loop, ["decisions"])
    current = current_decision(loop)
    reason = (supersede_reason or "").strip()
    if current is not None and not reason:
        raise ConflictError(
            f"A decision is already recorded ({OUTCOME_LABELS[current.outcome]}, "
            f"{current.created_at:%Y-%m-%d}). Decisions are never edited: give a reason to supersede it."
        )
    if len(reason) > MAX_RATIONALE_CHARS:
        raise DomainError(f"Keep the reason under {MAX_RATIONALE_CHARS:,} characters.")
    _check_tie_break(loop, choice)
    stage = _target_stage(loop, choice)
    decision = Decision(
        loop_id=loop.id,
        outcome=choice,
        rationale=rationale,
        tie_break=loop.template.tie_break.value,
        decided_by_id=actor.id,
        supersedes_id=current.id if current else None,
        supersede_reason=reason if current else "",
    )
    try:
        with session.begin_nested():
            session.add(decision)
    except IntegrityError:
        raise ConflictError("Someone recorded a decision a moment ago: reload and check it.") from None
    session.expire(loop, ["decisions"])
    before = loop.status
    loop.status = LoopStatus.DECIDED
    if debrief.closed_at is None:
        debrief.closed_at = utcnow()
    if stage is not None:
        move_application(
            session,
            loop.application,
            stage,
            actor_id=actor.id,
            reason=REJECTION_REASON if stage.kind is StageKind.REJECTED else "",
        )
    label = OUTCOME_LABELS[choice]
    record_audit(
        session,
        actor_id=actor.id,
        action="decision.superseded" if current else "decision.recorded",
        object_type="decision",
        object_id=decision.id,
        summary=f"{label} for {loop.application.candidate.name} ({loop.application.role.title})"
        + (f", superseding {OUTCOME_LABELS[current.outcome]}: {reason}" if current else "")
        + f" — {rationale}",
        before={
            "loop_status": before.value,
            "decision": current.outcome.value if current else None,
        },
        after={
            "loop_status": loop.status.value,
            "decision": choice.value,
            "tie_break": decision.tie_break,
            "stage": loop.application.stage.name,
        },
    )
    return decision


def decisions_of(session: Session, loop: InterviewLoop) -> list[Decision]:
    """The loop's decisions, newest first (the current one leads)."""
    statement = select(Decision).where(Decision.loop_id == loop.id).order_by(Decision.id.desc())
    return list(session.scalars(statement))
