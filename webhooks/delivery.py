"""Deliver webhooks: queue after commit, POST signed with a short timeout, retry with backoff.

A delivery is a database row first (the outbox) and an rq job second. The job claims the row,
ends its transaction, makes one HTTP request, then records the attempt. Failures are retried by
rq's scheduler (``flask worker`` runs it) after 30 s, 2 min, 10 min, 1 h, then 6 h, until
WEBHOOK_MAX_ATTEMPTS; after the last one the delivery is failed and can be replayed.

Each job carries the delivery's ``rq_job_id``; only the job with the row's current id may claim it,
so a delivery that ``requeue_lost_deliveries`` sent again is never attempted twice at once.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import redis
from flask import Flask, current_app, has_app_context
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RqJobStatus
from rq.timeouts import JobTimeoutException
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.db import AppSession, get_session, utcnow
from core.jobs import get_redis
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from webhooks.signing import signature_header

log = logging.getLogger(__name__)

QUEUE = "default"
PENDING_KEY = "webhook_pending_deliveries"
BACKOFF_SECONDS = (30, 120, 600, 3600, 6 * 3600)
DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_ATTEMPTS = 6
EXCERPT_LIMIT = 1024
LOST_GRACE = timedelta(seconds=30)
USER_AGENT = "Loopwise-Webhooks/1"


def timeout_seconds(app: Flask) -> float:
    return float(app.config.get("WEBHOOK_TIMEOUT") or DEFAULT_TIMEOUT_SECONDS)


def max_attempts(app: Flask) -> int:
    return max(1, int(app.config.get("WEBHOOK_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS))


def job_timeout(app: Flask) -> int:
    """rq's hard limit on one attempt: connect, send and read phases each get the HTTP timeout."""
    return int(timeout_seconds(app) * 4) + 30


def backoff_seconds(attempts_made: int) -> int:
    """The wait before the next attempt, after ``attempts_made`` failed ones."""
    return BACKOFF_SECONDS[min(attempts_made, len(BACKOFF_SECONDS)) - 1]


# ---------------------------------------------------------------- the outbox


def audit_data(audit: AuditEvent) -> dict[str, Any]:
    """The ``data`` of an event's payload: the audited change, as the audit trail recorded it."""
    return {
        "object_type": audit.object_type,
        "object_id": audit.object_id,
        "summary": audit.summary,
        "before": audit.before,
        "after": audit.after,
        "actor_id": audit.actor_id,
    }


def new_delivery(
    session: Session,
    subscription: WebhookSubscription,
    event: str,
    data: dict[str, Any],
    *,
    created_by_id: int | None = None,
    replay_of: WebhookDelivery | None = None,
) -> WebhookDelivery:
    """Add a pending delivery to the current transaction; its job is queued only if that commits."""
    delivery_uuid = str(uuid.uuid4())
    now = utcnow()
    payload = {"id": delivery_uuid, "event": event, "created_at": now.isoformat(), "data": data}
    if replay_of is not None:
        payload["created_at"] = replay_of.payload.get("created_at", payload["created_at"])
        payload["replay_of"] = replay_of.uuid
    delivery = WebhookDelivery(
        uuid=delivery_uuid,
        subscription_id=subscription.id,
        event=event,
        payload=payload,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        rq_job_id=_new_job_id(delivery_uuid),
        created_by_id=created_by_id,
        replay_of_id=replay_of.id if replay_of is not None else None,
        created_at=now,
    )
    session.add(delivery)
    session.info.setdefault(PENDING_KEY, []).append((delivery.uuid, delivery.rq_job_id))
    return delivery


def _new_job_id(delivery_uuid: str) -> str:
    return f"webhook-{delivery_uuid}-{secrets.token_hex(4)}"


def _send_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, [])
    if not pending or not has_app_context():
        return  # outside an app: the deliveries wait for `flask webhooks requeue`
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for delivery_uuid, job_id in pending:
        push_delivery(app, delivery_uuid, job_id)


def _drop_rolled_back(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def push_delivery(app: Flask, delivery_uuid: str, job_id: str, delay: int = 0) -> bool:
    """Put a delivery's job on the queue (after ``delay`` seconds); False if Redis is unreachable."""
    from webhooks.jobs import deliver_webhook

    queue = Queue(QUEUE, connection=get_redis(app))
    options: dict[str, Any] = {
        "job_id": job_id,
        "job_timeout": job_timeout(app),
        "result_ttl": 3600,
        "failure_ttl": 7 * 24 * 3600,
        "description": f"Webhook delivery {delivery_uuid}",
    }
    try:
        if delay:
            queue.enqueue_in(timedelta(seconds=delay), deliver_webhook, delivery_uuid, **options)
        else:
            queue.enqueue(deliver_webhook, delivery_uuid, **options)
    except redis.RedisError:
        # The delivery stays pending in the database; `flask webhooks requeue` sends it again.
        log.exception("Could not reach Redis to queue webhook delivery %s", delivery_uuid)
        return False
    return True


def register_outbox_hooks(app: Flask) -> None:
    if not event.contains(AppSession, "after_commit", _send_pending):
        event.listen(AppSession, "after_commit", _send_pending)
        event.listen(AppSession, "after_transaction_end", _drop_rolled_back)


# ---------------------------------------------------------------- one attempt


@dataclass(frozen=True)
class AttemptOutcome:
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str

    @property
    def succeeded(self) -> bool:
        return self.error is None


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()


def post_signed(
    url: str, secret: str, *, event: str, delivery_uuid: str, body: bytes, timeout: float
) -> AttemptOutcome:
    """POST ``body`` signed with ``secret``; never raises for what the endpoint or network does."""
    timestamp, signature = signature_header(secret, body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Loopwise-Event": event,
        "Loopwise-Delivery": delivery_uuid,
        "Loopwise-Timestamp": str(timestamp),
        "Loopwise-Signature": signature,
    }
    started = time.monotonic()
    status_code, excerpt, error = None, "", None
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            with client.stream("POST", url, content=body, headers=headers) as response:
                status_code = response.status_code
                excerpt = _read_excerpt(response)
    except httpx.TimeoutException as failure:
        error = (
            f"Timed out: the endpoint did not answer within {timeout:g} s ({type(failure).__name__})."
        )
    except httpx.TransportError as failure:
        error = f"Could not reach the endpoint: {type(failure).__name__}: {failure}"
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as failure:
        error = f"The request failed: {type(failure).__name__}: {failure}"
    except JobTimeoutException:
        error = "rq stopped the attempt after its hard limit (the endpoint kept the connection open)."
    duration_ms = int((time.monotonic() - started) * 1000)
    if error is None and status_code is not None and not 200 <= status_code < 300:
        error = f"The endpoint answered HTTP {status_code}"
        if 300 <= status_code < 400:
            error += " (redirects are not followed: point the subscription at the final URL)"
        error += "."
    return AttemptOutcome(status_code, duration_ms, error and error[:1000], excerpt)


def _read_excerpt(response: httpx.Response) -> str:
    received = b""
    for chunk in response.iter_bytes():
        received += chunk
        if len(received) >= EXCERPT_LIMIT:
            break
    return received[:EXCERPT_LIMIT].decode("utf-8", errors="replace")


def attempt_delivery(
    session: Session, app: Flask, delivery_uuid: str, *, job_id: str | None = None
) -> DeliveryStatus | None:
    """Make the next attempt of a pending delivery and record it; None when it is not ours to try.

    The row is claimed (leased) and the transaction ended before the request, so no database lock
    is held while the endpoint takes its time. ``job_id``: only that job of the delivery may try.
    """
    now = utcnow()
    claim = (
        update(WebhookDelivery)
        .where(
            WebhookDelivery.uuid == delivery_uuid,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
        )
        .values(leased_until=now + timedelta(seconds=job_timeout(app)))
        .execution_options(synchronize_session=False)
    )
    if job_id is not None:
        claim = claim.where(WebhookDelivery.rq_job_id == job_id)
    claimed = session.execute(claim).rowcount == 1
    session.commit()
    if not claimed:
        log.info("Webhook delivery %s is gone, done, in flight or requeued; skipped", delivery_uuid)
        return None
    delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.uuid == delivery_uuid))
    subscription = delivery.subscription
    if not subscription.active:
        delivery.status, delivery.leased_until, delivery.next_attempt_at = (
            DeliveryStatus.FAILED,
            None,
            None,
        )
        delivery.last_error = "Not sent: the subscription was switched off. Replay it once it is on."
        session.commit()
        return delivery.status
    url, secret, event, body = (
        subscription.url,
        subscription.secret,
        delivery.event,
        encode_body(delivery.payload),
    )
    session.commit()  # end the read transaction: nothing is held during the request
    outcome = post_signed(
        url, secret, event=event, delivery_uuid=delivery_uuid, body=body, timeout=timeout_seconds(app)
    )
    return record_attempt(session, app, delivery, outcome, started_at=now)


def record_attempt(
    session: Session,
    app: Flask,
    delivery: WebhookDelivery,
    outcome: AttemptOutcome,
    *,
    started_at: Any,
) -> DeliveryStatus:
    """Log an attempt, then mark the delivery delivered, failed, or due again after its backoff."""
    delivery_id, delivery_uuid = delivery.id, delivery.uuid
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:
        log.info("Webhook delivery %s was deleted during its attempt; not recorded", delivery_uuid)
        session.commit()
        return DeliveryStatus.FAILED
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            succeeded=outcome.succeeded,
            error=outcome.error,
            response_excerpt=outcome.response_excerpt,
        )
    )
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    delivery.leased_until = None
    retry_in = 0
    if outcome.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            utcnow(),
            None,
        )
    elif delivery.attempts >= max_attempts(app):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        delivery.last_error = f"{outcome.error} Gave up after {delivery.attempts} attempt(s)."[:1000]
    else:
        retry_in = backoff_seconds(delivery.attempts)
        delivery.next_attempt_at = utcnow() + timedelta(seconds=retry_in)
        delivery.rq_job_id = _new_job_id(delivery.uuid)
    session.commit()
    if retry_in:
        push_delivery(app, delivery.uuid, delivery.rq_job_id, delay=retry_in)
    return delivery.status


# ---------------------------------------------------------------- recovery


def requeue_lost_deliveries(session: Session, app: Flask) -> int:
    """Queue again pending deliveries that rq no longer holds (Redis lost them, a worker died)."""
    now = utcnow()
    waiting = (RqJobStatus.QUEUED, RqJobStatus.SCHEDULED, RqJobStatus.DEFERRED)
    connection = get_redis(app)
    lost = []
    for delivery in session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now - LOST_GRACE,
            or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
        )
    ):
        try:
            status = Job.fetch(delivery.rq_job_id, connection=connection).get_status(refresh=True)
        except NoSuchJobError:
            status = None
        if status in waiting:
            continue
        delivery.rq_job_id = _new_job_id(delivery.uuid)  # a stale job of it can no longer claim it
        lost.append((delivery.uuid, delivery.rq_job_id))
    session.commit()
    return sum(push_delivery(app, delivery_uuid, job_id) for delivery_uuid, job_id in lost)


def requeue_at_worker_start(app: Flask) -> None:
    """Send lost deliveries again when `flask worker` starts (registered in ``webhooks.init_app``)."""
    count = requeue_lost_deliveries(get_session(), app)
    if count:
        log.info("Queued %s lost webhook deliveries again", count)
