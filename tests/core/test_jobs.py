"""Jobs on a real Redis (the embedded redis-server or the system one) with real rq workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from rq import Queue
from sqlalchemy import delete, select

from core import jobs
from core.audit import AuditEvent
from core.auth import Role, User, find_user_by_email
from core.db import get_session
from core.jobs import JobRun, JobStatus, enqueue_after_commit
from tests.support import tasks
from tests.support.factories import create_test_user, sign_in

REPOSITORY = Path(__file__).resolve().parents[2]


def queued_ids(app: Flask, queue: str = "low") -> list[str]:
    return Queue(queue, connection=jobs.get_redis(app)).job_ids


@pytest.fixture
def empty_queues(app: Flask) -> Iterator[None]:
    for name in jobs.QUEUE_NAMES:
        Queue(name, connection=jobs.get_redis(app)).empty()
    yield
    for name in jobs.QUEUE_NAMES:
        Queue(name, connection=jobs.get_redis(app)).empty()


def test_nothing_is_enqueued_before_commit(session, app, empty_queues):
    run = enqueue_after_commit(session, tasks.add_user, email="queued@tests.example")
    assert run.id is not None and run.status == JobStatus.QUEUED
    assert queued_ids(app) == [], "the job must wait for the commit"
    session.commit()
    assert queued_ids(app) == [run.rq_job_id]


def test_a_rolled_back_transaction_enqueues_nothing(session, app, empty_queues):
    enqueue_after_commit(session, tasks.add_user, email="never@tests.example")
    session.rollback()
    session.commit()
    assert queued_ids(app) == []
    assert session.scalars(select(JobRun)).all() == []


def test_an_in_process_worker_runs_the_job_in_an_app_context(session, app, empty_queues):
    run = enqueue_after_commit(session, tasks.add_user, email="worker@tests.example")
    session.commit()
    worker = jobs.make_worker(app, ("low",), simple=True)
    assert worker.work(burst=True)
    session.expire_all()
    run = session.get(JobRun, run.id)
    assert (run.status, run.progress, run.attempts) == (JobStatus.FINISHED, 100, 1)
    added = find_user_by_email(session, "worker@tests.example")
    assert run.result == {"user_id": added.id}


def test_unknown_tasks_are_refused(session):
    with pytest.raises(LookupError):
        jobs.resolve_task("core.jobs:not_a_task")


# ---------------------------------------------------------------- a real worker process


@pytest.fixture
def committed(app: Flask) -> Iterator[list[int]]:
    """Real commits (a worker process must see them); rows created are removed afterwards.

    Tests open their own app contexts: a request made inside one would share its session.
    """
    created_users: list[int] = []
    for name in jobs.QUEUE_NAMES:
        Queue(name, connection=jobs.get_redis(app)).empty()
    yield created_users
    with app.app_context():
        session = get_session()
        session.execute(delete(JobRun))
        session.execute(delete(AuditEvent))
        session.execute(delete(User).where(User.id.in_(created_users)))
        session.commit()


def start_worker(app: Flask) -> subprocess.Popen:
    environment = dict(os.environ)
    environment.update(
        LOOPWISE_DATABASE_URL=app.config["DATABASE_URL"],
        LOOPWISE_REDIS_URL=app.extensions["jobs"]["url"],
        LOOPWISE_SECRET_KEY=app.config["SECRET_KEY"],
        LOOPWISE_INSTANCE_PATH=app.instance_path,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst", "--queue", "low"],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(condition, timeout: float = 60.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def test_a_real_worker_reports_progress_then_finishes(app, committed, no_csrf):
    signal_key = f"test-signal-{uuid.uuid4().hex}"
    with app.app_context():
        session = get_session()
        owner = create_test_user(roles=[Role.RECRUITER])
        committed.append(owner.id)
        run = enqueue_after_commit(
            session, tasks.wait_for_signal, created_by_id=owner.id, key=signal_key
        )
        session.commit()

    client = app.test_client()
    sign_in(client, owner.email)
    status_url = f"/jobs/{run.id}/status.json"
    assert client.get(status_url).json["status"] == "queued"

    worker = start_worker(app)
    try:
        running = wait_for(lambda: (s := client.get(status_url).json)["progress"] == 40 and s)
        assert running["status"] == "running"
        assert running["message"] == "Waiting for the test's signal"
        assert running["done"] is False
        jobs.get_redis(app).rpush(signal_key, "go")
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            print(worker.communicate()[0])
    assert worker.returncode == 0, output

    finished = client.get(status_url).json
    assert finished == {
        "id": run.id,
        "title": "Test: wait for a signal",
        "status": "finished",
        "progress": 100,
        "message": "Done",
        "error": None,
        "result": {"signal": "go"},
        "done": True,
    }
    page = client.get(f"/jobs/{run.id}").get_data(as_text=True)
    assert 'max="100" value="100"' in page


def test_a_failing_job_is_recorded_with_its_error_and_writes_nothing(app, committed, app_context):
    session = get_session()
    run = enqueue_after_commit(session, tasks.write_then_fail, email="half@tests.example")
    session.commit()

    worker = start_worker(app)
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output

    session.expire_all()
    run = session.get(JobRun, run.id)
    assert run.status == JobStatus.FAILED
    assert run.error == "RuntimeError: boom after writing"
    assert run.finished_at is not None
    assert find_user_by_email(session, "half@tests.example") is None, "the job's writes were rolled back"
    assert session.scalars(select(AuditEvent).where(AuditEvent.summary.contains("half@"))).all() == []


def test_a_run_whose_worker_died_is_marked_failed(app, committed, app_context):
    session = get_session()
    run = enqueue_after_commit(session, tasks.add_user, email="orphan@tests.example")
    session.commit()
    Queue("low", connection=jobs.get_redis(app)).empty()  # the job vanished with its worker
    run.status = JobStatus.RUNNING
    session.commit()
    jobs.reconcile_run(session, run)
    assert run.status == JobStatus.FAILED
    assert "worker stopped" in run.error


def test_runs_lost_by_redis_are_sent_again_when_a_worker_starts(app, committed, app_context):
    session = get_session()
    run = enqueue_after_commit(session, tasks.add_user, email="lost@tests.example")
    session.commit()
    Queue("low", connection=jobs.get_redis(app)).empty()
    jobs.get_redis(app).delete(f"rq:job:{run.rq_job_id}")
    run.created_at = run.created_at - jobs.LOST_RUN_GRACE * 2
    session.commit()

    worker = start_worker(app)
    output, _ = worker.communicate(timeout=120)
    assert "Sent 1 queued job run(s) that Redis had lost." in output
    session.expire_all()
    assert session.get(JobRun, run.id).status == JobStatus.FINISHED
    user = find_user_by_email(session, "lost@tests.example")
    committed.append(user.id)
