"""Audit trail: who changed what, when, with a before/after summary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, Page, paginate, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str | None] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(500))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[Any] = relationship("User", lazy="joined")


def record_audit(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: Any,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current unit of work (committed with it, or not at all)."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=summary[:500],
        before=before,
        after=after,
    )
    session.add(event)
    return event


def list_audit_events(
    session: Session,
    *,
    page: int,
    per_page: int,
    action: str | None = None,
    actor_id: int | None = None,
) -> Page[AuditEvent]:
    """Return one page of audit events, newest first, optionally filtered."""
    statement = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        statement = statement.where(AuditEvent.action.startswith(action))
    if actor_id:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    return paginate(session, statement, page, per_page)


def list_audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
