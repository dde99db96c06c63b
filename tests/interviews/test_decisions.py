"""Decisions: who decides, the rationale, tie-break rules, supersession and the pipeline moves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.auth import Role
from core.db import get_session
from core.errors import ConflictError, DomainError
from hiring.models import StageChange, StageKind
from hiring.services.stages import build_default_stages
from interviews.models import Decision, DecisionOutcome, InterviewLoop, LoopStatus, TieBreak, Vote
from interviews.services.decisions import current_decision, record_decision
from tests.interviews.test_debriefs import audit_rows, build_panel, count, open_and_vote
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_role


def decide(session, panel, outcome, rationale="Strong evidence across rounds.", **fields):
    fields.setdefault("actor_id", panel.manager.id)
    return record_decision(session, panel.loop, outcome=outcome, rationale=rationale, **fields)


def revealed_panel(session, votes=None, **panel_fields):
    panel = build_panel(**panel_fields)
    open_and_vote(session, panel, votes or {"first": Vote.YES, "second": Vote.NO, "manager": Vote.YES})
    assert panel.loop.debrief.revealed_at is not None
    return panel


def snapshot(session, panel):
    session.flush()
    return (
        count(session, Decision),
        panel.loop.status,
        panel.loop.application.stage.name,
        count(session, StageChange),
    )


def test_a_decision_without_rationale_is_refused_and_changes_nothing(session):
    panel = revealed_panel(session)
    before = snapshot(session, panel)
    with pytest.raises(DomainError, match="Write the rationale"):
        decide(session, panel, DecisionOutcome.HIRE, rationale="   ")
    assert snapshot(session, panel) == before
    assert panel.loop.status is LoopStatus.DEBRIEF and audit_rows(session, "decision.") == []


def test_only_the_roles_hiring_manager_or_an_admin_decides(session):
    panel = revealed_panel(session)
    other_manager = create_test_user(roles=[Role.HIRING_MANAGER])
    for outsider in (panel.first, other_manager, create_test_user(roles=[Role.RECRUITER])):
        with pytest.raises(DomainError, match=r"Only the role's hiring manager \(.*\) or an admin"):
            decide(session, panel, DecisionOutcome.HOLD, actor_id=outsider.id)
    admin = create_test_user(roles=[Role.ADMIN])
    decision = decide(session, panel, DecisionOutcome.HOLD, actor_id=admin.id)
    assert decision.decided_by_id == admin.id


def test_a_decision_waits_for_the_revealed_votes(session):
    panel = build_panel()
    with pytest.raises(DomainError, match="Open the debrief first"):
        decide(session, panel, DecisionOutcome.HIRE)
    open_and_vote(session, panel, {"first": Vote.YES})
    with pytest.raises(DomainError, match="Reveal the votes first"):
        decide(session, panel, DecisionOutcome.HIRE)
    assert count(session, Decision) == 0


def test_the_hiring_manager_decides_mixed_votes_and_a_hire_moves_to_offer(session):
    panel = revealed_panel(session)  # Yes, No, Yes: mixed
    decision = decide(session, panel, DecisionOutcome.HIRE)
    assert decision.tie_break == TieBreak.HIRING_MANAGER.value
    assert current_decision(panel.loop) is decision and decision.supersedes_id is None
    assert panel.loop.status is LoopStatus.DECIDED and panel.loop.debrief.closed_at is not None
    application = panel.loop.application
    assert application.stage.name == "Offer"
    assert application.history[-1].to_stage.name == "Offer"
    [event] = audit_rows(session, "decision.")
    assert event.action == "decision.recorded" and "Hire for" in event.summary
    assert event.after["stage"] == "Offer" and event.after["tie_break"] == "hiring_manager"


def test_a_no_hire_rejects_with_the_debrief_reason_and_a_hold_stays(session):
    panel = revealed_panel(session)
    decide(session, panel, DecisionOutcome.HOLD)
    assert panel.loop.application.stage.name == "Onsite loop"
    decide(session, panel, DecisionOutcome.NO_HIRE, supersede_reason="The panel revisited coding.")
    application = panel.loop.application
    assert application.stage.kind is StageKind.REJECTED
    assert application.rejection_reason == "Debrief decision"
    assert application.history[-1].reason == "Debrief decision"


def test_the_bar_raisers_no_vetoes_a_hire_under_the_veto_rule(session):
    bar_raiser = create_test_user(roles=[Role.INTERVIEWER], name="Bea Raiser")
    panel = revealed_panel(
        session,
        {"first": Vote.NO, "second": Vote.STRONG_YES, "manager": Vote.STRONG_YES},
        tie_break=TieBreak.BAR_RAISER_VETO,
        bar_raiser=bar_raiser,
    )
    before = snapshot(session, panel)
    with pytest.raises(DomainError, match=r"Bar-raiser veto: Bea Raiser voted No.*bar-raiser veto"):
        decide(session, panel, DecisionOutcome.HIRE)
    assert snapshot(session, panel) == before
    decision = decide(session, panel, DecisionOutcome.NO_HIRE)
    assert decision.tie_break == "bar_raiser_veto"


def test_the_veto_rule_lets_a_hire_through_when_the_bar_raiser_says_yes(session):
    bar_raiser = create_test_user(roles=[Role.INTERVIEWER])
    panel = revealed_panel(
        session,
        {"first": Vote.YES, "second": Vote.STRONG_NO, "manager": Vote.YES},
        tie_break=TieBreak.BAR_RAISER_VETO,
        bar_raiser=bar_raiser,
    )
    assert decide(session, panel, DecisionOutcome.HIRE).outcome is DecisionOutcome.HIRE


def test_the_hiring_manager_rule_ignores_a_no_from_the_named_bar_raiser(session):
    bar_raiser = create_test_user(roles=[Role.INTERVIEWER])
    panel = revealed_panel(
        session,
        {"first": Vote.STRONG_NO, "second": Vote.YES, "manager": Vote.YES},
        tie_break=TieBreak.HIRING_MANAGER,
        bar_raiser=bar_raiser,
    )
    assert decide(session, panel, DecisionOutcome.HIRE).outcome is DecisionOutcome.HIRE


def test_decisions_are_immutable_and_a_new_one_supersedes_with_a_reason(session):
    panel = revealed_panel(session)
    first = decide(session, panel, DecisionOutcome.HIRE, rationale="Clear strengths.")
    with pytest.raises(ConflictError, match="give a reason to supersede"):
        decide(session, panel, DecisionOutcome.NO_HIRE, rationale="Reference check failed.")
    assert current_decision(panel.loop) is first and count(session, Decision) == 1

    second = decide(
        session,
        panel,
        DecisionOutcome.NO_HIRE,
        rationale="Reference check failed.",
        supersede_reason="New information from references.",
    )
    assert second.supersedes_id == first.id
    assert second.supersede_reason == "New information from references."
    assert current_decision(panel.loop) is second
    session.expire_all()
    kept = session.get(Decision, first.id)
    assert (kept.outcome, kept.rationale) == (DecisionOutcome.HIRE, "Clear strengths.")
    assert panel.loop.application.stage.kind is StageKind.REJECTED
    actions = [e.action for e in audit_rows(session, "decision.")]
    assert actions == ["decision.recorded", "decision.superseded"]
    third = decide(session, panel, DecisionOutcome.HIRE, supersede_reason="References cleared.")
    assert third.supersedes_id == second.id and panel.loop.application.stage.name == "Offer"
    assert [s.to_stage.name for s in panel.loop.application.history][-3:] == [
        "Offer",
        "Rejected",
        "Offer",
    ]


def test_a_hire_needs_an_offer_stage_on_the_role(session):
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    stages = [s for s in build_default_stages() if s.name != "Offer"]
    for position, stage in enumerate(stages):
        stage.position = position
    role = create_role(hiring_manager_id=manager.id, stages=stages)
    panel = revealed_panel(session, role=role)
    with pytest.raises(DomainError, match="has no 'Offer' stage"):
        decide(session, panel, DecisionOutcome.HIRE)
    assert count(session, Decision) == 0 and panel.loop.status is LoopStatus.DEBRIEF


def test_recording_a_decision_through_the_page(client, app, no_csrf):
    with app.app_context():
        session = get_session()
        panel = revealed_panel(session)
        loop_id, manager_email, first_email = panel.loop.id, panel.manager.email, panel.first.email
        session.commit()
    url = f"/interviews/loops/{loop_id}/decisions"
    sign_in(client, first_email)
    page = client.get(f"/interviews/loops/{loop_id}/debrief").get_data(as_text=True)
    assert "Record the decision" not in page
    refused = client.post(url, data={"outcome": "hire", "rationale": "Me too"}, follow_redirects=True)
    assert "or an admin records the decision" in refused.get_data(as_text=True)

    client.post("/logout")
    sign_in(client, manager_email)
    assert "Record the decision" in client.get(f"/interviews/loops/{loop_id}/debrief").get_data(
        as_text=True
    )
    empty = client.post(url, data={"outcome": "hire", "rationale": ""}, follow_redirects=True)
    assert "Write the rationale" in empty.get_data(as_text=True)
    with app.app_context():
        assert get_session().scalars(select(Decision)).all() == []
    done = client.post(
        url, data={"outcome": "hire", "rationale": "Strong <b>coder</b>"}, follow_redirects=True
    )
    html = done.get_data(as_text=True)
    assert "Decision recorded." in html and "hand the offer off" in html
    assert "Strong &lt;b&gt;coder&lt;/b&gt;" in html and "Hand off for approval" in html
    assert "Supersede the decision" in html
    with app.app_context():
        loop = get_session().get(InterviewLoop, loop_id)
        assert loop.status is LoopStatus.DECIDED and loop.application.stage.name == "Offer"
