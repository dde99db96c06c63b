"""Role comparison: one row per debriefed candidate, read through the sealing and blind rules."""

from __future__ import annotations

from core.auth import Role
from core.db import get_session
from interviews.models import DecisionOutcome, Recommendation, Vote
from interviews.services import debriefs
from interviews.services.comparison import role_comparison
from interviews.services.decisions import record_decision
from tests.interviews.test_debriefs import add_ai_score, build_panel, open_and_vote, submit
from tests.support.factories import create_test_user, sign_in


def three_candidates(session):
    """A decided candidate, one with sealed votes, and one not debriefed yet, all for one role."""
    decided = build_panel(candidate_name="Dana Decided")
    role = decided.loop.application.role
    submit(decided.card_of(decided.first), {"ml-depth": 4, "engineering": 3}, Recommendation.STRONG_YES)
    submit(decided.card_of(decided.second), {"ml-depth": 2, "engineering": 3}, Recommendation.NO)
    add_ai_score(decided.loop.rounds[0], 3.0)
    open_and_vote(session, decided, {"first": Vote.YES, "second": Vote.NO, "manager": Vote.YES})
    record_decision(
        session,
        decided.loop,
        outcome=DecisionOutcome.HIRE,
        rationale="Depth outweighs the coding gap.",
        actor_id=decided.manager.id,
    )
    sealed = build_panel(role=role, candidate_name="Sam Sealed")
    open_and_vote(session, sealed, {"first": Vote.STRONG_NO})
    waiting = build_panel(role=role, candidate_name="Wes Waiting")
    return role, decided, sealed, waiting


def test_one_row_per_debriefed_candidate_with_tally_means_ai_and_decision(session):
    role, decided, sealed, _waiting = three_candidates(session)
    recruiter = create_test_user(roles=[Role.RECRUITER])
    result = role_comparison(session, role, recruiter)
    assert result.competencies == (("ml-depth", "ML depth"), ("engineering", "Engineering"))
    rows = {row.candidate_name: row for row in result.rows}
    assert set(rows) == {"Dana Decided", "Sam Sealed"}

    done = rows["Dana Decided"]
    assert done.revealed and done.tally[Vote.YES] == 2 and done.tally[Vote.NO] == 1
    assert done.means == {"ml-depth": 3.0, "engineering": 3.0}
    assert done.recommendations == {Recommendation.NO: 1, Recommendation.STRONG_YES: 1}
    assert done.ai_visible and done.ai_overall == 3.0
    assert done.decision.outcome is DecisionOutcome.HIRE

    waiting = rows["Sam Sealed"]
    assert not waiting.revealed and waiting.tally == {} and waiting.voted == 1
    assert waiting.panel_size == 3 and waiting.decision is None and waiting.ai_overall is None


def test_a_blind_panelist_sees_neither_colleagues_ratings_nor_ai(session):
    panel = build_panel()
    submit(panel.card_of(panel.second), {"ml-depth": 1, "engineering": 1}, Recommendation.STRONG_NO)
    add_ai_score(panel.loop.rounds[1], 1.0)
    debriefs.open_debrief(session, panel.loop, actor_id=panel.manager.id, early_reason="Deadline")
    result = role_comparison(session, panel.loop.application.role, panel.first)
    [row] = result.rows
    assert not row.ai_visible and row.ai_overall is None
    assert row.means == {"ml-depth": None, "engineering": None} and row.recommendations == {}
    outsider = create_test_user(roles=[Role.INTERVIEWER])
    assert role_comparison(session, panel.loop.application.role, outsider).rows == ()


def test_the_comparison_page(client, app, no_csrf):
    with app.app_context():
        session = get_session()
        role, decided, sealed, _waiting = three_candidates(session)
        role_id = role.id
        manager_email = decided.manager.email
        interviewer_email = decided.first.email
        session.commit()
    sign_in(client, manager_email)
    html = client.get(f"/interviews/roles/{role_id}/comparison").get_data(as_text=True)
    assert "Dana Decided" in html and "Sam Sealed" in html and "Wes Waiting" not in html
    assert "sealed (1 of 3 voted)" in html and "Strong No" not in html
    assert "Hire" in html and "Pending" in html and "3.0" in html
    client.post("/logout")
    sign_in(client, interviewer_email)
    assert client.get(f"/interviews/roles/{role_id}/comparison").status_code == 403


def test_an_empty_comparison_says_so(client, app, no_csrf):
    with app.app_context():
        panel = build_panel()
        role_id, email = panel.loop.application.role_id, panel.manager.email
        get_session().commit()
    sign_in(client, email)
    html = client.get(f"/interviews/roles/{role_id}/comparison").get_data(as_text=True)
    assert "No candidate of this role has been debriefed yet." in html
