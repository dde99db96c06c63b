"""Webhook subscriptions and their delivery log: create, edit, rotate, delete, test, replay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import Page, get_or_raise, paginate, utcnow
from core.errors import DomainError
from webhooks.delivery import new_delivery
from webhooks.events import EVENTS, PING_EVENT
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from webhooks.signing import generate_secret

MAX_URL_LENGTH = 2000


@dataclass(frozen=True)
class IssuedSecret:
    subscription: WebhookSubscription
    secret: str  # shown once


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, or None when it can."""
    if len(url) > MAX_URL_LENGTH:
        return f"Use at most {MAX_URL_LENGTH} characters."
    if any(character.isspace() for character in url):
        return "A URL has no spaces."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return "This is not a valid URL."
    if parts.scheme not in ("http", "https"):
        return "Use an http:// or https:// URL."
    if not parts.hostname:
        return "The URL needs a host name, e.g. https://hooks.example.com/loopwise."
    if parts.fragment:
        return "Leave out the #fragment: it is never sent."
    return None


def _check(url: str, events: list[str]) -> None:
    problem = url_problem(url)
    if problem:
        raise DomainError(f"URL: {problem}")
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise DomainError(f"Unknown events: {', '.join(unknown)}.")
    if not events:
        raise DomainError("Pick at least one event.")


def _state(subscription: WebhookSubscription) -> dict[str, object]:
    return {
        "url": subscription.url,
        "description": subscription.description,
        "events": list(subscription.events),
        "active": subscription.active,
    }


def _audit(
    session: Session,
    actor_id: int | None,
    action: str,
    subscription: WebhookSubscription,
    summary: str,
    **changes,
) -> None:
    record_audit(
        session,
        actor_id=actor_id,
        action=action,
        object_type="webhook_subscription",
        object_id=subscription.id,
        summary=summary,
        before=changes.get("before"),
        after=changes.get("after"),
    )


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def get_subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    return get_or_raise(session, WebhookSubscription, subscription_id, "No such webhook subscription.")


def get_delivery(session: Session, delivery_id: int) -> WebhookDelivery:
    return get_or_raise(session, WebhookDelivery, delivery_id, "No such webhook delivery.")


def create_subscription(
    session: Session,
    *,
    url: str,
    events: list[str],
    description: str = "",
    active: bool = True,
    actor_id: int | None,
) -> IssuedSecret:
    """Subscribe an endpoint to events; its signing secret is returned here only."""
    url = url.strip()
    _check(url, events)
    secret = generate_secret()
    subscription = WebhookSubscription(
        url=url,
        description=description.strip(),
        events=sorted(set(events)),
        secret=secret,
        active=active,
        created_by_id=actor_id,
    )
    session.add(subscription)
    session.flush()
    _audit(
        session,
        actor_id,
        "webhook.created",
        subscription,
        f"Webhook to {url}",
        after=_state(subscription),
    )
    return IssuedSecret(subscription, secret)


def update_subscription(
    session: Session,
    subscription: WebhookSubscription,
    *,
    url: str,
    events: list[str],
    description: str,
    active: bool,
    actor_id: int | None,
) -> WebhookSubscription:
    """Change a subscription's URL, events, description or active switch."""
    url = url.strip()
    _check(url, events)
    before = _state(subscription)
    subscription.url, subscription.events = url, sorted(set(events))
    subscription.description, subscription.active = description.strip(), active
    after = _state(subscription)
    if after != before:
        _audit(
            session,
            actor_id,
            "webhook.updated",
            subscription,
            f"Webhook to {url} changed",
            before=before,
            after=after,
        )
    return subscription


def rotate_secret(
    session: Session, subscription: WebhookSubscription, *, actor_id: int | None
) -> IssuedSecret:
    """Replace the signing secret at once (retries are signed with the new one); returned here only."""
    secret = generate_secret()
    subscription.secret, subscription.secret_rotated_at = secret, utcnow()
    _audit(
        session,
        actor_id,
        "webhook.secret_rotated",
        subscription,
        f"Secret of the webhook to {subscription.url} rotated",
    )
    return IssuedSecret(subscription, secret)


def delete_subscription(
    session: Session, subscription: WebhookSubscription, *, actor_id: int | None
) -> None:
    """Delete a subscription with its delivery log; its pending deliveries are never sent."""
    _audit(
        session,
        actor_id,
        "webhook.deleted",
        subscription,
        f"Webhook to {subscription.url} deleted",
        before=_state(subscription),
    )
    session.delete(subscription)


def send_test_event(
    session: Session, subscription: WebhookSubscription, *, actor_id: int | None
) -> WebhookDelivery:
    """Queue a signed ``ping`` to the endpoint, whatever events it subscribes to."""
    if not subscription.active:
        raise DomainError("Switch the subscription on before sending it a test event.")
    delivery = new_delivery(
        session,
        subscription,
        PING_EVENT,
        {
            "object_type": "webhook_subscription",
            "object_id": str(subscription.id),
            "summary": "A test event from Loopwise: check the signature and answer 2xx.",
            "before": None,
            "after": None,
            "actor_id": actor_id,
        },
        created_by_id=actor_id,
    )
    _audit(session, actor_id, "webhook.pinged", subscription, f"Test event sent to {subscription.url}")
    return delivery


def replay_delivery(
    session: Session, delivery: WebhookDelivery, *, actor_id: int | None
) -> WebhookDelivery:
    """Send a delivery's event again as a new delivery (new id, same data, ``replay_of`` the old id)."""
    subscription = delivery.subscription
    if not subscription.active:
        raise DomainError("Switch the subscription on before replaying its deliveries.")
    replay = new_delivery(
        session,
        subscription,
        delivery.event,
        delivery.payload["data"],
        created_by_id=actor_id,
        replay_of=delivery,
    )
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="webhook.delivery_replayed",
        object_type="webhook_delivery",
        object_id=replay.id,
        summary=f"Delivery {delivery.uuid} ({delivery.event}) replayed to {subscription.url}",
        after={"replay_of": delivery.uuid, "delivery": replay.uuid},
    )
    return replay


def list_deliveries(
    session: Session,
    subscription: WebhookSubscription,
    *,
    page: int,
    per_page: int,
    status: str | None = None,
) -> Page[WebhookDelivery]:
    """One page of a subscription's deliveries, newest first."""
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )
    if status in set(DeliveryStatus):
        statement = statement.where(WebhookDelivery.status == DeliveryStatus(status))
    return paginate(session, statement, page, per_page)


def prune_deliveries(session: Session, *, days: int) -> int:
    """Delete delivered and failed deliveries older than ``days`` (their attempts go with them)."""
    cutoff = utcnow() - timedelta(days=days)
    old = select(WebhookDelivery.id).where(
        WebhookDelivery.status != DeliveryStatus.PENDING, WebhookDelivery.created_at < cutoff
    )
    ids = list(session.scalars(old))
    if ids:
        session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return len(ids)
