"""Turn audited changes into webhook events, written as deliveries in the same transaction.

Just before each flush, new audit events whose action maps to a webhook event get one pending
``WebhookDelivery`` per active subscription to that event, flushed with them: if the transaction
rolls back, so do the deliveries (a transactional outbox). Their delivery jobs reach rq only after
the commit (``webhooks.delivery``); whatever Redis misses, ``flask webhooks requeue`` sends again.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.db import AppSession
from webhooks.delivery import audit_data, new_delivery
from webhooks.models import WebhookSubscription

# Webhook event -> what subscribers are told it means.
EVENTS: dict[str, str] = {
    "candidate.created": "Candidate created or imported",
    "candidate.merged": "Duplicate candidates merged",
    "application.stage_changed": "Application moved, rejected or reopened",
    "scorecard.submitted": "Scorecard submitted",
    "scores.ready": "Transcript scores ready",
    "decision.recorded": "Hiring decision recorded or superseded",
}
PING_EVENT = "ping"

# Audit action -> webhook event.
AUDIT_ACTIONS: dict[str, str] = {
    "candidate.created": "candidate.created",
    "candidate.imported": "candidate.created",
    "candidate.merged": "candidate.merged",
    "application.moved": "application.stage_changed",
    "application.rejected": "application.stage_changed",
    "application.reopened": "application.stage_changed",
    "scorecard.submitted": "scorecard.submitted",
    "transcript.scored": "scores.ready",
    "decision.recorded": "decision.recorded",
    "decision.superseded": "decision.recorded",
}


def _write_deliveries(session: Session, _context: Any, _instances: Any) -> None:
    audited = [
        item for item in session.new if isinstance(item, AuditEvent) and item.action in AUDIT_ACTIONS
    ]
    if not audited:
        return
    with session.no_autoflush:
        subscriptions = session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.active.is_(True))
            .order_by(WebhookSubscription.id)
        ).all()
    for audit in audited:
        name = AUDIT_ACTIONS[audit.action]
        for subscription in subscriptions:
            if name in subscription.events:
                new_delivery(session, subscription, name, audit_data(audit))


def register_event_hooks(app: Flask) -> None:
    if not event.contains(AppSession, "before_flush", _write_deliveries):
        event.listen(AppSession, "before_flush", _write_deliveries)
