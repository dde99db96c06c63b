"""Events become deliveries in their own transaction; a real rq worker POSTs them to a real receiver."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from rq.job import Job
from sqlalchemy import func, select

from core import jobs
from core.audit import AuditEvent
from core.db import as_utc, utcnow
from hiring.services.candidates import create_candidate
from tests.webhooks.helpers import run_worker
from webhooks.delivery import BACKOFF_SECONDS, attempt_delivery, requeue_lost_deliveries
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import create_subscription, replay_delivery
from webhooks.signing import signature_header, verify_signature


def subscribe(session, url: str, events=("candidate.created",), active: bool = True):
    issued = create_subscription(session, url=url, events=list(events), active=active, actor_id=None)
    session.commit()
    return issued


def deliveries(session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def add_candidate(session, name: str = "Dana Webhook", **fields):
    return create_candidate(
        session, actor_id=None, name=name, emails=[f"{name.split()[0].lower()}@x.example"], **fields
    )


def test_an_audited_change_writes_its_delivery_in_the_same_transaction(session, app, webhook_queue):
    subscription = subscribe(session, "https://hooks.example.com/in").subscription
    candidate = add_candidate(session)
    session.flush()

    [delivery] = deliveries(session)
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "candidate.created"))
    assert (delivery.subscription_id, delivery.event, delivery.status) == (
        subscription.id,
        "candidate.created",
        DeliveryStatus.PENDING,
    )
    assert delivery.payload["id"] == delivery.uuid
    assert delivery.payload["event"] == "candidate.created"
    assert delivery.payload["data"] == {
        "object_type": "candidate",
        "object_id": str(candidate.id),
        "summary": audit.summary,
        "before": None,
        "after": audit.after,
        "actor_id": None,
    }
    assert webhook_queue.job_ids == [], "the job must wait for the commit"
    session.commit()
    assert webhook_queue.job_ids == [delivery.rq_job_id]


def test_a_rolled_back_change_leaves_no_delivery_and_queues_nothing(session, app, webhook_queue):
    subscribe(session, "https://hooks.example.com/in")
    add_candidate(session)
    session.flush()
    assert len(deliveries(session)) == 1
    session.rollback()
    session.commit()
    assert deliveries(session) == []
    assert webhook_queue.job_ids == []


def test_only_active_subscriptions_to_the_event_get_deliveries(session, webhook_queue):
    wanted = subscribe(session, "https://a.example.com/", events=["candidate.created"]).subscription
    subscribe(session, "https://b.example.com/", events=["decision.recorded"])
    subscribe(session, "https://c.example.com/", events=["candidate.created"], active=False)
    create_candidate(
        session,
        actor_id=None,
        name="Ivy Import",
        emails=["ivy@x.example"],
        audit_action="candidate.imported",
    )
    session.flush()
    assert [(d.subscription_id, d.event) for d in deliveries(session)] == [
        (wanted.id, "candidate.created")
    ]


def test_a_worker_posts_a_signed_delivery_that_verifies(session, app, receiver, webhook_queue):
    secret = subscribe(session, receiver.url).secret
    add_candidate(session, "Sam Signed")
    session.commit()

    run_worker(app)

    [request] = receiver.requests
    [delivery] = deliveries(session)
    assert request.path == "/hooks/loopwise"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["loopwise-event"] == "candidate.created"
    assert request.headers["loopwise-delivery"] == delivery.uuid
    signature = request.headers["loopwise-signature"]
    assert signature.startswith(f"t={request.headers['loopwise-timestamp']},v1=")
    assert verify_signature(secret, request.body, signature)
    assert json.loads(request.body) == delivery.payload
    assert json.loads(request.body)["data"]["summary"] == "Sam Signed"

    tampered = request.body.replace(b"Sam Signed", b"Sam Forged")
    assert not verify_signature(secret, tampered, signature)
    assert not verify_signature("whsec_another", request.body, signature)
    assert not verify_signature(secret, request.body, signature, now=time.time() + 600), "too old"

    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        1,
        None,
    )
    [attempt] = delivery.attempt_log
    assert (attempt.status_code, attempt.succeeded, attempt.response_excerpt) == (
        200,
        True,
        '{"ok": true}',
    )


def test_a_500_is_logged_and_retried_later_with_backoff(session, app, receiver, webhook_queue):
    receiver.status, receiver.reply = 500, b"E" * 3000
    subscribe(session, receiver.url)
    add_candidate(session)
    session.commit()
    first_job = deliveries(session)[0].rq_job_id

    run_worker(app)

    [delivery] = deliveries(session)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.PENDING,
        1,
        500,
    )
    assert delivery.last_error == "The endpoint answered HTTP 500."
    assert delivery.state == "retrying"  # what the delivery log shows
    [attempt] = delivery.attempt_log
    assert (attempt.status_code, attempt.succeeded) == (500, False)
    assert attempt.response_excerpt == "E" * 1024, "the response body is kept to 1 KB"
    due_in = (as_utc(delivery.next_attempt_at) - as_utc(utcnow())).total_seconds()
    assert BACKOFF_SECONDS[0] - 5 < due_in <= BACKOFF_SECONDS[0]

    # The retry waits in rq's scheduler (which `flask worker` runs), not in the queue.
    assert delivery.rq_job_id != first_job
    assert webhook_queue.job_ids == []
    assert webhook_queue.scheduled_job_registry.get_job_ids() == [delivery.rq_job_id]
    scheduled_at = webhook_queue.scheduled_job_registry.get_scheduled_time(delivery.rq_job_id)
    assert abs((as_utc(scheduled_at) - as_utc(delivery.next_attempt_at)).total_seconds()) < 2


def test_the_last_failed_attempt_marks_the_delivery_failed(
    session, app, receiver, webhook_queue, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 2)
    receiver.status = 503
    subscribe(session, receiver.url)
    add_candidate(session)
    session.commit()
    run_worker(app)
    [delivery] = deliveries(session)

    assert attempt_delivery(session, app, delivery.uuid) == DeliveryStatus.FAILED

    [delivery] = deliveries(session)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        2,
        None,
    )
    assert delivery.last_error == "The endpoint answered HTTP 503. Gave up after 2 attempt(s)."
    assert [a.number for a in delivery.attempt_log] == [1, 2]
    assert len(receiver.requests) == 2
    assert attempt_delivery(session, app, delivery.uuid) is None, "a failed delivery is never retried"


def test_a_hanging_endpoint_times_out_quickly_and_is_retried(
    session, app, receiver, webhook_queue, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOK_TIMEOUT", 0.5)
    receiver.hang = True
    subscribe(session, receiver.url)
    add_candidate(session)
    session.commit()

    started = time.monotonic()
    run_worker(app)
    assert time.monotonic() - started < 10, "a hanging endpoint must not hold the worker"

    [delivery] = deliveries(session)
    [attempt] = delivery.attempt_log
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert attempt.status_code is None
    assert attempt.error.startswith("Timed out: the endpoint did not answer within 0.5 s (ReadTimeout)")
    assert 400 <= attempt.duration_ms < 5000
    assert webhook_queue.scheduled_job_registry.get_job_ids() == [delivery.rq_job_id]


def test_an_unreachable_endpoint_is_a_clear_error(session, app, receiver, webhook_queue):
    url = receiver.url
    receiver.close()  # nothing listens on that port any more
    subscribe(session, url)
    add_candidate(session)
    session.commit()
    run_worker(app)
    [delivery] = deliveries(session)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error.startswith("Could not reach the endpoint: ConnectError")


def test_a_replay_is_a_new_delivery_of_the_same_event(session, app, receiver, webhook_queue):
    secret = subscribe(session, receiver.url).secret
    add_candidate(session)
    session.commit()
    run_worker(app)
    [original] = deliveries(session)

    replay = replay_delivery(session, original, actor_id=None)
    session.commit()
    run_worker(app)

    first, second = receiver.requests
    body = json.loads(second.body)
    assert body["id"] == replay.uuid != original.uuid
    assert body["replay_of"] == original.uuid
    assert (body["event"], body["data"], body["created_at"]) == (
        original.payload["event"],
        original.payload["data"],
        original.payload["created_at"],
    )
    assert verify_signature(secret, second.body, second.headers["loopwise-signature"])
    assert [d.status for d in deliveries(session)] == [DeliveryStatus.DELIVERED] * 2
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "webhook.delivery_replayed")
        )
        == 1
    )


def test_a_delivery_that_rq_lost_is_requeued_and_the_stale_job_cannot_claim_it(
    session, app, receiver, webhook_queue
):
    subscribe(session, receiver.url)
    add_candidate(session)
    session.commit()
    [delivery] = deliveries(session)
    stale_job = delivery.rq_job_id
    webhook_queue.empty()  # Redis lost the job (restarted without its data, or it was down)
    assert requeue_lost_deliveries(session, app) == 0, "too recent: it may still be on its way"

    delivery.next_attempt_at = utcnow() - timedelta(minutes=5)
    session.commit()
    assert requeue_lost_deliveries(session, app) == 1
    [delivery] = deliveries(session)
    assert delivery.rq_job_id != stale_job and webhook_queue.job_ids == [delivery.rq_job_id]
    assert attempt_delivery(session, app, delivery.uuid, job_id=stale_job) is None
    assert requeue_lost_deliveries(session, app) == 0, "queued again already"

    run_worker(app)
    assert deliveries(session)[0].status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1


def test_a_delivery_whose_worker_died_mid_attempt_is_requeued_after_its_lease(
    session, app, webhook_queue
):
    subscribe(session, "https://hooks.example.com/in")
    add_candidate(session)
    session.commit()
    [delivery] = deliveries(session)
    # What a worker killed mid-request leaves: the row claimed, the job no longer waiting.
    delivery.next_attempt_at = utcnow() - timedelta(minutes=5)
    delivery.leased_until = utcnow() + timedelta(minutes=1)
    session.commit()
    Job.fetch(delivery.rq_job_id, connection=jobs.get_redis(app)).delete()
    assert requeue_lost_deliveries(session, app) == 0, "its lease has not run out"
    delivery.leased_until = utcnow() - timedelta(seconds=1)
    session.commit()
    assert requeue_lost_deliveries(session, app) == 1
    assert webhook_queue.job_ids == [deliveries(session)[0].rq_job_id]


def test_a_switched_off_subscription_fails_its_pending_delivery_clearly(
    session, app, receiver, webhook_queue
):
    subscription = subscribe(session, receiver.url).subscription
    add_candidate(session)
    session.commit()
    subscription.active = False
    session.commit()
    run_worker(app)
    [delivery] = deliveries(session)
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("Not sent: the subscription was switched off")


def test_a_malformed_signature_header_never_verifies():
    secret, body = "whsec_a", b"{}"
    good = signature_header(secret, body)[1]
    assert verify_signature(secret, body, good)
    for header in ("", "v1=abc", "t=soon," + good.split(",")[1], good.split(",")[0], good + "x"):
        assert not verify_signature(secret, body, header), header


def test_the_cli_lists_requeues_and_prunes(session, app, webhook_queue):
    subscribe(session, "https://hooks.example.com/in")
    add_candidate(session)
    session.commit()
    [delivery] = deliveries(session)
    webhook_queue.empty()
    delivery.next_attempt_at = utcnow() - timedelta(minutes=5)
    session.commit()
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["webhooks", "list"])
    assert (
        "https://hooks.example.com/in\tcandidate.created\t1 pending, 0 delivered, 0 failed"
        in listed.output
    )

    requeued = runner.invoke(args=["webhooks", "requeue"])
    assert requeued.exit_code == 0, requeued.output
    assert requeued.output.strip() == "Queued 1 lost webhook delivery again."
    assert webhook_queue.job_ids == [deliveries(session)[0].rq_job_id]

    delivery = deliveries(session)[0]
    delivery.status, delivery.created_at = DeliveryStatus.FAILED, utcnow() - timedelta(days=40)
    session.commit()
    assert runner.invoke(args=["webhooks", "prune", "--days", "60"]).output.startswith("Deleted 0 ")
    assert runner.invoke(args=["webhooks", "prune", "--days", "30"]).output.startswith("Deleted 1 ")
    assert deliveries(session) == []


def test_flask_worker_sweeps_lost_deliveries_when_it_starts(app):
    from webhooks.delivery import requeue_at_worker_start

    assert requeue_at_worker_start in app.extensions["jobs"]["on_worker_start"]
