"""Transcript pages: bad files refused with nothing stored, upload/paste/import, fixing an alignment,
scoring with progress, who may do what, and AI scores hidden until one's own scorecard is in."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import interviews.views.transcripts  # noqa: F401  (registers the routes until views/__init__ imports them)
from core.audit import AuditEvent
from core.auth import Role
from core.db import get_session, utcnow
from core.jobs import JobRun, JobStatus
from hiring.models import CandidateDocument, DocumentKind
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    ScorecardStatus,
    Transcript,
    TranscriptAnswer,
    TranscriptStatus,
)
from interviews.services.transcripts import scoring
from rubrics.jobs import build_embedding_scorer
from tests.interviews.test_transcript_formats import make_docx
from tests.interviews.test_transcripts_job import ANSWERS, onsite_loop, run_worker, stored_transcript
from tests.support.factories import create_test_user, sign_in

BLIND_TEXT = "AI scores are hidden"


@dataclass
class Loop:
    loop_id: int
    round_id: int  # round 2, "ML fundamentals", where Ana interviews
    manager: FlaskClient
    ana: FlaskClient  # interviewer of round 2
    ben: FlaskClient  # interviewer of round 4, on the panel but not on round 2
    outsider: FlaskClient  # an interviewer with no part in this loop


@contextmanager
def db(app: Flask) -> Iterator:
    """The database in an app context of the test's own (requests get theirs, so users differ)."""
    with app.app_context():
        yield get_session()


def client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, email)
    return client


@pytest.fixture
def loop(app, rollback, no_csrf) -> Loop:
    with db(app) as session:
        manager = create_test_user(roles=[Role.HIRING_MANAGER])
        ana, ben, outsider = (create_test_user(name=n) for n in ("Ana Second", "Ben Fourth", "Olly Out"))
        instance = onsite_loop(session, interviewers=[[], [ana], [], [ben]])
        instance.application.candidate.name = "Casey Candidate"
        session.commit()
        ids = instance.id, instance.rounds[1].id
        emails = [user.email for user in (manager, ana, ben, outsider)]
    return Loop(*ids, *(client_for(app, email) for email in emails))


def counts(app: Flask) -> tuple[int, list[str]]:
    """How many transcripts are stored, and the transcript audit events so far."""
    with db(app) as session:
        stored = session.scalar(select(func.count()).select_from(Transcript))
        events = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith("transcript."))
            .order_by(AuditEvent.id)
        )
        return stored, list(events)


def upload(client: FlaskClient, round_id: int, name: str, content: bytes, text: str = ""):
    return client.post(
        f"/interviews/rounds/{round_id}/transcripts/upload",
        data={"file": (io.BytesIO(content), name), "text": text},
        content_type="multipart/form-data",
    )


def add_transcript(app: Flask, loop: Loop, *, body: str = ANSWERS, scored: bool = False) -> int:
    """A transcript of Ana's round, stored (and scored with the embedding match) by the services."""
    with db(app) as session:
        transcript = stored_transcript(session, session.get(InterviewLoop, loop.loop_id), body=body)
        if scored:
            scoring.score_transcript(
                session, transcript, embedding_scorer=build_embedding_scorer(session)
            )
        session.commit()
        return transcript.id


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "is empty (0 bytes)"),
        ("photo.txt", PNG, "looks like a binary file"),
        ("slides.pdf", b"%PDF-1.4 some pages", "Transcripts can be .txt, .vtt, .srt or .docx files"),
        ("huge.txt", b"I would start with the data. " * 200_000, "limited to 5 MB"),
        ("broken.docx", b"PK\x03\x04 not a real archive", "is not a readable .docx file"),
        ("old.txt", "Caf\u00e9 and cr\u00e8me".encode("latin-1"), "is not valid UTF-8"),
        ("notes.vtt", b"just text, no WEBVTT header", "is not a WebVTT file"),
        ("skills.txt", b"Python\nDocker\nKubernetes\n", "No answers were found"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored(
    app, loop, name, content, message
):
    response = upload(loop.ana, loop.round_id, name, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Nothing was saved" in page
    assert counts(app) == (0, [])


def test_a_20_mb_upload_is_stopped_by_the_request_limit(app, loop):
    response = upload(loop.ana, loop.round_id, "huge.txt", b"x" * (20 * 1024 * 1024))
    assert response.status_code == 413
    assert "Upload too large" in response.get_data(as_text=True)
    assert counts(app) == (0, [])


def test_a_file_and_pasted_text_together_are_refused(app, loop):
    response = upload(loop.ana, loop.round_id, "a.txt", ANSWERS.encode(), text=ANSWERS)
    assert response.status_code == 400 and "not both" in response.get_data(as_text=True)
    assert counts(app) == (0, [])


def test_pasting_a_transcript_stores_its_answers_aligned_to_the_questions(app, loop):
    response = loop.ana.post(
        f"/interviews/rounds/{loop.round_id}/transcripts/upload", data={"text": ANSWERS}
    )
    assert response.status_code == 302
    with db(app) as session:
        transcript = session.scalars(select(Transcript)).one()
        assert transcript.source_format == "paste" and len(transcript.answers) == 3
        transcript_id = transcript.id
    assert response.headers["Location"].endswith(f"/interviews/transcripts/{transcript_id}")
    page = loop.ana.get(response.headers["Location"]).get_data(as_text=True)
    assert "Continuous retraining and drift" in page and "Loss functions and backpropagation" in page
    assert "no question" in page and "unaligned" in page
    assert counts(app) == (1, ["transcript.uploaded"])
    listing = loop.ben.get(f"/interviews/rounds/{loop.round_id}/transcripts").get_data(as_text=True)
    assert f"Transcript {transcript_id}" in listing and "Add a transcript" not in listing


def test_a_word_document_upload(app, loop):
    data = make_docx([[line] for line in ANSWERS.splitlines()])
    assert upload(loop.ana, loop.round_id, "call.docx", data).status_code == 302
    with db(app) as session:
        transcript = session.scalars(select(Transcript)).one()
        assert (transcript.source_format, transcript.source_name) == ("docx", "call.docx")
        keys = [a.question.key if a.question else None for a in transcript.answers]
    assert keys[:2] == ["ml-continuous-retraining-drift", "ml-loss-backprop"]


def test_the_transcript_imported_with_the_profile_can_be_used(app, loop):
    with db(app) as session:
        candidate = session.get(InterviewLoop, loop.loop_id).application.candidate
        document = CandidateDocument(
            candidate=candidate,
            kind=DocumentKind.TRANSCRIPT,
            title="Imported interview transcript",
            body=ANSWERS,
        )
        session.add(document)
        session.commit()
        document_id = document.id
    url = f"/interviews/rounds/{loop.round_id}/transcripts"
    assert "Imported interview transcript" in loop.manager.get(url).get_data(as_text=True)
    wrong = loop.manager.post(f"{url}/import", data={"document_id": document_id + 99})
    assert wrong.status_code == 400 and counts(app) == (0, [])
    response = loop.manager.post(f"{url}/import", data={"document_id": document_id})
    assert response.status_code == 302
    with db(app) as session:
        transcript = session.scalars(select(Transcript)).one()
        assert transcript.source_name == "Imported interview transcript"
        assert len(transcript.answers) == 3
    assert counts(app) == (1, ["transcript.imported"])


def test_who_may_see_and_change_transcripts(app, loop):
    transcript_id = add_transcript(app, loop)
    with db(app) as session:
        row_id = session.get(Transcript, transcript_id).answers[0].id
    detail = f"/interviews/transcripts/{transcript_id}"
    posts = {
        f"/interviews/rounds/{loop.round_id}/transcripts/upload": {"text": ANSWERS},
        f"{detail}/align": {"answer_row": row_id, "question": "none"},
        f"{detail}/score": {},
        f"{detail}/delete": {},
    }
    for url in (detail, f"/interviews/rounds/{loop.round_id}/transcripts"):
        assert loop.outsider.get(url).status_code == 403
        assert loop.ben.get(url).status_code == 200  # on the loop's panel
        assert loop.ana.get(url).status_code == 200
    for url, data in posts.items():
        assert loop.outsider.post(url, data=data).status_code == 403, url
        assert loop.ben.post(url, data=data).status_code == 403, url  # not Ben's round
    assert counts(app) == (1, ["transcript.uploaded"])


def test_fixing_an_alignment_by_hand(app, loop):
    transcript_id = add_transcript(app, loop)
    with db(app) as session:
        transcript = session.get(Transcript, transcript_id)
        row_id = transcript.answers[2].id
        intro = next(
            q.id
            for q, _ in scoring.loop_questions(session, transcript.round)
            if q.key == "scr-introduction"
        )
    url = f"/interviews/transcripts/{transcript_id}/align"
    bad = loop.ana.post(url, data={"answer_row": row_id, "question": "12345678"}, follow_redirects=True)
    assert "Not a valid choice" in bad.get_data(as_text=True)
    response = loop.ana.post(url, data={"answer_row": row_id, "question": str(intro)})
    assert response.status_code == 302
    with db(app) as session:
        row = session.get(TranscriptAnswer, row_id)
        assert (row.question_id, row.aligned_manually) == (intro, True)
    page = loop.ana.get(f"/interviews/transcripts/{transcript_id}").get_data(as_text=True)
    assert "set by hand" in page
    assert counts(app) == (1, ["transcript.uploaded", "transcript.alignment_fixed"])


def test_ai_scores_stay_hidden_until_the_interviewer_has_submitted(app, loop):
    url = f"/interviews/transcripts/{add_transcript(app, loop, scored=True)}"
    for client in (loop.ana, loop.ben):
        page = client.get(url).get_data(as_text=True)
        assert BLIND_TEXT in page and "once you have submitted your own scorecard" in page
        assert "Embedding match" not in page and "<mark" not in page and "Combined:" not in page
        assert "Continuous retraining and drift" in page  # the alignment itself is not feedback
    manager = loop.manager.get(url).get_data(as_text=True)
    assert BLIND_TEXT not in manager and "Embedding match" in manager and "<mark" in manager

    with db(app) as session:
        card = session.get(InterviewRound, loop.round_id).scorecards[0]
        card.status, card.submitted_at = ScorecardStatus.SUBMITTED, utcnow()
        session.commit()
    page = loop.ana.get(url).get_data(as_text=True)
    assert BLIND_TEXT not in page and "Embedding match" in page and "<mark" in page
    assert BLIND_TEXT in loop.ben.get(url).get_data(as_text=True)  # Ben's own card is a draft


def test_evidence_is_highlighted_verbatim_and_escaped(app, loop):
    body = ANSWERS.replace("every day, with", "every day <b>(really)</b>, with")
    url = f"/interviews/transcripts/{add_transcript(app, loop, body=body, scored=True)}"
    page = loop.manager.get(url).get_data(as_text=True)
    assert "<b>(really)</b>" not in page and "&lt;b&gt;(really)&lt;/b&gt;" in page
    assert page.count("<mark") >= 2


def test_scoring_from_the_page_runs_the_job_with_progress(app, loop):
    transcript_id = add_transcript(app, loop)
    url = f"/interviews/transcripts/{transcript_id}"
    assert loop.ana.post(f"{url}/score", data={"judge_runs": 1}).status_code == 302
    with db(app) as session:
        transcript = session.get(Transcript, transcript_id)
        run = session.get(JobRun, transcript.job_run_id)
        assert transcript.status is TranscriptStatus.SCORING and run.status is JobStatus.QUEUED
    page = loop.ana.get(url).get_data(as_text=True)
    assert f'data-status-url="{url}/status.json"' in page and "Score answers" not in page
    status = loop.ben.get(f"{url}/status.json")
    assert status.status_code == 200 and status.get_json()["status"] == "queued"
    again = loop.ana.post(f"{url}/score", data={}, follow_redirects=True)
    assert "already being scored" in again.get_data(as_text=True)

    run_worker(app)
    with db(app) as session:
        assert session.get(Transcript, transcript_id).status is TranscriptStatus.SCORED
    result = loop.manager.get(f"{url}/status.json").get_json()
    assert result["done"] and result["result"]["answers_scored"] == 2
    assert "level" not in str(result["result"])
    assert "Combined:" in loop.manager.get(url).get_data(as_text=True)


def test_removing_a_transcript(app, loop):
    transcript_id = add_transcript(app, loop)
    page = loop.ana.get(f"/interviews/transcripts/{transcript_id}").get_data(as_text=True)
    assert "data-confirm=" in page
    response = loop.ana.post(f"/interviews/transcripts/{transcript_id}/delete", data={})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/interviews/rounds/{loop.round_id}/transcripts")
    assert counts(app) == (0, ["transcript.uploaded", "transcript.deleted"])


def test_a_failed_job_shows_as_failed_with_a_way_to_score_again(app, loop):
    transcript_id = add_transcript(app, loop)
    with db(app) as session:
        run = JobRun(
            task="interviews.jobs.transcripts:score_transcript_job",
            title="Score a transcript's answers",
            arguments={"transcript_id": transcript_id},
            queue="default",
            rq_job_id=f"failed-{transcript_id}",
            status=JobStatus.FAILED,
            error="LookupError: the embedding model is missing",
        )
        session.add(run)
        session.flush()
        transcript = session.get(Transcript, transcript_id)
        transcript.status, transcript.job_run_id = TranscriptStatus.SCORING, run.id
        session.commit()
    listing = loop.ana.get(f"/interviews/rounds/{loop.round_id}/transcripts").get_data(as_text=True)
    assert "status-failed" in listing
    page = loop.ana.get(f"/interviews/transcripts/{transcript_id}").get_data(as_text=True)
    assert "Scoring failed: LookupError: the embedding model is missing" in page
    assert "Score again" in page
    with db(app) as session:
        assert session.get(Transcript, transcript_id).status is TranscriptStatus.FAILED
