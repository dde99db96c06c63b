"""A whole loop through the pages, as people would run it: a hiring manager plans and publishes the
role's loop from the shipped onsite template and starts it for an application; three interviewers
submit their scorecards (blind to each other until their own is in); the debrief opens by itself,
the panel votes (sealed until the last vote), and the hiring manager records the decision."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.auth import Role
from core.db import get_session
from interviews.models import (
    DecisionOutcome,
    InterviewLoop,
    LoopStatus,
    LoopTemplate,
    ScorecardStatus,
    TemplateStatus,
)
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_role

ONSITE = "ml-engineer-onsite"


def client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


def ok(client: FlaskClient, url: str, data: dict | None = None) -> None:
    """POST a form as a browser would (following the redirect) and check nothing was refused."""
    response = client.post(url, data=data or {}, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    assert b'class="flash flash-error"' not in response.data, response.get_data(as_text=True)


def test_a_hiring_manager_three_interviewers_and_a_panel_run_a_loop_to_a_decision(
    app, rollback, no_csrf
):
    with app.app_context():
        session = get_session()
        manager = create_test_user(roles=[Role.HIRING_MANAGER], name="Hana Manager")
        panel = [create_test_user(name=name) for name in ("Ivo One", "Jun Two", "Kit Three")]
        role = create_role(hiring_manager_id=manager.id)
        role.interviewers.extend(panel)
        application = create_application(role=role, stage_name="Onsite loop")
        session.commit()
        role_id, application_id = role.id, application.id
        emails = [user.email for user in panel]
        user_ids = [user.id for user in panel]
        manager_email = manager.email

    hm = client_for(app, manager_email)
    ok(hm, "/interviews/templates/sync")
    with app.app_context():
        onsite = get_session().scalar(select(LoopTemplate).where(LoopTemplate.slug == ONSITE))
        onsite_id = onsite.id
    ok(hm, f"/interviews/roles/{role_id}/loop", data={"template_id": onsite_id})

    # Staff every round from the role's panel, through the round form, then publish.
    with app.app_context():
        loop = get_session().scalar(select(LoopTemplate).where(LoopTemplate.role_id == role_id))
        rounds = [
            (r.id, r.kind.value, r.title, r.duration_minutes, list(r.competencies), list(r.question_ids))
            for r in loop.rounds
        ]
    for number, (round_id, kind, title, minutes, competencies, questions) in enumerate(rounds):
        prefix = f"round-{round_id}-"
        data = {
            f"{prefix}kind": kind,
            f"{prefix}title": title,
            f"{prefix}duration_minutes": str(minutes),
            f"{prefix}competencies": competencies,
            f"{prefix}question_ids": [str(q) for q in questions],
            f"{prefix}interviewer_ids": [str(user_ids[number % 3])],
            f"{prefix}notes": "",
        }
        ok(hm, f"/interviews/roles/{role_id}/loop/rounds/update?round={round_id}", data=data)
    ok(hm, f"/interviews/roles/{role_id}/loop/publish")
    with app.app_context():
        plan = get_session().scalar(select(LoopTemplate).where(LoopTemplate.role_id == role_id))
        assert plan.status is TemplateStatus.PUBLISHED
        assert all(len(r.interviewers) == 1 for r in plan.rounds)

    ok(hm, f"/interviews/applications/{application_id}/loop")
    with app.app_context():
        live = get_session().scalar(
            select(InterviewLoop).where(InterviewLoop.application_id == application_id)
        )
        loop_id = live.id
        cards = {
            card.round_id: (card.interviewer.email, len(card.round.competencies))
            for round_ in live.rounds
            for card in round_.scorecards
        }

    # Each interviewer fills in their scorecards on the scorecard page.
    interviewers = {email: client_for(app, email) for email in emails}
    for round_id, (email, competencies) in cards.items():
        page = interviewers[email].get(f"/interviews/rounds/{round_id}/scorecard")
        assert page.status_code == 200
        data = {f"rating_{i}": "3" for i in range(competencies)}
        data |= {f"note_{i}": f"Evidence {i}: explained the trade-off." for i in range(competencies)}
        data |= {"recommendation": "yes", "takeaways": "Solid.", "submit_card": "Submit scorecard"}
        ok(interviewers[email], f"/interviews/rounds/{round_id}/scorecard", data=data)
    with app.app_context():
        live = get_session().get(InterviewLoop, loop_id)
        states = {card.status for round_ in live.rounds for card in round_.scorecards}
        assert states == {ScorecardStatus.SUBMITTED}
        assert live.debrief is not None and live.status is LoopStatus.DEBRIEF  # opened by itself

    # Sealed votes: one panelist's vote value stays hidden from the others until the last vote.
    voters = [interviewers[email] for email in emails] + [hm]
    votes = ["yes", "strong_yes", "no", "yes"]
    for number, (client, vote) in enumerate(zip(voters[:-1], votes, strict=False)):
        comment = f"COMMENT-OF-VOTER-{number}"
        ok(client, f"/interviews/loops/{loop_id}/debrief/vote", data={"vote": vote, "comment": comment})
    debrief_url = f"/interviews/loops/{loop_id}/debrief"
    sealed = interviewers[emails[0]].get(debrief_url).get_data(as_text=True)
    assert "COMMENT-OF-VOTER-0" in sealed  # one's own vote
    assert "COMMENT-OF-VOTER-1" not in sealed and "COMMENT-OF-VOTER-2" not in sealed
    with app.app_context():
        assert get_session().get(InterviewLoop, loop_id).debrief.revealed_at is None
    ok(hm, debrief_url + "/vote", data={"vote": votes[-1], "comment": "COMMENT-OF-VOTER-3"})
    with app.app_context():
        assert get_session().get(InterviewLoop, loop_id).debrief.revealed_at is not None
    revealed = interviewers[emails[0]].get(debrief_url).get_data(as_text=True)
    assert all(f"COMMENT-OF-VOTER-{n}" in revealed for n in range(4))

    # The hiring manager decides; a decision without a rationale changes nothing.
    refused = hm.post(
        f"/interviews/loops/{loop_id}/decisions",
        data={"outcome": "hire", "rationale": ""},
        follow_redirects=True,
    )
    assert b'class="flash flash-error"' in refused.data
    ok(
        hm,
        f"/interviews/loops/{loop_id}/decisions",
        data={"outcome": "hire", "rationale": "Three yes votes backed by evidence in every round."},
    )
    with app.app_context():
        live = get_session().get(InterviewLoop, loop_id)
        assert live.status is LoopStatus.DECIDED
        assert [d.outcome for d in live.decisions] == [DecisionOutcome.HIRE]
        assert live.application.stage.name == "Offer"
