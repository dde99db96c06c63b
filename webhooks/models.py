"""Webhook subscriptions, their deliveries (a transactional outbox) and each delivery attempt."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, str_enum, utcnow


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt or for a retry
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # every attempt failed, or the subscription was switched off; replay it


class WebhookSubscription(Base):
    """An endpoint that receives the events it subscribes to, signed with its own secret.

    The secret is stored as it is (not hashed): signing needs it on every delivery. It is shown to
    the admin only when it is created or rotated; the pages never show it again.
    """

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[Any]]
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    secret_rotated_at: Mapped[datetime] = mapped_column(default=utcnow)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookDelivery(Base):
    """One event to send to one subscription; written in the transaction that caused the event."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, 16), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # When the next attempt is due; an attempt in flight holds the delivery until ``leased_until``.
    next_attempt_at: Mapped[datetime | None]
    leased_until: Mapped[datetime | None]
    rq_job_id: Mapped[str | None] = mapped_column(String(80))
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    replay_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[datetime | None]

    subscription: Mapped[WebhookSubscription] = relationship(back_populates="deliveries")
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="WebhookAttempt.number",
    )
    replay_of: Mapped[WebhookDelivery | None] = relationship(remote_side=[id])

    @property
    def state(self) -> str:
        """What people read: "retrying" for a pending delivery that has already failed once."""
        if self.status is DeliveryStatus.PENDING and self.attempts:
            return "retrying"
        return self.status.value


class WebhookAttempt(Base):
    """One HTTP request of a delivery and what came back (or why nothing did)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int]
    status_code: Mapped[int | None]
    succeeded: Mapped[bool]
    error: Mapped[str | None] = mapped_column(String(1000))
    response_excerpt: Mapped[str] = mapped_column(Text, default="")

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")
