"""Anonymised review: on a role with the flag on, an interviewer's pages show a pseudonym and redacted
texts, the loop runners see the real data with a banner, and both AI scorers (the judge checked on
our fake OpenAI server) are given only the redacted answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit import AuditEvent
from core.auth import Role
from core.db import utcnow
from hiring.models import CandidateDocument, DocumentKind
from hiring.services.roles import update_role
from interviews.models import BlindMode, InterviewLoop, Transcript, TranscriptStatus
from interviews.services import anonymity
from interviews.services.transcripts import scoring
from rubrics.jobs import build_embedding_scorer
from rubrics.models import Answer
from tests.interviews.test_transcript_views import client_for, db
from tests.interviews.test_transcripts_job import onsite_loop, run_worker, stored_transcript
from tests.support.factories import create_test_user

NAME, EMAIL, SCHOOL = "Priya Raman", "priya.raman@example.org", "University of Toronto"
FORBIDDEN = re.compile(r"priya|raman|toronto|\bshe\b|\bher\b", re.I)

SUMMARY = f"{NAME} studied at the {SCHOOL}. She builds evaluation pipelines; mail {EMAIL}."
PORTFOLIO = f"My name is {NAME}. Her blog posts cover LLM evals. Contact: {EMAIL}."
TRANSCRIPT = f"""Interviewer: Welcome, {NAME}. How would you notice that a production model drifts?
Candidate: I'm Priya. At the {SCHOOL} she said I should monitor the input feature distributions
and the prediction distribution against the training data every day, with a population stability
index per feature and alerts on large shifts; write to {EMAIL}. Retraining runs on a schedule and on
alerts, and the new model is promoted only if it beats the current one on a recent holdout.
Interviewer: Thanks. What does a loss function do, and how does backpropagation work?
Candidate: The loss turns the predictions and the targets into one number to minimise, like
cross-entropy for classification. Backpropagation applies the chain rule from the loss backwards
through each layer to get the gradient of every weight, and the optimiser, say Adam, steps against it.
"""


@dataclass
class Setup:
    loop_id: int
    round_id: int
    transcript_id: int
    manager: FlaskClient
    ana: FlaskClient


def anonymised_loop(session, ana, *, anonymised: bool = True) -> InterviewLoop:
    loop = onsite_loop(session, interviewers=[[], [ana], [], []], blind_mode=BlindMode.NEVER)
    application = loop.application
    application.role.anonymised_review = anonymised
    candidate = application.candidate
    candidate.name, candidate.emails, candidate.summary = NAME, [EMAIL], SUMMARY
    candidate.headline = f"ML engineer, {NAME}"
    candidate.links = ["https://github.com/praman"]
    candidate.documents.append(
        CandidateDocument(kind=DocumentKind.PORTFOLIO, title=f"{NAME}'s blog", body=PORTFOLIO)
    )
    loop.rounds[1].scheduled_at = utcnow() + timedelta(days=1)
    session.flush()
    return loop


@pytest.fixture
def setup(app, rollback, no_csrf) -> Setup:
    with db(app) as session:
        manager = create_test_user(roles=[Role.HIRING_MANAGER])
        ana = create_test_user(name="Ana Second")
        loop = anonymised_loop(session, ana)
        transcript = stored_transcript(session, loop, body=TRANSCRIPT)
        transcript.source_name = "priya_raman_onsite.txt"
        scoring.score_transcript(session, transcript, embedding_scorer=build_embedding_scorer(session))
        session.commit()
        ids = loop.id, loop.rounds[1].id, transcript.id
        emails = manager.email, ana.email
    return Setup(*ids, *(client_for(app, email) for email in emails))


def interviewer_pages(setup: Setup) -> list[str]:
    return [
        "/interviews/",
        f"/interviews/loops/{setup.loop_id}",
        f"/interviews/rounds/{setup.round_id}/kit",
        f"/interviews/rounds/{setup.round_id}/scorecard",
        f"/interviews/rounds/{setup.round_id}/transcripts",
        f"/interviews/transcripts/{setup.transcript_id}",
        f"/interviews/loops/{setup.loop_id}/debrief",
        f"/interviews/loops/{setup.loop_id}/scorecards.csv",
        f"/interviews/rounds/{setup.round_id}/round.ics",
    ]


def visible_text(response) -> str:
    """The page as a person reads it: tags and attribute values would only hide a leak, so keep them."""
    return response.get_data(as_text=True)


def test_an_interviewer_sees_no_name_email_school_or_pronoun_on_any_page(setup):
    for url in interviewer_pages(setup):
        response = setup.ana.get(url)
        assert response.status_code == 200, url
        page = visible_text(response)
        assert not FORBIDDEN.findall(page), (url, FORBIDDEN.findall(page)[:5])
        if not url.endswith((".csv", ".ics")) and url != "/interviews/":
            assert "Anonymised review" in page, url
    kit = setup.ana.get(f"/interviews/rounds/{setup.round_id}/kit").get_data(as_text=True)
    assert "Candidate C-" in kit and "github.com" not in kit
    assert '<mark class="redacted" title="Redacted: name">[name]</mark>' in kit
    assert "Redacted: 2 names, 1 email, 1 pronoun, 1 school." in kit  # the summary


def test_the_transcript_shows_each_redaction_marked_and_counted(setup):
    page = setup.ana.get(f"/interviews/transcripts/{setup.transcript_id}").get_data(as_text=True)
    assert page.count('<mark class="redacted') >= 8
    assert "[email]" in page and "[school]" in page and "[pronoun]" in page
    assert "Redacted: 3 names, 1 email, 1 pronoun, 1 school." in page  # the whole transcript
    assert "Redacted: 1 name, 1 email, 1 pronoun, 1 school." in page  # its first answer


def test_the_hiring_manager_sees_the_real_data_with_the_hidden_spans_marked(setup):
    page = setup.manager.get(f"/interviews/transcripts/{setup.transcript_id}").get_data(as_text=True)
    assert NAME in page and EMAIL in page and SCHOOL in page
    assert "Anonymised for interviewers: they see this candidate as Candidate C-" in page
    assert 'title="Hidden from interviewers as [email]">priya.raman@example.org</mark>' in page
    kit = setup.manager.get(f"/interviews/rounds/{setup.round_id}/kit").get_data(as_text=True)
    assert NAME in kit and "https://github.com/praman" in kit


def test_the_embedding_scorer_got_the_redacted_answer_and_its_evidence_is_highlighted(app, setup):
    with db(app) as session:
        transcript = session.get(Transcript, setup.transcript_id)
        rows = [row for row in transcript.answers if row.answer_id is not None]
        assert rows and transcript.status is TranscriptStatus.SCORED
        first = rows[0].answer
        assert "[name]" in first.text and "[email]" in first.text and "[school]" in first.text
        assert not FORBIDDEN.findall(first.text)
        evidence = [
            e["quote"]
            for score in first.scores
            for c in score.details["criteria"]
            for e in c["evidence"]
        ]
        assert evidence and not any(FORBIDDEN.search(quote) for quote in evidence)
    for client in (setup.ana, setup.manager):
        page = client.get(f"/interviews/transcripts/{setup.transcript_id}").get_data(as_text=True)
        assert '<mark title="Evidence quoted by: embedding">' in page
        assert "✓ highlighted" in page and "✗ not found verbatim" not in page


def test_the_llm_judge_prompt_never_contains_the_name_or_email(app, session, judge):  # noqa: F811
    ana = create_test_user(name="Ana Third")
    loop = anonymised_loop(session, ana)
    transcript = stored_transcript(session, loop, body=TRANSCRIPT)
    scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()
    run_worker(app)

    assert judge.requests, "the judge was called"
    for request in judge.requests:
        prompt = json.dumps(request, ensure_ascii=False)
        assert "Priya" not in prompt and "Raman" not in prompt and EMAIL not in prompt
        assert "Toronto" not in prompt
    assert any("[name]" in json.dumps(request) for request in judge.requests)
    session.expire_all()
    answers = session.scalars(select(Answer).where(Answer.text.contains("[email]"))).all()
    assert answers and all(EMAIL not in a.text for a in answers)


def test_without_the_flag_nothing_is_redacted(app, session):
    ana = create_test_user(name="Ana Fourth")
    loop = anonymised_loop(session, ana, anonymised=False)
    mode = anonymity.review_mode(ana, loop.application)
    assert (mode.anonymised, mode.hidden, mode.label) == (False, False, NAME)
    assert anonymity.scoring_text(loop.application, TRANSCRIPT) == TRANSCRIPT
    assert anonymity.show_text(mode, SUMMARY).text == SUMMARY


def test_the_flag_is_set_on_the_role_and_audited(session):
    ana = create_test_user(name="Ana Fifth")
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    loop = anonymised_loop(session, ana, anonymised=False)
    role = loop.application.role
    update_role(session, role, actor_id=manager.id, anonymised_review=True)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "role.updated", AuditEvent.object_id == str(role.id)
        )
    ).one()
    assert event.before == {"anonymised_review": False} and event.after == {"anonymised_review": True}
    assert anonymity.review_mode(ana, loop.application).label == f"Candidate C-{loop.application.id}"
    assert anonymity.review_mode(manager, loop.application).label == NAME


def test_the_role_form_toggles_the_flag(app, client, no_csrf, session):
    manager = create_test_user(roles=[Role.HIRING_MANAGER])
    loop = anonymised_loop(session, create_test_user(), anonymised=False)
    role_id = loop.application.role.id
    session.commit()
    from tests.support.factories import sign_in

    sign_in(client, manager.email)
    form = client.get(f"/hiring/roles/{role_id}/edit").get_data(as_text=True)
    assert 'name="anonymised_review"' in form
    data = {"title": loop.application.role.title, "headcount": "1", "hiring_manager_id": "0"}
    data |= {"recruiter_id": "0", "anonymised_review": "y"}
    response = client.post(f"/hiring/roles/{role_id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert loop.application.role.anonymised_review is True
    detail = client.get(f"/hiring/roles/{role_id}").get_data(as_text=True)
    assert "Anonymised review</dt>" in detail and "On: interviewers" in detail


def test_the_hiring_board_and_candidate_pages_keep_the_identity_from_the_panel(app, setup):
    with db(app) as session:
        loop = session.get(InterviewLoop, setup.loop_id)
        ana = loop.rounds[1].scorecards[0].interviewer
        loop.application.role.interviewers.append(ana)
        session.commit()
        role_id, application = loop.application.role_id, loop.application
        candidate_id, application_id = application.candidate_id, application.id
    board = setup.ana.get(f"/hiring/roles/{role_id}/board").get_data(as_text=True)
    assert f"Candidate C-{application_id}" in board and not FORBIDDEN.findall(board)
    assert setup.ana.get(f"/hiring/candidates/{candidate_id}").status_code == 403
    assert setup.ana.get(f"/hiring/applications/{application_id}").status_code == 403
    manager_board = setup.manager.get(f"/hiring/roles/{role_id}/board").get_data(as_text=True)
    assert NAME in manager_board
