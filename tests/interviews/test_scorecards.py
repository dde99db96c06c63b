"""Scorecards: drafts, submission rules, edits after submission (audited), the closed debrief, the
owner-only rule, the form page and the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session, utcnow
from core.errors import DomainError
from interviews.models import LoopStatus, Recommendation, Scorecard, ScorecardStatus
from interviews.services import scorecards
from interviews.services.scorecards import NotYourScorecard
from tests.interviews.test_loops_run import signed_in, started_loop
from tests.support.factories import create_test_user, sign_in

FULL = {
    "ml-depth": {"rating": 3, "note": "Derived the gradient of softmax cross-entropy unprompted."},
    "engineering": {"rating": 2, "note": "Tests only for the happy path."},
}


def save(
    card, *, ratings=FULL, takeaways="Strong on theory.", recommendation="yes", submit=True, actor=None
):
    return scorecards.save_scorecard(
        get_session(),
        card,
        ratings=ratings,
        takeaways=takeaways,
        recommendation=recommendation,
        submit=submit,
        actor_id=card.interviewer_id if actor is None else actor,
    )


@pytest.fixture
def card(session):
    """Ana's draft scorecard for the first round of a started loop."""
    ana = create_test_user(name="Ana")
    loop = started_loop(interviewers=[[ana]])
    return loop.rounds[0].scorecards[0]


def audit(session, action):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# ---------------------------------------------------------------- service


def test_a_draft_may_be_partial_and_stays_private_work(session, card):
    save(card, ratings={"ml-depth": {"rating": 4, "note": ""}}, recommendation=None, submit=False)
    assert card.status is ScorecardStatus.DRAFT and card.submitted_at is None
    assert card.ratings == {
        "ml-depth": {"rating": 4, "note": ""},
        "engineering": {"rating": None, "note": ""},
    }
    assert card.recommendation is None
    assert audit(session, "scorecard.submitted") == []


def test_submitting_needs_every_rating_with_evidence_and_a_recommendation(session, card):
    partial = {"ml-depth": {"rating": 3, "note": "   "}, "engineering": {"rating": None, "note": "Good"}}
    with pytest.raises(DomainError) as refused:
        save(card, ratings=partial, recommendation=None)
    message = refused.value.message
    assert "write the evidence for ML depth" in message and "rate Engineering" in message
    assert "recommendation" in message
    assert card.status is ScorecardStatus.DRAFT and card.ratings == {}  # nothing changed

    save(card)
    assert card.status is ScorecardStatus.SUBMITTED and card.submitted_at is not None
    assert card.recommendation is Recommendation.YES and card.takeaways == "Strong on theory."
    [event] = audit(session, "scorecard.submitted")
    assert event.object_id == str(card.id) and event.after == {"recommendation": "yes"}


def test_no_decision_is_an_explicit_recommendation(session, card):
    save(card, recommendation=Recommendation.NO_DECISION)
    assert card.recommendation is Recommendation.NO_DECISION


@pytest.mark.parametrize(
    ("ratings", "recommendation", "message"),
    [
        ({"ml-depth": {"rating": 5, "note": "x"}}, "yes", "a rating is 1, 2, 3 or 4"),
        ({"ml-depth": {"rating": 0, "note": "x"}}, "yes", "a rating is 1, 2, 3 or 4"),
        ({"ml-depth": {"rating": True, "note": "x"}}, "yes", "a rating is 1, 2, 3 or 4"),
        ({"culture": {"rating": 3, "note": "x"}}, "yes", "does not assess culture"),
        ({"ml-depth": {"rating": 3, "note": "x" * 5001}}, "yes", "under 5000"),
        ({}, "maybe", "Choose one of the recommendations"),
    ],
)
def test_bad_input_is_refused_even_for_drafts(session, card, ratings, recommendation, message):
    with pytest.raises(DomainError, match=message):
        save(card, ratings=ratings, recommendation=recommendation, submit=False)
    assert card.ratings == {} and card.recommendation is None


def test_only_the_owner_may_edit_their_scorecard(session, card):
    other = create_test_user(roles=[Role.HIRING_MANAGER])
    with pytest.raises(NotYourScorecard, match="Only the interviewer"):
        save(card, actor=other.id)
    assert card.status is ScorecardStatus.DRAFT and card.ratings == {}


def test_edits_after_submission_are_audited_with_before_and_after(session, card):
    save(card)
    changed = {**FULL, "engineering": {"rating": 3, "note": "On reflection the tests were fine."}}
    save(card, ratings=changed, recommendation="strong_yes", submit=False)
    assert card.status is ScorecardStatus.SUBMITTED  # saving a submitted card keeps it submitted
    [event] = audit(session, "scorecard.edited")
    assert event.before["ratings"]["engineering"] == {
        "rating": 2,
        "note": "Tests only for the happy path.",
    }
    assert event.after["ratings"]["engineering"]["rating"] == 3
    assert (event.before["recommendation"], event.after["recommendation"]) == ("yes", "strong_yes")
    save(card, ratings=changed, recommendation="strong_yes", submit=False)  # no change, no event
    assert len(audit(session, "scorecard.edited")) == 1


def test_a_submitted_card_cannot_lose_its_evidence(session, card):
    save(card)
    with pytest.raises(DomainError, match="To save the changes to the scorecard, write the evidence"):
        save(card, ratings={**FULL, "ml-depth": {"rating": 3, "note": ""}}, submit=False)
    assert card.ratings["ml-depth"]["note"] == FULL["ml-depth"]["note"]


@pytest.mark.parametrize("ending", ["debrief_closed", LoopStatus.DECIDED, LoopStatus.CANCELLED])
def test_no_edit_once_the_debrief_is_closed_or_the_loop_ended(session, card, ending):
    save(card)
    loop = card.round.loop
    if ending == "debrief_closed":
        assert loop.debrief is not None and loop.status is LoopStatus.DEBRIEF  # the last card opened it
        loop.debrief.closed_at = utcnow()
        expected = "The debrief is closed"
    else:
        loop.status = ending
        expected = f"This loop is {ending.value}"
    session.flush()
    with pytest.raises(DomainError, match=expected):
        save(card, recommendation="no", submit=False)
    assert card.recommendation is Recommendation.YES
    assert audit(session, "scorecard.edited") == []


def test_edits_are_allowed_while_the_debrief_is_open(session, card):
    save(card)
    assert card.round.loop.debrief is not None  # the only scorecard is in: the debrief opened
    save(card, recommendation="no", submit=False)
    assert card.recommendation is Recommendation.NO


def test_my_scorecards_are_on_running_loops_only(session):
    ana = create_test_user()
    running = started_loop(interviewers=[[ana], [ana]])
    ended = started_loop(interviewers=[[ana]])
    ended.status = LoopStatus.DECIDED
    session.flush()
    assert {c.round.loop_id for c in scorecards.my_scorecards(session, ana.id)} == {running.id}
    assert len(scorecards.my_scorecards(session, ana.id)) == 2


# ---------------------------------------------------------------- the page


def test_draft_then_submit_through_the_form(app, rollback, no_csrf):
    with app.app_context():
        ana = create_test_user()
        loop = started_loop(interviewers=[[ana]])
        get_session().commit()
        round_id = loop.rounds[0].id
    client = app.test_client()
    sign_in(client, ana.email)
    url = f"/interviews/rounds/{round_id}/scorecard"
    page = client.get(url).get_data(as_text=True)
    assert (
        "ML depth" in page and "Engineering" in page and "No decision" in page and "Strong Yes" in page
    )

    draft = {"rating_0": "3", "note_0": "Solid on losses.", "takeaways": "", "save": "Save draft"}
    assert client.post(url, data=draft).status_code == 302
    refused = client.post(url, data={**draft, "submit_card": "Submit scorecard"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "rate Engineering" in text and "recommendation" in text
    with app.app_context():
        card = get_session().scalars(select(Scorecard).where(Scorecard.round_id == round_id)).one()
        assert (
            card.status is ScorecardStatus.DRAFT
            and card.ratings["ml-depth"]["note"] == "Solid on losses."
        )

    complete = {
        **draft,
        "rating_1": "2",
        "note_1": "No tests.",
        "recommendation": "no_decision",
        "submit_card": "Submit scorecard",
    }
    done = client.post(url, data=complete, follow_redirects=True)
    assert "Scorecard submitted." in done.get_data(as_text=True)
    with app.app_context():
        card = get_session().get(Scorecard, card.id)
        assert (
            card.status is ScorecardStatus.SUBMITTED
            and card.recommendation is Recommendation.NO_DECISION
        )


def test_the_page_refuses_edits_after_the_debrief_closed(app, rollback, no_csrf):
    with app.app_context():
        ana = create_test_user()
        loop = started_loop(interviewers=[[ana]])
        save(loop.rounds[0].scorecards[0])  # the only scorecard: submitting it opens the debrief
        loop.debrief.closed_at = utcnow()
        get_session().commit()
        round_id = loop.rounds[0].id
    client = app.test_client()
    sign_in(client, ana.email)
    url = f"/interviews/rounds/{round_id}/scorecard"
    page = client.get(url).get_data(as_text=True)
    assert "The debrief is closed" in page and "Save changes" not in page
    posted = {
        **{f"rating_{i}": "1" for i in range(2)},
        "note_0": "x",
        "note_1": "y",
        "recommendation": "no",
    }
    refused = client.post(url, data={**posted, "submit_card": "Save changes"})
    assert "The debrief is closed" in refused.get_data(as_text=True)
    with app.app_context():
        card = get_session().scalars(select(Scorecard).where(Scorecard.round_id == round_id)).one()
        assert card.recommendation is Recommendation.YES and card.ratings == FULL


def test_a_manager_not_on_the_round_has_no_scorecard_to_fill(app, rollback, no_csrf):
    with app.app_context():
        loop = started_loop(interviewers=[[create_test_user()]])
        get_session().commit()
        round_id = loop.rounds[0].id
    client, _manager = signed_in(app, Role.HIRING_MANAGER)
    page = client.get(f"/interviews/rounds/{round_id}/scorecard").get_data(as_text=True)
    assert "You are not an interviewer of this round" in page and "Submit scorecard" not in page
    client.post(
        f"/interviews/rounds/{round_id}/scorecard", data={"recommendation": "yes", "submit_card": "1"}
    )
    with app.app_context():
        card = get_session().scalars(select(Scorecard).where(Scorecard.round_id == round_id)).one()
        assert card.recommendation is None


def test_the_export_is_csv_with_formulas_neutralised(app, rollback, no_csrf):
    with app.app_context():
        ana = create_test_user(name="Ana")
        loop = started_loop(interviewers=[[ana]])
        loop.application.candidate.name = "=HYPERLINK(1)"
        save(loop.rounds[0].scorecards[0], takeaways="+1 from me")
        get_session().commit()
        loop_id = loop.id
    client, _manager = signed_in(app, Role.HIRING_MANAGER)
    response = client.get(f"/interviews/loops/{loop_id}/scorecards.csv")
    assert response.mimetype == "text/csv"
    assert f"loop-{loop_id}-scorecards.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["competency"], r["rating"], r["evidence"]) for r in rows] == [
        ("ML depth", "3", FULL["ml-depth"]["note"]),
        ("Engineering", "2", FULL["engineering"]["note"]),
    ]
    assert {r["candidate"] for r in rows} == {"'=HYPERLINK(1)"}
    assert {r["takeaways"] for r in rows} == {"'+1 from me"}
    assert {r["recommendation"] for r in rows} == {"Yes"} and {r["interviewer"] for r in rows} == {"Ana"}
