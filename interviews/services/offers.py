"""The offer hand-off of a hire decision: compensation budget and deadline, then an approval.

The approver role comes from the loop's template (``offer_approver_role``); an admin may always
approve. Nobody approves their own request unless they are an admin.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.auth import Role, User
from core.db import get_or_raise, utcnow
from core.errors import ConflictError, DomainError
from interviews.models import Decision, DecisionOutcome, InterviewLoop, Offer, OfferStatus
from interviews.services.decisions import current_decision

MAX_BUDGET = 100_000_000
MAX_NOTE_CHARS = 2_000
CURRENCY = re.compile(r"^[A-Z]{3}$")


def get_offer(session: Session, offer_id: int) -> Offer:
    """Load an offer or raise NotFoundError."""
    return get_or_raise(session, Offer, offer_id, "No such offer.")


def offer_for(session: Session, decision: Decision | None) -> Offer | None:
    """The offer handed off for a decision, if any."""
    if decision is None:
        return None
    return session.scalar(select(Offer).where(Offer.decision_id == decision.id))


def approver_label(role_value: str) -> str:
    try:
        return Role(role_value).label
    except ValueError:
        return role_value


def can_request_offer(user: User, loop: InterviewLoop) -> bool:
    """The role's hiring manager or recruiter, or an admin, hands an offer off."""
    role = loop.application.role
    return Role.ADMIN in user.roles or user.id in {role.hiring_manager_id, role.recruiter_id}


def can_review_offer(user: User, offer: Offer) -> bool:
    """Holders of the approver role (admins always), never the requester unless an admin."""
    if Role.ADMIN in user.roles:
        return True
    return (
        offer.approver_role in {role.value for role in user.roles} and user.id != offer.requested_by_id
    )


def create_offer(
    session: Session,
    decision: Decision,
    *,
    compensation_budget: int,
    currency: str,
    deadline: date,
    actor_id: int,
) -> Offer:
    """Hand a current hire decision off as an offer waiting for approval."""
    actor = get_or_raise(session, User, actor_id, "No such user.")
    loop = decision.loop
    if not can_request_offer(actor, loop):
        raise DomainError(
            "Only the role's hiring manager or recruiter, or an admin, hands off an offer."
        )
    if decision.outcome is not DecisionOutcome.HIRE:
        raise DomainError("Only a hire decision leads to an offer.")
    if current_decision(loop) is not decision:
        raise DomainError("This decision was superseded: hand off the offer of the current decision.")
    if not isinstance(compensation_budget, int) or compensation_budget <= 0:
        raise DomainError("Give the compensation budget as a positive whole amount.")
    if compensation_budget > MAX_BUDGET:
        raise DomainError(f"A yearly budget above {MAX_BUDGET:,} is surely a typo.")
    currency = (currency or "").strip().upper()
    if not CURRENCY.match(currency):
        raise DomainError("Give the currency as a three-letter code such as EUR or USD.")
    if deadline is None or deadline < utcnow().date():
        raise DomainError("The offer deadline cannot be in the past.")
    approver = loop.template.offer_approver_role or Role.ADMIN.value
    if approver not in {role.value for role in Role}:
        raise DomainError(
            f"The loop's offer approver role {approver!r} is not a known role: fix the role's loop."
        )
    offer = Offer(
        application_id=loop.application_id,
        decision_id=decision.id,
        compensation_budget=compensation_budget,
        currency=currency,
        deadline=deadline,
        approver_role=approver,
        requested_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(offer)
    except IntegrityError:
        raise ConflictError("An offer was already handed off for this decision.") from None
    record_audit(
        session,
        actor_id=actor.id,
        action="offer.requested",
        object_type="offer",
        object_id=offer.id,
        summary=f"Offer for {loop.application.candidate.name} ({loop.application.role.title}): "
        f"{compensation_budget:,} {currency} by {deadline:%Y-%m-%d}, "
        f"for {approver_label(approver)} approval",
        after={
            "compensation_budget": compensation_budget,
            "currency": currency,
            "deadline": deadline.isoformat(),
            "approver_role": approver,
        },
    )
    return offer


def review_offer(session: Session, offer: Offer, *, approve: bool, note: str, actor_id: int) -> Offer:
    """Approve or reject a pending offer (a rejection needs a note)."""
    actor = get_or_raise(session, User, actor_id, "No such user.")
    if offer.status is not OfferStatus.PENDING_APPROVAL:
        raise ConflictError(f"This offer was already {offer.status.value.replace('_', ' ')}.")
    if not can_review_offer(actor, offer):
        if offer.approver_role in {role.value for role in actor.roles}:
            raise DomainError(
                "You requested this offer: someone else with the approver role reviews it."
            )
        label = approver_label(offer.approver_role).lower()
        raise DomainError(f"Only a {label} or an admin reviews this offer.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise DomainError(f"Keep the note under {MAX_NOTE_CHARS:,} characters.")
    if not approve and not note:
        raise DomainError("Say why the offer is rejected: the note goes back to the requester.")
    if current_decision(offer.decision.loop) is not offer.decision:
        raise DomainError(
            "The hire decision behind this offer was superseded: there is nothing to approve."
        )
    offer.status = OfferStatus.APPROVED if approve else OfferStatus.REJECTED
    offer.reviewed_by_id = actor.id
    offer.reviewed_at = utcnow()
    offer.review_note = note
    record_audit(
        session,
        actor_id=actor.id,
        action="offer.approved" if approve else "offer.rejected",
        object_type="offer",
        object_id=offer.id,
        summary=f"Offer for {offer.application.candidate.name} "
        f"{'approved' if approve else 'rejected'}" + (f": {note}" if note else ""),
        before={"status": OfferStatus.PENDING_APPROVAL.value},
        after={"status": offer.status.value, "note": note},
    )
    return offer
