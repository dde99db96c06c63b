"""Debriefs: opening rules, sealed votes and their reveal, "who said what", the disagreement map,
the agenda, and panel access to the page. The helpers at the top also serve the decision, offer and
comparison tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.auth import Role, User
from core.db import get_session, utcnow
from core.errors import ConflictError, DomainError
from hiring.models import JobRole
from interviews.models import (
    BlindMode,
    DebriefVote,
    InterviewLoop,
    LoopStatus,
    LoopTemplate,
    Recommendation,
    Scorecard,
    ScorecardStatus,
    TieBreak,
    Transcript,
    TranscriptAnswer,
    Vote,
)
from interviews.services import debriefs
from tests.support.factories import TEST_PASSWORD, create_test_user, sign_in
from tests.support.hiring_factories import create_application, create_candidate, create_role
from tests.support.interview_factories import create_interview_loop, create_loop_template
from tests.support.rubric_factories import create_answer, create_question, create_score

# ---------------------------------------------------------------- helpers (shared)


@dataclass
class Panel:
    loop: InterviewLoop
    manager: User
    first: User  # interviewer of round 0
    second: User  # interviewer of round 1

    @property
    def cards(self) -> list[Scorecard]:
        return [card for round_ in self.loop.rounds for card in round_.scorecards]

    def card_of(self, user: User) -> Scorecard:
        return next(card for card in self.cards if card.interviewer_id == user.id)


def build_panel(
    *,
    role: JobRole | None = None,
    blind_mode: BlindMode = BlindMode.AFTER_OWN_SUBMISSION,
    tie_break: TieBreak = TieBreak.HIRING_MANAGER,
    bar_raiser: User | None = None,
    candidate_name: str | None = None,
    **template_fields,
) -> Panel:
    """A loop of two rounds with one interviewer each, for a role with its own hiring manager."""
    if role is None:
        manager = create_test_user(roles=[Role.HIRING_MANAGER])
        role = create_role(hiring_manager_id=manager.id)
    else:
        manager = get_session().get(User, role.hiring_manager_id)
    candidate = create_candidate(name=candidate_name) if candidate_name else create_candidate()
    application = create_application(role=role, candidate=candidate, stage_name="Onsite loop")
    first = bar_raiser or create_test_user(roles=[Role.INTERVIEWER])
    second = create_test_user(roles=[Role.INTERVIEWER])
    template = get_session().scalar(select(LoopTemplate).where(LoopTemplate.role_id == role.id))
    if template is None:
        template = create_loop_template(
            role=role,
            blind_mode=blind_mode,
            tie_break=tie_break,
            bar_raiser_id=bar_raiser.id if bar_raiser else None,
            **template_fields,
        )
    loop = create_interview_loop(
        application=application, template=template, interviewers=[[first], [second]]
    )
    return Panel(loop=loop, manager=manager, first=first, second=second)


def submit(
    card: Scorecard,
    ratings: dict[str, int],
    recommendation: Recommendation = Recommendation.YES,
    takeaways: str = "Solid.",
) -> None:
    """Fill in and submit a scorecard (what the scorecard service does, without its checks)."""
    card.ratings = {
        key: {"rating": value, "note": f"Evidence for {key}: {value}"} for key, value in ratings.items()
    }
    card.recommendation = recommendation
    card.takeaways = takeaways
    card.status = ScorecardStatus.SUBMITTED
    card.submitted_at = utcnow()
    get_session().flush()


def submit_all(panel: Panel, first: int = 3, second: int = 3) -> None:
    submit(panel.card_of(panel.first), {"ml-depth": first, "engineering": first})
    submit(panel.card_of(panel.second), {"ml-depth": second, "engineering": second})


def open_and_vote(session, panel: Panel, votes: dict[str, Vote]) -> None:
    """Open the debrief (all scorecards in) and cast the given votes ("first", "second", "manager")."""
    if any(card.status is not ScorecardStatus.SUBMITTED for card in panel.cards):
        submit_all(panel)
    debriefs.open_debrief(session, panel.loop, actor_id=panel.manager.id)
    for who, vote in votes.items():
        voter = getattr(panel, who)
        debriefs.cast_vote(session, panel.loop.debrief, voter, vote, actor_id=voter.id)


def add_ai_score(round_, level: float, *, index: int = 0) -> Transcript:
    """A transcript of the round with one answer scored by the embedding scorer at ``level``."""
    question = create_question()
    text = "I would apply the chain rule backwards from the loss through each layer."
    answer = create_answer(question=question, text=text)
    create_score(answer=answer, level=level)
    transcript = Transcript(round=round_, body=text, source_name="round.txt")
    transcript.answers.append(
        TranscriptAnswer(
            index=index, start=0, end=len(text), text=text, question_id=question.id, answer_id=answer.id
        )
    )
    get_session().add(transcript)
    get_session().flush()
    return transcript


def audit_rows(session, action_prefix: str) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.action.startswith(action_prefix))
    return list(session.scalars(statement.order_by(AuditEvent.id)))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- panel and opening


def test_the_panel_is_every_interviewer_plus_the_hiring_manager(session):
    panel = build_panel()
    members = debriefs.panel_members(panel.loop)
    assert [m.id for m in members] == [panel.first.id, panel.second.id, panel.manager.id]


def test_opening_needs_every_scorecard_or_the_hiring_manager_with_a_reason(session):
    panel = build_panel()
    submit(panel.card_of(panel.first), {"ml-depth": 3})
    with pytest.raises(DomainError, match="Only the role's hiring manager"):
        debriefs.open_debrief(session, panel.loop, actor_id=panel.first.id, early_reason="Hurry")
    with pytest.raises(DomainError, match="1 scorecard still missing: give a reason"):
        debriefs.open_debrief(session, panel.loop, actor_id=panel.manager.id, early_reason="  ")
    assert panel.loop.debrief is None and panel.loop.status is LoopStatus.SCHEDULED

    debrief = debriefs.open_debrief(
        session, panel.loop, actor_id=panel.manager.id, early_reason="Candidate has a competing offer."
    )
    assert debrief.opened_early and debrief.early_reason == "Candidate has a competing offer."
    assert debrief.opened_by_id == panel.manager.id
    assert panel.loop.status is LoopStatus.DEBRIEF and panel.loop.debrief is debrief
    [event] = audit_rows(session, "debrief.opened")
    assert event.action == "debrief.opened_early" and "competing offer" in event.summary
    with pytest.raises(ConflictError, match="already open"):
        debriefs.open_debrief(session, panel.loop, actor_id=panel.manager.id, early_reason="again")


def test_any_panelist_opens_once_every_scorecard_is_in_and_outsiders_cannot(session):
    panel = build_panel()
    submit_all(panel)
    outsider = create_test_user(roles=[Role.INTERVIEWER])
    with pytest.raises(DomainError, match="Only the loop's panel"):
        debriefs.open_debrief(session, panel.loop, actor_id=outsider.id)
    debrief = debriefs.open_debrief(session, panel.loop, actor_id=panel.second.id)
    assert not debrief.opened_early and debrief.early_reason == ""
    assert [e.action for e in audit_rows(session, "debrief.")] == ["debrief.opened"]


def test_maybe_open_debrief_opens_only_after_the_last_submission(session):
    panel = build_panel()
    submit(panel.card_of(panel.first), {"ml-depth": 3})
    assert debriefs.maybe_open_debrief(session, panel.loop, actor_id=panel.first.id) is None
    submit(panel.card_of(panel.second), {"ml-depth": 2})
    debrief = debriefs.maybe_open_debrief(session, panel.loop, actor_id=panel.second.id)
    assert debrief is not None and panel.loop.status is LoopStatus.DEBRIEF
    assert debriefs.maybe_open_debrief(session, panel.loop, actor_id=panel.second.id) is None


# ---------------------------------------------------------------- votes


def test_votes_are_sealed_until_the_last_vote_reveals_them_all(session):
    panel = build_panel()
    open_and_vote(session, panel, {"first": Vote.STRONG_NO})
    debrief = panel.loop.debrief
    mine = debriefs.votes_for(panel.first, debrief)
    theirs = debriefs.votes_for(panel.manager, debrief)
    assert not mine.revealed and mine.own.vote is Vote.STRONG_NO
    sealed = next(b for b in theirs.ballots if b.voter.id == panel.first.id)
    assert sealed.voted and sealed.vote is None and sealed.comment == "" and theirs.tally == {}
    assert theirs.voted_count == 1 and {u.id for u in theirs.waiting_for} == {
        panel.second.id,
        panel.manager.id,
    }
    # The audit log says who voted, never how.
    [cast] = audit_rows(session, "debrief.vote_cast")
    assert "strong" not in cast.summary.lower() and "vote" not in (cast.after or {})

    debriefs.cast_vote(session, debrief, panel.second, Vote.YES, "Good", actor_id=panel.second.id)
    assert debrief.revealed_at is None
    debriefs.cast_vote(session, debrief, panel.manager, "yes", actor_id=panel.manager.id)
    assert debrief.revealed_at is not None and debrief.revealed_by_id is None
    after = debriefs.votes_for(panel.second, debrief)
    assert after.revealed and after.tally[Vote.YES] == 2 and after.tally[Vote.STRONG_NO] == 1
    assert {b.voter.id: b.vote for b in after.ballots}[panel.first.id] is Vote.STRONG_NO
    [reveal] = audit_rows(session, "debrief.votes_revealed")
    assert "automatically" in reveal.summary and reveal.after["tally"] == {"strong_no": 1, "yes": 2}


def test_a_vote_from_outside_the_panel_is_refused_and_stores_nothing(session):
    panel = build_panel()
    open_and_vote(session, panel, {})
    recruiter = create_test_user(roles=[Role.RECRUITER])
    with pytest.raises(DomainError, match="not on this loop's panel"):
        debriefs.cast_vote(session, panel.loop.debrief, recruiter, Vote.YES, actor_id=recruiter.id)
    with pytest.raises(DomainError, match="nobody can vote for someone else"):
        debriefs.cast_vote(session, panel.loop.debrief, panel.first, Vote.YES, actor_id=panel.manager.id)
    with pytest.raises(DomainError, match="A vote is one of Strong No, No, Yes, Strong Yes"):
        debriefs.cast_vote(session, panel.loop.debrief, panel.first, "maybe", actor_id=panel.first.id)
    assert count(session, DebriefVote) == 0


def test_a_second_vote_is_refused_by_the_constraint_and_keeps_the_first(session):
    panel = build_panel()
    open_and_vote(session, panel, {"first": Vote.YES})
    with pytest.raises(ConflictError, match="already voted in this debrief"):
        debriefs.cast_vote(session, panel.loop.debrief, panel.first, Vote.NO, actor_id=panel.first.id)
    session.flush()  # the refused row left nothing pending
    [vote] = session.scalars(select(DebriefVote)).all()
    assert vote.vote is Vote.YES and vote.voter_id == panel.first.id
    assert len(audit_rows(session, "debrief.vote_cast")) == 1


def test_the_hiring_manager_reveals_early_and_late_votes_are_refused(session):
    panel = build_panel()
    open_and_vote(session, panel, {"first": Vote.NO})
    debrief = panel.loop.debrief
    with pytest.raises(DomainError, match="Only the role's hiring manager"):
        debriefs.reveal_votes(session, debrief, actor_id=panel.first.id)
    assert debrief.revealed_at is None
    debriefs.reveal_votes(session, debrief, actor_id=panel.manager.id)
    assert debrief.revealed_at is not None and debrief.revealed_by_id == panel.manager.id
    assert "by the hiring manager" in audit_rows(session, "debrief.votes_revealed")[0].summary
    with pytest.raises(ConflictError, match="votes were revealed"):
        debriefs.cast_vote(session, debrief, panel.second, Vote.YES, actor_id=panel.second.id)
    with pytest.raises(ConflictError, match="already revealed"):
        debriefs.reveal_votes(session, debrief, actor_id=panel.manager.id)
    assert count(session, DebriefVote) == 1


def test_nothing_to_reveal_before_any_vote_and_closing_needs_the_reveal(session):
    panel = build_panel()
    open_and_vote(session, panel, {})
    debrief = panel.loop.debrief
    with pytest.raises(DomainError, match="Nobody has voted yet"):
        debriefs.reveal_votes(session, debrief, actor_id=panel.manager.id)
    with pytest.raises(DomainError, match="Reveal the votes before closing"):
        debriefs.close_debrief(session, debrief, actor_id=panel.manager.id)
    debriefs.cast_vote(session, debrief, panel.first, Vote.YES, actor_id=panel.first.id)
    debriefs.reveal_votes(session, debrief, actor_id=panel.manager.id)
    debriefs.close_debrief(session, debrief, actor_id=panel.manager.id)
    assert debrief.closed_at is not None
    with pytest.raises(ConflictError, match="closed"):
        debriefs.cast_vote(session, debrief, panel.second, Vote.YES, actor_id=panel.second.id)


# ---------------------------------------------------------------- evidence


def test_who_said_what_follows_the_blind_rule(session):
    panel = build_panel()
    submit(
        panel.card_of(panel.second), {"ml-depth": 1, "engineering": 2}, Recommendation.NO, "Weak on ML."
    )
    # The first interviewer has not submitted: they see only their own (draft) scorecard.
    rows = debriefs.who_said_what(panel.loop, panel.first)
    assert [row.interviewer.id for row in rows] == [panel.first.id]
    submit(panel.card_of(panel.first), {"ml-depth": 4, "engineering": 3}, Recommendation.STRONG_YES)
    rows = debriefs.who_said_what(panel.loop, panel.first)
    second = next(row for row in rows if row.interviewer.id == panel.second.id)
    assert second.recommendation is Recommendation.NO and second.takeaways == "Weak on ML."
    assert [(r.key, r.rating) for r in second.ratings] == [("ml-depth", 1), ("engineering", 2)]
    assert second.ratings[0].note == "Evidence for ml-depth: 1" and second.anchor.startswith(
        "scorecard-"
    )


def test_the_disagreement_map_puts_humans_and_ai_side_by_side_with_the_spread(session):
    panel = build_panel()
    submit(panel.card_of(panel.first), {"ml-depth": 4, "engineering": 3})
    submit(panel.card_of(panel.second), {"ml-depth": 1, "engineering": 3})
    transcript = add_ai_score(panel.loop.rounds[0], 2.0, index=3)
    recruiter = create_test_user(roles=[Role.RECRUITER])
    result = debriefs.disagreement_map(session, panel.loop, recruiter)
    assert result.ai_visible
    assert [(c.source, c.label) for c in result.columns] == [
        ("human", panel.first.name),
        ("human", panel.second.name),
        ("ai", "AI"),
    ]
    rows = {row.key: row for row in result.rows}
    depth = rows["ml-depth"]
    assert [cell.level if cell else None for cell in depth.cells] == [4.0, 1.0, 2.0]
    assert depth.spread == 3 and depth.split
    assert rows["engineering"].spread == 1 and not rows["engineering"].split
    human_link = depth.cells[0].links[0]
    assert human_link.anchor == f"scorecard-{panel.card_of(panel.first).id}"
    ai_link = depth.cells[2].links[0]
    assert (ai_link.transcript_id, ai_link.anchor) == (transcript.id, "answer-3")


def test_an_answer_counts_under_the_round_that_asks_its_question(session):
    """A whole-onsite transcript kept on the first round: its answer to the second round's question
    is shown in the second round's AI column (that round's competencies), not the first's."""
    panel = build_panel()
    second_round = panel.loop.rounds[1]
    transcript = add_ai_score(panel.loop.rounds[0], 3.0)
    second_round.question_ids = [transcript.answers[0].question_id]
    session.flush()
    recruiter = create_test_user(roles=[Role.RECRUITER])
    result = debriefs.disagreement_map(session, panel.loop, recruiter)
    assert [(c.source, c.round_title) for c in result.columns] == [("ai", second_round.title)]


def test_ai_scores_stay_hidden_from_a_blind_panelist(session):
    panel = build_panel()
    submit(panel.card_of(panel.second), {"ml-depth": 1})
    add_ai_score(panel.loop.rounds[0], 4.0)
    result = debriefs.disagreement_map(session, panel.loop, panel.first)  # own card still a draft
    assert not result.ai_visible and all(column.source == "human" for column in result.columns)
    assert result.columns == ()  # and no colleague's rating either


def test_the_agenda_puts_splits_first_then_mixed_recommendations_then_agreement(session):
    panel = build_panel(
        competencies=[
            {"key": "ml-depth", "title": "ML depth"},
            {"key": "engineering", "title": "Engineering"},
            {"key": "communication", "title": "Communication"},
        ]
    )
    submit(panel.card_of(panel.first), {"ml-depth": 2, "engineering": 4}, Recommendation.YES)
    submit(panel.card_of(panel.second), {"ml-depth": 3, "engineering": 1}, Recommendation.NO)
    items = debriefs.agenda(panel.loop)
    assert [(item.title, item.signal) for item in items] == [
        ("Engineering", "split"),
        ("ML depth", "differs"),
        ("Mixed recommendations", "mixed"),
        ("Communication", "no evidence"),
    ]
    assert "1 No, 1 Yes" in items[2].detail


def test_unanimous_signals_come_last(session):
    panel = build_panel()
    submit(panel.card_of(panel.first), {"ml-depth": 3, "engineering": 4}, Recommendation.STRONG_YES)
    submit(panel.card_of(panel.second), {"ml-depth": 3, "engineering": 2}, Recommendation.YES)
    items = debriefs.agenda(panel.loop)
    assert [(item.title, item.signal) for item in items] == [
        ("Engineering", "split"),
        ("ML depth", "unanimous"),
        ("Unanimous recommendation", "unanimous"),
    ]


# ---------------------------------------------------------------- pages


def ballots_table(html: str) -> str:
    match = re.search(r'<table class="ballots">(.*?)</table>', html, re.S)
    assert match, html
    return match.group(1)


def test_the_page_never_shows_a_sealed_vote_until_the_reveal(client, app, no_csrf):
    with app.app_context():
        session = get_session()
        panel = build_panel(candidate_name="Ada <b>Sealed</b>")
        open_and_vote(session, panel, {})
        debriefs.cast_vote(
            session,
            panel.loop.debrief,
            panel.first,
            Vote.STRONG_NO,
            "SECRET-REASON",
            actor_id=panel.first.id,
        )
        loop_id, manager_email, second_email = panel.loop.id, panel.manager.email, panel.second.email
        session.commit()
    url = f"/interviews/loops/{loop_id}/debrief"
    sign_in(client, manager_email)
    html = client.get(url).get_data(as_text=True)
    table = ballots_table(html)
    assert "Strong No" not in table and "SECRET-REASON" not in html and "sealed" in table
    assert "1 of 3 voted" in html and "Ada &lt;b&gt;Sealed&lt;/b&gt;" in html
    assert "Reveal the votes now" in html  # the hiring manager may reveal early

    client.post("/logout")
    sign_in(client, second_email)
    html = client.get(url).get_data(as_text=True)
    assert "Strong No" not in ballots_table(html) and "SECRET-REASON" not in html
    assert "Cast my sealed vote" in html and "Reveal the votes now" not in html
    response = client.post(f"{url}/vote", data={"vote": "yes", "comment": "fine"}, follow_redirects=True)
    assert "Your vote is cast and sealed" in response.get_data(as_text=True)
    again = client.post(f"{url}/vote", data={"vote": "no"}, follow_redirects=True).get_data(as_text=True)
    assert "already voted" in again
    assert "Strong No" not in ballots_table(again) and "SECRET-REASON" not in again

    client.post("/logout")
    sign_in(client, manager_email)
    client.post(f"{url}/vote", data={"vote": "yes"})
    revealed = client.get(url).get_data(as_text=True)
    assert "Strong No" in ballots_table(revealed) and "SECRET-REASON" in revealed
    with app.app_context():
        assert count(get_session(), DebriefVote) >= 3


def test_panel_members_reach_the_page_and_other_interviewers_get_403(client, app, no_csrf):
    with app.app_context():
        panel = build_panel()
        outsider = create_test_user(roles=[Role.INTERVIEWER])
        loop_id, first_email, outsider_email = panel.loop.id, panel.first.email, outsider.email
        get_session().commit()
    url = f"/interviews/loops/{loop_id}/debrief"
    sign_in(client, outsider_email)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/vote", data={"vote": "yes"}).status_code == 403
    client.post("/logout")
    sign_in(client, first_email)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2 scorecards still missing" in html and "Open the debrief early" not in html
    refused = client.post(f"{url}/open", data={"early_reason": "now"}, follow_redirects=True)
    assert "Only the role&#39;s hiring manager" in refused.get_data(as_text=True)
    with app.app_context():
        assert get_session().get(InterviewLoop, loop_id).debrief is None


def test_the_hiring_manager_opens_early_from_the_page_with_a_reason(client, app, no_csrf):
    with app.app_context():
        panel = build_panel()
        loop_id, manager_email = panel.loop.id, panel.manager.email
        get_session().commit()
    url = f"/interviews/loops/{loop_id}/debrief"
    sign_in(client, manager_email)
    assert "Open the debrief early" in client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/open", data={"early_reason": ""}, follow_redirects=True)
    assert "give a reason" in refused.get_data(as_text=True)
    opened = client.post(f"{url}/open", data={"early_reason": "Offer deadline"}, follow_redirects=True)
    html = opened.get_data(as_text=True)
    assert "The debrief is open" in html and "Offer deadline" in html and "0 of 3 voted" in html


def test_the_vote_form_carries_and_needs_its_csrf_token(client, app):
    with app.app_context():
        session = get_session()
        panel = build_panel()
        open_and_vote(session, panel, {})
        loop_id, email = panel.loop.id, panel.first.email
        session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token})
    url = f"/interviews/loops/{loop_id}/debrief"
    html = client.get(url).get_data(as_text=True)
    form = re.search(
        r'action="([^"]+/vote)".*?name="csrf_token" type="hidden" value="([^"]+)"', html, re.S
    )
    assert form, "the vote form has no CSRF token"
    assert client.post(form.group(1), data={"vote": "yes"}).status_code == 400
    with app.app_context():
        assert count(get_session(), DebriefVote) == 0
    response = client.post(form.group(1), data={"vote": "yes", "csrf_token": form.group(2)})
    assert response.status_code == 302
    with app.app_context():
        assert count(get_session(), DebriefVote) == 1
