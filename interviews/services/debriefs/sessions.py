"""A debrief's life: who sits on the panel, opening (early only by the hiring manager, with a
reason), sealed votes revealed all at once, and closing.

Votes are sealed: until the reveal nobody, the hiring manager included, reads another panelist's
vote, only who has voted. The database guards the one-vote rule (a unique constraint); the debrief
row is locked while a vote is cast so that the last vote reliably triggers the reveal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from core.audit import record_audit
from core.auth import Role, User
from core.db import get_or_raise, utcnow
from core.errors import ConflictError, DomainError, NotFoundError
from hiring.models import Application, JobRole
from interviews.models import (
    Debrief,
    DebriefVote,
    InterviewLoop,
    InterviewRound,
    LoopStatus,
    Scorecard,
    ScorecardStatus,
    Vote,
)
from interviews.services.visibility import can_view_loop

MAX_TEXT_CHARS = 2_000


# ---------------------------------------------------------------- reading


# Everything the debrief page walks through, loaded in a few queries rather than one per round,
# scorecard and panelist.
_DEBRIEF_LOADING = (
    joinedload(InterviewLoop.application)
    .joinedload(Application.role)
    .joinedload(JobRole.hiring_manager),
    joinedload(InterviewLoop.application).joinedload(Application.candidate),
    joinedload(InterviewLoop.template),
    joinedload(InterviewLoop.debrief).selectinload(Debrief.votes).joinedload(DebriefVote.voter),
    selectinload(InterviewLoop.decisions),
    selectinload(InterviewLoop.rounds)
    .selectinload(InterviewRound.scorecards)
    .joinedload(Scorecard.interviewer),
    selectinload(InterviewLoop.rounds).selectinload(InterviewRound.transcripts),
)


def get_loop(session: Session, loop_id: int) -> InterviewLoop:
    """Load a loop (with its rounds, scorecards, panel and debrief) or raise NotFoundError."""
    loop = session.get(InterviewLoop, loop_id, options=_DEBRIEF_LOADING)
    if loop is None:
        raise NotFoundError("No such interview loop.")
    return loop


def panel_members(loop: InterviewLoop) -> list[User]:
    """Everyone with a scorecard on the loop (in round order), plus the role's hiring manager."""
    members: dict[int, User] = {}
    for round_ in loop.rounds:
        for card in round_.scorecards:
            members.setdefault(card.interviewer_id, card.interviewer)
    manager = loop.application.role.hiring_manager
    if manager is not None:
        members.setdefault(manager.id, manager)
    return list(members.values())


def is_hiring_manager(user: Any, loop: InterviewLoop) -> bool:
    """Is the user the hiring manager of the loop's role (or an admin, who may act for them)?"""
    if not getattr(user, "is_authenticated", True):
        return False
    return Role.ADMIN in user.roles or user.id == loop.application.role.hiring_manager_id


def can_view_debrief(user: Any, loop: InterviewLoop) -> bool:
    """Loop runners and the loop's panel (the role's hiring manager included) see its debrief."""
    if not user.is_authenticated:
        return False
    return can_view_loop(user, loop) or any(member.id == user.id for member in panel_members(loop))


def _scorecards(loop: InterviewLoop) -> list[Scorecard]:
    return [card for round_ in loop.rounds for card in round_.scorecards]


def missing_scorecards(loop: InterviewLoop) -> list[Scorecard]:
    """The loop's scorecards that are not submitted yet."""
    return [card for card in _scorecards(loop) if card.status is not ScorecardStatus.SUBMITTED]


def all_scorecards_submitted(loop: InterviewLoop) -> bool:
    return bool(_scorecards(loop)) and not missing_scorecards(loop)


@dataclass(frozen=True)
class Ballot:
    """One panelist's place in the vote: whether they voted and, once revealed (or their own), how."""

    voter: User
    voted: bool
    vote: Vote | None  # None while sealed (or not cast)
    comment: str
    cast_at: datetime | None
    is_own: bool


@dataclass(frozen=True)
class Ballots:
    """What one user may know about a debrief's votes."""

    revealed: bool
    ballots: tuple[Ballot, ...]
    own: Ballot | None  # the user's ballot when they are on the panel
    tally: dict[Vote, int]  # empty until revealed

    @property
    def voted_count(self) -> int:
        return sum(1 for ballot in self.ballots if ballot.voted)

    @property
    def waiting_for(self) -> list[User]:
        return [ballot.voter for ballot in self.ballots if not ballot.voted]


def votes_for(user: Any, debrief: Debrief) -> Ballots:
    """The debrief's ballots as ``user`` may see them: before the reveal only their own vote's value
    and who has voted; after it everyone's vote."""
    revealed = debrief.revealed_at is not None
    by_voter = {vote.voter_id: vote for vote in debrief.votes}
    panel = panel_members(debrief.loop)
    panel_ids = {member.id for member in panel}
    voters = panel + [vote.voter for vote in debrief.votes if vote.voter_id not in panel_ids]
    ballots = []
    for voter in voters:
        cast = by_voter.get(voter.id)
        is_own = voter.id == getattr(user, "id", None)
        readable = cast is not None and (revealed or is_own)
        ballots.append(
            Ballot(
                voter=voter,
                voted=cast is not None,
                vote=cast.vote if readable else None,
                comment=cast.comment if readable else "",
                cast_at=cast.cast_at if cast is not None else None,
                is_own=is_own,
            )
        )
    tally: dict[Vote, int] = {}
    if revealed:
        counts = Counter(vote.vote for vote in debrief.votes)
        tally = {option: counts.get(option, 0) for option in Vote}
    own = next((ballot for ballot in ballots if ballot.is_own and ballot.voter.id in panel_ids), None)
    return Ballots(revealed=revealed, ballots=tuple(ballots), own=own, tally=tally)


# ---------------------------------------------------------------- opening


def _actor(session: Session, actor_id: int) -> User:
    return get_or_raise(session, User, actor_id, "No such user.")


def _clean_text(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise DomainError(f"Keep the {what} under {MAX_TEXT_CHARS:,} characters.")
    return text


def _manager_only(loop: InterviewLoop, actor: User, action: str) -> None:
    if is_hiring_manager(actor, loop):
        return
    manager = loop.application.role.hiring_manager
    who = f"the role's hiring manager ({manager.name})" if manager else "the role's hiring manager"
    raise DomainError(f"Only {who} or an admin can {action}.")


def open_debrief(
    session: Session, loop: InterviewLoop, *, actor_id: int, early_reason: str = ""
) -> Debrief:
    """Open the loop's debrief: anyone on it once every scorecard is in; earlier only the role's
    hiring manager (or an admin), with a reason that is kept on the debrief and in the audit log."""
    actor = _actor(session, actor_id)
    if loop.debrief is not None:
        raise ConflictError("The debrief of this loop is already open.")
    if loop.status is LoopStatus.CANCELLED:
        raise DomainError("This loop was cancelled: there is nothing to debrief.")
    if not can_view_debrief(actor, loop):
        raise DomainError("Only the loop's panel and the people running it can open its debrief.")
    reason = _clean_text(early_reason, "reason")
    missing = missing_scorecards(loop)
    early = not all_scorecards_submitted(loop)
    if early:
        _manager_only(loop, actor, "open the debrief before every scorecard is in")
        if not reason:
            owed = len(missing)
            raise DomainError(
                f"{owed} scorecard{'' if owed == 1 else 's'} still missing: give a reason for opening "
                "the debrief early. It is kept on the debrief and in the audit log."
            )
    debrief = Debrief(
        loop_id=loop.id,
        opened_by_id=actor.id,
        opened_early=early,
        early_reason=reason if early else "",
    )
    try:
        with session.begin_nested():
            session.add(debrief)
    except IntegrityError:
        raise ConflictError("The debrief of this loop was opened a moment ago; reload.") from None
    session.expire(loop, ["debrief"])
    before = loop.status
    loop.status = LoopStatus.DEBRIEF
    candidate = loop.application.candidate.name
    record_audit(
        session,
        actor_id=actor.id,
        action="debrief.opened_early" if early else "debrief.opened",
        object_type="debrief",
        object_id=debrief.id,
        summary=f"Debrief of {candidate} opened"
        + (f" early ({len(missing)} scorecards missing): {reason}" if early else ""),
        before={"loop_status": before.value},
        after={
            "loop_status": loop.status.value,
            "opened_early": early,
            "reason": reason if early else "",
        },
    )
    return debrief


def maybe_open_debrief(session: Session, loop: InterviewLoop, *, actor_id: int) -> Debrief | None:
    """Open the debrief if every scorecard is in and it is not open yet (call after a submission)."""
    if loop.debrief is not None or loop.status is not LoopStatus.SCHEDULED:
        return None
    if not all_scorecards_submitted(loop):
        return None
    return open_debrief(session, loop, actor_id=actor_id)


# ---------------------------------------------------------------- voting


def _lock(session: Session, debrief: Debrief) -> None:
    """Reload the debrief under a row lock (PostgreSQL), so that concurrent votes queue up."""
    session.flush()  # a refresh would drop changes not yet sent
    session.refresh(debrief, with_for_update=True)


def _ensure_accepting_votes(debrief: Debrief) -> None:
    if debrief.closed_at is not None:
        raise ConflictError("The debrief is closed: votes can no longer be cast.")
    if debrief.revealed_at is not None:
        raise ConflictError("The votes were revealed: votes can no longer be cast or changed.")


def _parse_vote(vote: Vote | str) -> Vote:
    try:
        return Vote(vote)
    except ValueError:
        labels = ", ".join(option.label for option in Vote)
        raise DomainError(f"A vote is one of {labels}.") from None


def cast_vote(
    session: Session,
    debrief: Debrief,
    voter: User,
    vote: Vote | str,
    comment: str = "",
    *,
    actor_id: int,
) -> DebriefVote:
    """Cast a panelist's sealed vote (once, never changed); the last missing vote reveals them all."""
    choice = _parse_vote(vote)
    comment = _clean_text(comment, "comment")
    if actor_id != voter.id:
        raise DomainError("Votes are personal: nobody can vote for someone else.")
    loop = debrief.loop
    if voter.id not in {member.id for member in panel_members(loop)}:
        raise DomainError(
            f"{voter.name} is not on this loop's panel: only its interviewers and the role's hiring "
            "manager vote."
        )
    _lock(session, debrief)
    _ensure_accepting_votes(debrief)
    cast = DebriefVote(debrief_id=debrief.id, voter_id=voter.id, vote=choice, comment=comment)
    try:
        with session.begin_nested():
            session.add(cast)
    except IntegrityError:
        raise ConflictError(
            "You have already voted in this debrief. Votes are sealed and cannot be changed."
        ) from None
    session.expire(debrief, ["votes"])
    # The value stays out of the audit log: it would unseal the vote for anyone reading the log.
    record_audit(
        session,
        actor_id=actor_id,
        action="debrief.vote_cast",
        object_type="debrief",
        object_id=debrief.id,
        summary=f"{voter.name} cast a sealed vote on {loop.application.candidate.name}",
        after={"voter_id": voter.id},
    )
    voted = set(
        session.scalars(select(DebriefVote.voter_id).where(DebriefVote.debrief_id == debrief.id))
    )
    if {member.id for member in panel_members(loop)} <= voted:
        _reveal(session, debrief, actor_id=None)
    return cast


# ---------------------------------------------------------------- reveal and close


def _reveal(session: Session, debrief: Debrief, *, actor_id: int | None) -> None:
    debrief.revealed_at = utcnow()
    debrief.revealed_by_id = actor_id
    session.flush()
    tally = Counter(vote.vote.value for vote in debrief.votes)
    how = "by the hiring manager before everyone voted" if actor_id else "automatically: everyone voted"
    record_audit(
        session,
        actor_id=actor_id,
        action="debrief.votes_revealed",
        object_type="debrief",
        object_id=debrief.id,
        summary=f"Votes on {debrief.loop.application.candidate.name} revealed {how}",
        after={"tally": dict(tally), "early": actor_id is not None},
    )


def reveal_votes(session: Session, debrief: Debrief, *, actor_id: int) -> Debrief:
    """Reveal the votes before everyone has voted (the role's hiring manager or an admin only)."""
    actor = _actor(session, actor_id)
    _manager_only(debrief.loop, actor, "reveal the votes before everyone has voted")
    _lock(session, debrief)
    if debrief.revealed_at is not None:
        raise ConflictError("The votes are already revealed.")
    if not debrief.votes:
        raise DomainError("Nobody has voted yet: there is nothing to reveal.")
    _reveal(session, debrief, actor_id=actor.id)
    return debrief


def close_debrief(session: Session, debrief: Debrief, *, actor_id: int) -> Debrief:
    """Close the debrief once the votes are revealed (the role's hiring manager or an admin)."""
    actor = _actor(session, actor_id)
    _manager_only(debrief.loop, actor, "close the debrief")
    if debrief.closed_at is not None:
        raise ConflictError("The debrief is already closed.")
    if debrief.revealed_at is None:
        raise DomainError("Reveal the votes before closing the debrief.")
    debrief.closed_at = utcnow()
    record_audit(
        session,
        actor_id=actor.id,
        action="debrief.closed",
        object_type="debrief",
        object_id=debrief.id,
        summary=f"Debrief of {debrief.loop.application.candidate.name} closed",
    )
    return debrief
