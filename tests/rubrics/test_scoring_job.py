"""The scoring job end to end: real embedding model, a judge over HTTP, a real rq worker."""

import json

import pytest
from rq import Queue
from sqlalchemy import func, select

from core import jobs
from core.jobs import JobRun, JobStatus, enqueue_after_commit
from rubrics.jobs import score_answer_job
from rubrics.models import Score, ScoreStatus
from rubrics.services import scoring
from tests.rubrics.fake_openai_server import Reply, criterion_keys, fenced_answer
from tests.support.rubric_factories import create_question

GOOD = (
    "Backpropagation applies the chain rule from the loss backwards through every layer to get the "
    "gradient of the loss for each weight. Then an optimiser like Adam steps the weights against that "
    "gradient, and in deep networks I watch for vanishing gradients."
)


def judge_reply(request):
    """A judge that quotes the answer's first sentence and gives level 3 everywhere."""
    quote = fenced_answer(request).split(".")[0]
    body = {
        key: {"level": 3, "rationale": "Explains the chain rule.", "evidence": [quote]}
        for key in criterion_keys(request)
    }
    return Reply(content=json.dumps(body))


def run_worker(app):
    for name in jobs.QUEUE_NAMES:
        assert Queue(name, connection=jobs.get_redis(app)).count <= 1
    jobs.make_worker(app, ("default",), simple=True).work(burst=True)


@pytest.fixture
def judge_config(app, fake_openai, monkeypatch):
    fake_openai.handler = judge_reply
    monkeypatch.setitem(app.config, "OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setitem(app.config, "JUDGE_MODEL", "fake-judge")
    monkeypatch.setitem(app.config, "OPENAI_API_KEY", "not-needed")
    return fake_openai


def test_the_job_stores_both_scorers_combines_them_and_is_idempotent(session, app, judge_config):
    answer = scoring.record_answer(session, question=create_question(), text=GOOD, actor_id=None)
    run = enqueue_after_commit(session, score_answer_job, answer_id=answer.id)
    session.commit()
    run_worker(app)

    session.expire_all()
    run = session.get(JobRun, run.id)
    assert run.status == JobStatus.FINISHED, run.error
    scores = scoring.scores_for(session, answer, answer.question.rubric.latest_version)
    assert scores.embedding.status == ScoreStatus.SCORED and 1 <= scores.embedding.level <= 4
    assert scores.judge.status == ScoreStatus.SCORED and scores.judge.level == pytest.approx(3.0)
    assert scores.judge.model == "fake-judge" and scores.judge.prompt_hash and scores.judge.tokens_in
    evidence = scores.judge.details["criteria"][0]["evidence"][0]
    assert evidence["verified"] and GOOD[evidence["start"] :].startswith(evidence["quote"])
    assert scores.combined.judge_used
    assert run.result["combined_level"] == pytest.approx(round(scores.combined.level, 2))
    calls = len(judge_config.requests)

    again = enqueue_after_commit(session, score_answer_job, answer_id=answer.id)
    session.commit()
    run_worker(app)
    session.expire_all()
    assert session.get(JobRun, again.id).status == JobStatus.FINISHED
    assert session.scalar(select(func.count()).select_from(Score)) == 2, "no duplicate verdicts"
    assert len(judge_config.requests) == calls, "the judge is not asked again"


def test_a_judge_that_is_down_never_blocks_the_embedding_score(session, app, judge_config):
    judge_config.handler = lambda request: Reply(status=500, body='{"error": {"message": "down"}}')
    answer = scoring.record_answer(session, question=create_question(), text=GOOD, actor_id=None)
    enqueue_after_commit(session, score_answer_job, answer_id=answer.id)
    session.commit()
    run_worker(app)
    session.expire_all()
    scores = scoring.scores_for(session, answer, answer.question.rubric.latest_version)
    assert scores.judge.status == ScoreStatus.UNAVAILABLE and scores.judge.error
    assert scores.embedding.status == ScoreStatus.SCORED
    assert scores.combined.level == pytest.approx(scores.embedding.level)
    assert "Embedding match only" in scores.combined.explanation


def test_without_a_judge_configured_only_the_embedding_match_scores(session, app):
    answer = scoring.record_answer(session, question=create_question(), text=GOOD, actor_id=None)
    run = enqueue_after_commit(session, score_answer_job, answer_id=answer.id)
    session.commit()
    run_worker(app)
    session.expire_all()
    assert session.get(JobRun, run.id).result["judge"].startswith("not used")
    assert [s.scorer for s in session.get(type(answer), answer.id).scores] == ["embedding"]
