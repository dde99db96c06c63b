"""Offer hand-off: only for the current hire decision, checked amounts and dates, and an approval by
the configured approver role (never the requester, unless an admin)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.auth import Role
from core.db import get_session
from core.errors import ConflictError, DomainError
from interviews.models import DecisionOutcome, Offer, OfferStatus, Vote
from interviews.services import offers
from interviews.services.decisions import record_decision
from tests.interviews.test_debriefs import audit_rows, build_panel, count, open_and_vote
from tests.support.factories import create_test_user, sign_in

NEXT_MONTH = date.today() + timedelta(days=30)


def hired(session, outcome=DecisionOutcome.HIRE, **panel_fields):
    panel = build_panel(**panel_fields)
    open_and_vote(session, panel, {"first": Vote.YES, "second": Vote.YES, "manager": Vote.YES})
    decision = record_decision(
        session, panel.loop, outcome=outcome, rationale="Unanimous yes.", actor_id=panel.manager.id
    )
    return panel, decision


def hand_off(session, panel, decision, **fields):
    values = {"compensation_budget": 95_000, "currency": "eur", "deadline": NEXT_MONTH}
    values.update(fields)
    return offers.create_offer(session, decision, actor_id=panel.manager.id, **values)


def test_a_hire_decision_is_handed_off_with_budget_deadline_and_approver(session):
    panel, decision = hired(session, offer_approver_role="hiring_manager")
    offer = hand_off(session, panel, decision)
    assert (offer.compensation_budget, offer.currency, offer.deadline) == (95_000, "EUR", NEXT_MONTH)
    assert offer.approver_role == "hiring_manager" and offer.status is OfferStatus.PENDING_APPROVAL
    assert (
        offer.application_id == panel.loop.application_id and offer.requested_by_id == panel.manager.id
    )
    assert offers.offer_for(session, decision) is offer
    [event] = audit_rows(session, "offer.")
    assert event.action == "offer.requested" and "95,000 EUR" in event.summary
    with pytest.raises(ConflictError, match="already handed off"):
        hand_off(session, panel, decision)
    assert count(session, Offer) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"compensation_budget": 0}, "positive whole amount"),
        ({"compensation_budget": -5}, "positive whole amount"),
        ({"currency": "euro"}, "three-letter code"),
        ({"deadline": date.today() - timedelta(days=1)}, "cannot be in the past"),
    ],
)
def test_bad_offer_input_is_refused_and_stores_nothing(session, fields, message):
    panel, decision = hired(session)
    with pytest.raises(DomainError, match=message):
        hand_off(session, panel, decision, **fields)
    assert count(session, Offer) == 0 and audit_rows(session, "offer.") == []


def test_only_a_current_hire_decision_leads_to_an_offer(session):
    panel, hold = hired(session, outcome=DecisionOutcome.HOLD)
    with pytest.raises(DomainError, match="Only a hire decision"):
        hand_off(session, panel, hold)
    hire = record_decision(
        session,
        panel.loop,
        outcome=DecisionOutcome.HIRE,
        rationale="Held role reopened.",
        supersede_reason="Headcount approved.",
        actor_id=panel.manager.id,
    )
    stale = record_decision(
        session,
        panel.loop,
        outcome=DecisionOutcome.HIRE,
        rationale="Same, restated.",
        supersede_reason="Typo in the rationale.",
        actor_id=panel.manager.id,
    )
    with pytest.raises(DomainError, match="superseded"):
        hand_off(session, panel, hire)
    assert hand_off(session, panel, stale).decision_id == stale.id


def test_only_the_hiring_manager_recruiter_or_admin_hands_off(session):
    panel, decision = hired(session)
    with pytest.raises(DomainError, match="hands off an offer"):
        offers.create_offer(
            session,
            decision,
            compensation_budget=1,
            currency="EUR",
            deadline=NEXT_MONTH,
            actor_id=panel.first.id,
        )


def test_the_approver_role_reviews_and_the_requester_cannot(session):
    panel, decision = hired(session, offer_approver_role="recruiter")
    offer = hand_off(session, panel, decision)
    with pytest.raises(DomainError, match="Only a recruiter or an admin reviews"):
        offers.review_offer(session, offer, approve=True, note="", actor_id=panel.manager.id)
    recruiter = create_test_user(roles=[Role.RECRUITER])
    with pytest.raises(DomainError, match="Say why the offer is rejected"):
        offers.review_offer(session, offer, approve=False, note=" ", actor_id=recruiter.id)
    assert offer.status is OfferStatus.PENDING_APPROVAL
    offers.review_offer(session, offer, approve=True, note="Within band.", actor_id=recruiter.id)
    assert offer.status is OfferStatus.APPROVED and offer.reviewed_by_id == recruiter.id
    assert offer.review_note == "Within band." and offer.reviewed_at is not None
    with pytest.raises(ConflictError, match="already approved"):
        offers.review_offer(session, offer, approve=False, note="No", actor_id=recruiter.id)
    assert [e.action for e in audit_rows(session, "offer.")] == ["offer.requested", "offer.approved"]


def test_a_requester_holding_the_approver_role_still_needs_someone_else(session):
    panel, decision = hired(session, offer_approver_role="hiring_manager")
    offer = hand_off(session, panel, decision)
    with pytest.raises(DomainError, match="You requested this offer"):
        offers.review_offer(session, offer, approve=True, note="", actor_id=panel.manager.id)
    admin = create_test_user(roles=[Role.ADMIN])
    offers.review_offer(session, offer, approve=False, note="Over budget.", actor_id=admin.id)
    assert offer.status is OfferStatus.REJECTED


def test_an_offer_of_a_superseded_decision_cannot_be_approved(session):
    panel, decision = hired(session)
    offer = hand_off(session, panel, decision)
    record_decision(
        session,
        panel.loop,
        outcome=DecisionOutcome.NO_HIRE,
        rationale="Candidate withdrew interest.",
        supersede_reason="Candidate call.",
        actor_id=panel.manager.id,
    )
    admin = create_test_user(roles=[Role.ADMIN])
    with pytest.raises(DomainError, match="was superseded"):
        offers.review_offer(session, offer, approve=True, note="", actor_id=admin.id)


def test_the_offer_pages_hand_off_and_approve(client, app, no_csrf):
    with app.app_context():
        session = get_session()
        panel, decision = hired(session, offer_approver_role="admin")
        loop_id, manager_email = panel.loop.id, panel.manager.email
        admin = create_test_user(roles=[Role.ADMIN])
        session.commit()
    sign_in(client, manager_email)
    url = f"/interviews/loops/{loop_id}/offer"
    past = (date.today() - timedelta(days=3)).isoformat()
    refused = client.post(
        url,
        data={"compensation_budget": 90000, "currency": "EUR", "deadline": past},
        follow_redirects=True,
    )
    assert "cannot be in the past" in refused.get_data(as_text=True)
    done = client.post(
        url,
        data={"compensation_budget": 90000, "currency": "USD", "deadline": NEXT_MONTH.isoformat()},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "Offer handed off for approval." in html and "90,000 USD" in html
    with app.app_context():
        offer_id = get_session().scalar(select(Offer.id).where(Offer.decision_id == decision.id))
    page = client.get(f"/interviews/offers/{offer_id}").get_data(as_text=True)
    assert "Waiting for approval by the admin role (you requested it" in page
    assert "Record the verdict" not in page

    client.post("/logout")
    sign_in(client, admin.email)
    page = client.get(f"/interviews/offers/{offer_id}").get_data(as_text=True)
    assert "Record the verdict" in page
    reviewed = client.post(
        f"/interviews/offers/{offer_id}/review", data={"verdict": "approve"}, follow_redirects=True
    )
    assert "Offer approved." in reviewed.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(Offer, offer_id).status is OfferStatus.APPROVED
