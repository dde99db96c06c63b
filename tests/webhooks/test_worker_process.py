"""A real `flask worker` process killed in the middle of a delivery loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select

from core.audit import AuditEvent
from core.db import get_session, utcnow
from hiring.models import Candidate
from hiring.services.candidates import create_candidate
from tests.webhooks.helpers import Receiver, run_worker
from webhooks.delivery import QUEUE, requeue_lost_deliveries
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from webhooks.services import create_subscription

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def committed(app: Flask, webhook_queue) -> Iterator[dict[str, int]]:
    """Real commits (the worker process must see them); the rows are removed afterwards."""
    created: dict[str, int] = {}
    yield created
    with app.app_context():
        session = get_session()
        session.execute(
            delete(WebhookSubscription).where(WebhookSubscription.id == created.get("subscription"))
        )
        session.execute(delete(AuditEvent).where(AuditEvent.object_id == str(created.get("candidate"))))
        session.execute(
            delete(AuditEvent).where(
                AuditEvent.object_type == "webhook_subscription",
                AuditEvent.object_id == str(created.get("subscription")),
            )
        )
        session.execute(delete(Candidate).where(Candidate.id == created.get("candidate")))
        session.commit()


def start_worker(app: Flask) -> subprocess.Popen:
    """A worker that runs jobs in its own process (--simple): killing it kills the attempt too.

    (A forking worker's work horse starts its own session and outlives its parent's SIGKILL.)
    """
    environment = dict(os.environ)
    environment.update(
        LOOPWISE_DATABASE_URL=app.config["DATABASE_URL"],
        LOOPWISE_REDIS_URL=app.extensions["jobs"]["url"],
        LOOPWISE_SECRET_KEY=app.config["SECRET_KEY"],
        LOOPWISE_INSTANCE_PATH=app.instance_path,
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "worker",
            "--burst",
            "--simple",
            "--queue",
            QUEUE,
        ],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_a_delivery_survives_its_worker_being_killed_mid_request(app, committed, receiver: Receiver):
    receiver.hang = True
    with app.app_context():
        session = get_session()
        subscription = create_subscription(
            session, url=receiver.url, events=["candidate.created"], actor_id=None
        ).subscription
        session.commit()
        committed["subscription"] = subscription.id
        candidate = create_candidate(session, actor_id=None, name="Kim Killed", emails=["kim@x.example"])
        session.commit()
        committed["candidate"] = candidate.id

    worker = start_worker(app)
    try:
        wait_for(lambda: receiver.requests)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)

    with app.app_context():
        session = get_session()
        delivery = session.scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
        assert delivery.leased_until is not None, "claimed by the worker that died"
        assert requeue_lost_deliveries(session, app) == 0, "the lease has not run out yet"
        # Its lease is rq's hard time limit of one attempt; let it run out instead of waiting.
        delivery.leased_until = delivery.next_attempt_at = utcnow() - timedelta(minutes=1)
        session.commit()
        assert requeue_lost_deliveries(session, app) == 1

    receiver.hang = False
    receiver.released.set()
    run_worker(app)

    with app.app_context():
        delivery = get_session().scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    first, second = receiver.requests
    assert first.headers["loopwise-delivery"] == second.headers["loopwise-delivery"] == delivery.uuid
