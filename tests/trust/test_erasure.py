"""Erasure on request: after it, no table (scanned by reflection) and no Redis key holds the
candidate's name, email or transcript text; anonymous counts remain; erasing twice, or after a
scoring job was queued, leaves nothing behind and raises nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, func, inspect, select
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table

from core import jobs
from core.audit import AuditEvent, record_audit
from core.jobs import JobRun, JobStatus, enqueue_after_commit
from hiring.models import (
    Application,
    Candidate,
    CandidateDocument,
    DocumentKind,
    StageChange,
    TouchpointKind,
)
from hiring.services.candidates import add_document, create_candidate
from hiring.services.pipeline import add_application, move_application
from hiring.services.prospects import add_to_pool, create_pool, log_touchpoint
from interviews.library import find_template
from interviews.models import Scorecard, Transcript
from interviews.services.transcripts import scoring
from interviews.services.transcripts.formats import read_pasted_transcript
from matching.jobs import refresh_match_embeddings
from matching.models import CandidateVector
from rubrics.models import EmbeddingCacheEntry, Question, Score
from rubrics.scoring.cache import embedding_key
from rubrics.services.pack_loading import load_packs
from tests.interviews.test_transcripts_job import run_worker
from tests.support.factories import create_test_user, sign_in
from tests.support.hiring_factories import create_role
from tests.support.interview_factories import create_interview_loop, create_loop_template
from trust.erasure import CandidateErasure, erase_candidate, record_erasure_request

NAME = "Wilhelmina Quastorf"
EMAIL = "wilhelmina.quastorf@example.org"
SENTENCE = "I calibrate the zebrafish anomaly sentinel against the Okavango holdout every Tuesday."
TRANSCRIPT = f"""Interviewer: How would you notice that a production model drifts, and retrain it safely?
{NAME}: I would monitor the input feature distributions and the prediction distribution against
the training data every day, with a population stability index per feature and alerts on large
shifts. {SENTENCE} Retraining runs on a schedule and on alerts, on fresh labelled data, and the new
model is promoted only if it beats the current one on a recent holdout, first as a shadow.
Interviewer: Thanks. What does a loss function do, and how does backpropagation work?
{NAME}: The loss turns the predictions and the targets into one number to minimise, like
cross-entropy for classification. Backpropagation applies the chain rule from the loss backwards
through each layer to get the gradient of every weight, and the optimiser steps against it.
"""
NEEDLES = (NAME, EMAIL, SENTENCE)


def person_with_everything(session, app) -> tuple[Candidate, Transcript]:
    """A candidate made through the real services: profile, document, touchpoint, pool, an
    application moved along, a loop with a transcript scored by a real worker (real embedding
    model, no judge), a match vector from the refresh job, job runs, audit events, a Redis job."""
    recruiter = create_test_user(email="rights-recruiter@tests.example")
    candidate = create_candidate(
        session,
        actor_id=recruiter.id,
        name=NAME,
        emails=[EMAIL],
        phones=["+1 312 555 0199"],
        headline="Senior ML engineer, drift monitoring",
        summary=f"I build monitoring for models. {SENTENCE}",
        skills=["Python", "PyTorch"],
    )
    add_document(
        session,
        candidate,
        kind=DocumentKind.PORTFOLIO,
        title="Blog: drift",
        body=f"Written by {NAME}. {SENTENCE}",
        actor_id=recruiter.id,
    )
    log_touchpoint(
        session,
        candidate,
        kind=TouchpointKind.EMAIL,
        happened_on=date.today(),
        summary=f"Wrote to {EMAIL} about the role",
        actor_id=recruiter.id,
    )
    pool = create_pool(session, name="Drift people", actor_id=None)
    add_to_pool(session, pool, candidate, actor_id=None)

    load_packs(session, actor_id=None)
    ids = {q.key: q.id for q in session.scalars(select(Question))}
    spec = find_template("ml-engineer-onsite")
    role = create_role()
    application = add_application(session, candidate=candidate, role=role, actor_id=recruiter.id)
    onsite = next(stage for stage in role.stages if stage.name == "Onsite loop")
    move_application(session, application, onsite, actor_id=recruiter.id, reason=f"{NAME} is strong")
    template = create_loop_template(
        rounds=[(r.kind, r.title, list(r.competencies)) for r in spec.rounds],
        question_ids=[[ids[key] for key in r.questions] for r in spec.rounds],
        competencies=spec.competencies_data(),
    )
    interviewer = create_test_user()
    loop = create_interview_loop(
        application=application, template=template, interviewers=[[interviewer], [interviewer]]
    )
    card = loop.rounds[1].scorecards[0]
    card.ratings = {"ml-depth": {"rating": 3, "note": f"{NAME} explained drift well"}}
    card.takeaways = f"{SENTENCE}"
    transcript = scoring.create_transcript(
        session,
        loop.rounds[1],
        read_pasted_transcript(TRANSCRIPT),
        actor_id=recruiter.id,
        encode=scoring.embedding_encoder(session),
    )
    scoring.start_scoring(session, transcript, actor_id=recruiter.id)
    enqueue_after_commit(session, refresh_match_embeddings, candidate_ids=[candidate.id], role_ids=[])
    record_audit(
        session,
        actor_id=recruiter.id,
        action="candidate.note",
        object_type="role",
        object_id=role.id,
        summary=f"Called {NAME} about {role.title}",
        after={"contact": EMAIL},
    )
    # A job whose payload names the candidate (e.g. an import), in the database and in Redis.
    session.add(
        JobRun(
            task="hiring.jobs:import",
            title="Import profiles",
            arguments={"names": [NAME]},
            queue="low",
            rq_job_id="loopwise-erasure-probe",
            status=JobStatus.FINISHED,
            result={"imported": [f"{NAME} <{EMAIL}>"]},
        )
    )
    session.commit()
    jobs.get_redis(app).hset(
        "rq:job:loopwise-erasure-probe", mapping={"description": f"Import {NAME}", "status": "finished"}
    )
    jobs.make_worker(app, ("default", "low"), simple=True).work(burst=True)
    session.expire_all()
    return session.get(Candidate, candidate.id), session.get(Transcript, transcript.id)


def scan_database(session, needles: tuple[str, ...]) -> tuple[int, list[str]]:
    """Every text, JSON and bytes column of every table, searched for each needle."""
    connection = session.connection()
    inspector = inspect(connection)
    hits, tables = [], inspector.get_table_names()
    for name in tables:
        columns = [
            c["name"]
            for c in inspector.get_columns(name)
            if isinstance(c["type"], String | Text | JSON | LargeBinary)
            or type(c["type"]).__name__ in {"JSONB", "BYTEA", "VARCHAR", "TEXT", "NullType", "VECTOR"}
        ]
        if not columns:
            continue
        table = sql_table(name, *(sql_column(c) for c in columns))
        for row in connection.execute(select(table)):
            for column_name, value in zip(columns, row, strict=True):
                text = _as_text(value)
                hits += [f"{name}.{column_name}: {needle}" for needle in needles if needle in text]
    return len(tables), hits


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def scan_redis(app, needles: tuple[str, ...]) -> tuple[int, list[str]]:
    import zlib

    connection = jobs.get_redis(app)
    hits, keys = [], list(connection.scan_iter(count=500))
    for key in keys:
        kind = connection.type(key)
        if kind == b"hash":
            values = connection.hvals(key)
        elif kind == b"string":
            values = [connection.get(key)]
        elif kind == b"list":
            values = connection.lrange(key, 0, -1)
        elif kind == b"zset":
            values = connection.zrange(key, 0, -1)
        elif kind == b"set":
            values = list(connection.smembers(key))
        elif kind == b"stream":
            values = [v for _id, fields in connection.xrange(key) for v in fields.values()]
        else:
            values = []
        blob = b"".join(values) + key
        for value in values:
            try:
                blob += zlib.decompress(value)
            except zlib.error:
                pass
        hits += [f"{key!r}: {needle}" for needle in needles if needle.encode() in blob]
    return len(keys), hits


def test_erasure_leaves_no_trace_in_any_table_or_redis_and_keeps_counts(session, app, capsys):
    candidate, transcript = person_with_everything(session, app)
    run = session.get(JobRun, transcript.job_run_id)
    assert run.status is JobStatus.FINISHED, run.error
    assert run.result["judge"].startswith("not used"), "the judge is off in this test"
    assert session.get(CandidateVector, candidate.id) is not None
    assert [a for a in transcript.answers if a.answer_id], "answers were scored"
    tables, before = scan_database(session, NEEDLES)
    assert {hit.split(".")[0] for hit in before} >= {
        "candidates",
        "candidate_documents",
        "touchpoints",
        "transcripts",
        "transcript_answers",
        "answers",
        "scorecards",
        "audit_events",
        "job_runs",
    }, before
    assert scan_redis(app, NEEDLES)[1], "the probe job names the candidate in Redis"
    sentences = session.scalar(select(func.count()).select_from(EmbeddingCacheEntry))
    models = set(session.scalars(select(EmbeddingCacheEntry.model)))
    sentence_keys = [embedding_key(model, SENTENCE) for model in models]
    cached = select(func.count()).where(EmbeddingCacheEntry.text_hash.in_(sentence_keys))
    assert session.scalar(cached) >= 1, "the scorer cached the distinctive sentence's embedding"
    applications = session.scalar(select(func.count()).select_from(Application))
    changes = session.scalar(select(func.count()).select_from(StageChange))

    outcome = erase_candidate(session, candidate.id, actor_id=None)
    session.commit()

    assert not outcome.already
    counts = outcome.erasure.counts
    assert counts["transcripts"] == 1 and counts["answers"] == 2 and counts["scores"] == 2
    assert counts["documents"] == 1 and counts["touchpoints"] == 1 and counts["match_vectors"] == 1
    assert counts["embedding_cache"] > 0 and counts["redis_keys"] >= 1
    session.expire_all()
    tables, hits = scan_database(session, NEEDLES)
    keys, redis_hits = scan_redis(app, NEEDLES)
    assert hits == [] and redis_hits == []
    assert session.get(CandidateVector, candidate.id) is None
    assert session.scalar(select(func.count()).select_from(Score)) == 0
    assert session.scalar(select(func.count()).select_from(EmbeddingCacheEntry)) < sentences
    assert session.scalar(cached) == 0
    # The anonymous counts stay: the application, its stage history, the scorecard's rating.
    assert session.scalar(select(func.count()).select_from(Application)) == applications
    assert session.scalar(select(func.count()).select_from(StageChange)) == changes
    card = next(c for c in session.scalars(select(Scorecard)) if c.ratings)
    assert card.ratings == {"ml-depth": {"rating": 3, "note": ""}} and card.takeaways == ""
    erased = session.get(Candidate, candidate.id)
    assert erased.name == "Erased candidate" and erased.emails == [] and not erased.documents
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "candidate.created")).one()
    assert event.summary == "[erased]" and event.object_id == str(candidate.id)
    note = session.scalars(select(AuditEvent).where(AuditEvent.action == "candidate.note")).one()
    assert note.summary.startswith("Called [erased] about") and note.after == {"contact": "[erased]"}
    with capsys.disabled():
        print(
            f"\nERASURE SCAN ({session.get_bind().dialect.name}): {tables} tables and {keys} Redis keys "
            f"scanned for name, email and a transcript sentence: {len(before)} hits before, "
            f"{len(hits) + len(redis_hits)} after; removed {json.dumps(counts)}"
        )


def test_erasing_twice_is_a_friendly_no_op(session):
    candidate = create_candidate(session, actor_id=None, name="Twice Erased", emails=["t@x.example"])
    record_erasure_request(session, candidate, channel="email", actor_id=None)
    first = erase_candidate(session, candidate.id, actor_id=None)
    second = erase_candidate(session, candidate.id, actor_id=None)
    assert not first.already and second.already and second.erasure.id == first.erasure.id
    assert "already erased" in second.message
    assert session.scalar(select(func.count()).select_from(CandidateErasure)) == 1
    assert [r.status.value for r in candidate_requests(session, candidate.id)] == ["done"]


def candidate_requests(session, candidate_id):
    from trust.erasure import erasure_requests

    return erasure_requests(session, candidate_id)


def test_a_scoring_job_queued_before_the_erasure_writes_nothing_back(session, app):
    load_packs(session, actor_id=None)
    ids = {q.key: q.id for q in session.scalars(select(Question))}
    spec = find_template("ml-engineer-onsite")
    candidate = create_candidate(session, actor_id=None, name=NAME, emails=[EMAIL])
    role = create_role()
    application = add_application(session, candidate=candidate, role=role, actor_id=None)
    loop = create_interview_loop(
        application=application,
        template=create_loop_template(
            rounds=[(r.kind, r.title, list(r.competencies)) for r in spec.rounds],
            question_ids=[[ids[key] for key in r.questions] for r in spec.rounds],
            competencies=spec.competencies_data(),
        ),
    )
    transcript = scoring.create_transcript(
        session,
        loop.rounds[1],
        read_pasted_transcript(TRANSCRIPT),
        actor_id=None,
        encode=scoring.embedding_encoder(session),
    )
    run = scoring.start_scoring(session, transcript, actor_id=None)
    session.commit()  # the job is in the queue now
    erase_candidate(session, candidate.id, actor_id=None)
    session.commit()
    run_worker(app)  # the worker picks the job up after the erasure

    session.expire_all()
    run = session.get(JobRun, run.id)
    assert run.status is JobStatus.FINISHED, run.error
    assert run.result == {"transcript_id": transcript.id, "skipped": "the transcript was removed"}
    assert session.scalar(select(func.count()).select_from(Score)) == 0
    assert scan_database(session, NEEDLES)[1] == []


@pytest.fixture
def recruiter_client(client, app, no_csrf):
    with app.app_context():
        from core.auth import Role
        from core.db import get_session

        user = create_test_user(roles=[Role.RECRUITER], email="eraser@tests.example")
        get_session().commit()
    sign_in(client, user.email)
    return client


def test_the_erase_page_needs_the_typed_name_and_a_second_erase_is_friendly(recruiter_client, app):
    with app.app_context():
        from core.db import get_session

        candidate = create_candidate(get_session(), actor_id=None, name="Ada Erasable", emails=[])
        get_session().commit()
        candidate_id = candidate.id
    url = f"/trust/candidates/{candidate_id}/erase"
    assert "Type the candidate" in recruiter_client.get(url).get_data(as_text=True)
    page = recruiter_client.post(url, data={"confirm_name": "Someone Else"}, follow_redirects=True)
    assert "does not match" in page.get_data(as_text=True)
    page = recruiter_client.post(url, data={"confirm_name": "ada erasable"}, follow_redirects=True)
    assert f"Candidate #{candidate_id} erased" in page.get_data(as_text=True)
    again = recruiter_client.post(url, data={"confirm_name": "ada erasable"}, follow_redirects=True)
    assert again.status_code == 200 and "already erased" in again.get_data(as_text=True)
    with app.app_context():
        from core.db import get_session

        assert get_session().get(Candidate, candidate_id).name == "Erased candidate"
        assert get_session().scalars(select(CandidateDocument)).all() == []
