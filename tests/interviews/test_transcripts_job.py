"""The transcript scoring job end to end: the real packs in the question bank, the real embedding
model, a judge over HTTP (our fake OpenAI server), a real rq worker on the test Redis."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from rq.job import Job
from sqlalchemy import func, select

from core import jobs
from core.audit import AuditEvent
from core.auth import User
from core.errors import ConflictError, DomainError, NotFoundError
from core.jobs import JobRun, JobStatus
from hiring.services.importers import parse_profile_text
from interviews.library import find_template
from interviews.models import InterviewLoop, Transcript, TranscriptStatus
from interviews.services.transcripts import scoring
from interviews.services.transcripts.formats import read_pasted_transcript
from rubrics.models import Question, Score, ScoreStatus
from rubrics.services.pack_loading import load_packs
from rubrics.services.scoring import record_answer
from tests.interviews.test_transcript_alignment import SEED_QUESTIONS
from tests.interviews.test_transcript_segmentation import SEED, needs_seed
from tests.rubrics.fake_openai_server import Reply
from tests.support.interview_factories import create_interview_loop, create_loop_template

ANSWERS = """Interviewer: How would you notice that a production model drifts, and retrain it safely?
Candidate: I would monitor the input feature distributions and the prediction distribution against
the training data every day, with a population stability index per feature and alerts on large
shifts. Retraining runs on a schedule and on alerts, on fresh labelled data, and the new model is
promoted only if it beats the current one on a recent holdout, first as a shadow, then as a canary.
Interviewer: Thanks. What does a loss function do, and how does backpropagation work?
Candidate: The loss turns the predictions and the targets into one number to minimise, like
cross-entropy for classification. Backpropagation applies the chain rule from the loss backwards
through each layer to get the gradient of every weight, and the optimiser, say Adam, steps against it.
Interviewer: And how was your trip here?
Candidate: Very smooth, thank you, the train was on time and the walk from the station was short.
"""


def onsite_loop(
    session, interviewers: Sequence[Sequence[User]] = (), **template_fields
) -> InterviewLoop:
    """A loop instance of the shipped ml-engineer-onsite template, its questions from the real packs."""
    load_packs(session, actor_id=None)
    ids = {q.key: q.id for q in session.scalars(select(Question))}
    spec = find_template("ml-engineer-onsite")
    template = create_loop_template(
        rounds=[(r.kind, r.title, list(r.competencies)) for r in spec.rounds],
        question_ids=[[ids[key] for key in r.questions] for r in spec.rounds],
        competencies=spec.competencies_data(),
        **template_fields,
    )
    return create_interview_loop(template=template, interviewers=interviewers)


def stored_transcript(session, loop: InterviewLoop, body: str = ANSWERS, round_number: int = 1):
    return scoring.create_transcript(
        session,
        loop.rounds[round_number],
        read_pasted_transcript(body),
        actor_id=None,
        encode=scoring.embedding_encoder(session),
    )


def run_worker(app) -> None:
    jobs.make_worker(app, ("default",), simple=True).work(burst=True)


def test_storing_a_transcript_aligns_it_and_leaves_small_talk_out(session):
    loop = onsite_loop(session)
    transcript = stored_transcript(session, loop)
    assert transcript.status is TranscriptStatus.ALIGNED
    assert [a.question.key if a.question else None for a in transcript.answers] == [
        "ml-continuous-retraining-drift",
        "ml-loss-backprop",
        None,
    ]
    for row in transcript.answers:
        assert transcript.body[row.start : row.end] == row.text
        assert 0 <= row.alignment_confidence <= 1 and not row.aligned_manually
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "transcript.uploaded")).one()
    assert event.after == {"round_id": loop.rounds[1].id, "answers": 3, "aligned": 2}


def test_the_job_scores_aligned_answers_with_both_scorers_and_is_idempotent(session, app, judge):
    loop = onsite_loop(session)
    transcript = stored_transcript(session, loop)
    run = scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()
    assert transcript.status is TranscriptStatus.SCORING and transcript.job_run_id == run.id
    run_worker(app)

    session.expire_all()
    run = session.get(JobRun, run.id)
    assert run.status is JobStatus.FINISHED, run.error
    assert run.result == {
        "transcript_id": transcript.id,
        "answers_scored": 2,
        "unaligned": 1,
        "judge": "used",
    }, "the job's result carries counts, never levels (blind until submitted)"
    meta = Job.fetch(run.rq_job_id, connection=jobs.get_redis(app)).get_meta()
    assert meta["progress"] >= 90 and meta["message"] == "Saving"
    transcript = session.get(Transcript, transcript.id)
    assert transcript.status is TranscriptStatus.SCORED
    scored = [row for row in transcript.answers if row.question_id is not None]
    for row in scored:
        assert row.answer.question_id == row.question_id and row.answer.text == row.text
        by_scorer = {score.scorer: score for score in row.answer.scores}
        assert by_scorer["embedding"].status is ScoreStatus.SCORED
        assert by_scorer["judge"].status is ScoreStatus.SCORED and by_scorer["judge"].level == 3
    assert transcript.answers[2].answer_id is None
    scores, calls = session.scalar(select(func.count()).select_from(Score)), len(judge.requests)
    assert scores == 4

    again = scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()
    run_worker(app)
    session.expire_all()
    assert session.get(JobRun, again.id).status is JobStatus.FINISHED
    assert session.scalar(select(func.count()).select_from(Score)) == scores, "no duplicate verdicts"
    assert len(judge.requests) == calls, "the judge is not asked again"
    assert session.get(Transcript, transcript.id).job_run_id == again.id


def test_a_judge_that_is_down_never_blocks_the_embedding_score(session, app, judge):
    judge.handler = lambda request: Reply(status=500, body='{"error": {"message": "down"}}')
    transcript = stored_transcript(session, onsite_loop(session))
    scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()
    run_worker(app)
    session.expire_all()
    transcript = session.get(Transcript, transcript.id)
    assert transcript.status is TranscriptStatus.SCORED
    for row in transcript.answers[:2]:
        by_scorer = {score.scorer: score for score in row.answer.scores}
        assert by_scorer["judge"].status is ScoreStatus.UNAVAILABLE
        assert by_scorer["embedding"].status is ScoreStatus.SCORED and by_scorer["embedding"].level


def test_a_failed_job_leaves_the_transcript_failed_and_scoring_again_works(session, app, monkeypatch):
    transcript = stored_transcript(session, onsite_loop(session))
    monkeypatch.setitem(app.config, "EMBEDDING_MODEL", "/nowhere/no-such-model")
    failed = scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()
    run_worker(app)
    session.expire_all()
    failed = session.get(JobRun, failed.id)
    assert failed.status is JobStatus.FAILED and "no-such-model" in failed.error
    transcript = session.get(Transcript, transcript.id)
    assert transcript.status is TranscriptStatus.SCORING  # the job's own writes were rolled back
    scoring.refresh_status(session, transcript)
    assert transcript.status is TranscriptStatus.FAILED
    assert all(row.answer_id is None for row in transcript.answers)

    monkeypatch.setitem(app.config, "EMBEDDING_MODEL", None)
    retry = scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()
    run_worker(app)
    session.expire_all()
    assert session.get(JobRun, retry.id).status is JobStatus.FINISHED
    assert session.get(Transcript, transcript.id).status is TranscriptStatus.SCORED


def test_scoring_is_refused_while_running_or_with_nothing_aligned(session):
    loop = onsite_loop(session)
    transcript = stored_transcript(session, loop)
    scoring.start_scoring(session, transcript, actor_id=None)
    with pytest.raises(ConflictError, match="already being scored"):
        scoring.start_scoring(session, transcript, actor_id=None)
    with pytest.raises(ConflictError, match="being scored"):
        scoring.set_answer_question(session, transcript, transcript.answers[0].id, None, actor_id=None)

    other = stored_transcript(session, loop)
    for row in other.answers:
        scoring.set_answer_question(session, other, row.id, None, actor_id=None)
    with pytest.raises(DomainError, match="nothing to score"):
        scoring.start_scoring(session, other, actor_id=None)


def test_fixing_an_alignment_is_audited_and_unlinks_an_old_score(session):
    loop = onsite_loop(session)
    transcript = stored_transcript(session, loop)
    row = transcript.answers[2]
    question = next(
        q for q, _ in scoring.loop_questions(session, loop.rounds[1]) if q.key == "scr-introduction"
    )
    scoring.set_answer_question(session, transcript, row.id, question.id, actor_id=None)
    assert (row.question_id, row.aligned_manually, row.alignment_confidence) == (question.id, True, 1.0)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "transcript.alignment_fixed")
    ).one()
    assert event.before["question_id"] is None
    assert event.after == {"question_id": question.id, "answer_index": 2}

    # Once scored, moving the answer to another question unlinks the score made for the old one.
    row.answer_id = record_answer(session, question=question, text=row.text, actor_id=None).id
    transcript.status = TranscriptStatus.SCORED
    scoring.set_answer_question(session, transcript, row.id, None, actor_id=None)
    assert (transcript.status, row.question_id, row.answer_id) == (TranscriptStatus.ALIGNED, None, None)
    with pytest.raises(DomainError, match="questions of this loop"):
        scoring.set_answer_question(session, transcript, row.id, 10_000_000, actor_id=None)
    with pytest.raises(NotFoundError):
        scoring.set_answer_question(session, transcript, 10_000_000, None, actor_id=None)


@needs_seed
def test_seed_000_imported_for_one_round_aligns_across_the_loop(session):
    """The transcript imported with the seed profile covers the whole onsite: attached to one round,
    its answers still find their questions in the other rounds."""
    loop = onsite_loop(session)
    body = parse_profile_text(SEED.read_text(encoding="utf-8")).transcript_text  # as imported
    transcript = stored_transcript(session, loop, body=body, round_number=1)
    assert [row.question.key for row in transcript.answers] == SEED_QUESTIONS
