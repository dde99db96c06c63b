"""The delivery job: one attempt of one webhook delivery (an rq job; the outbox row is its record)."""

from __future__ import annotations

import logging

from flask import current_app
from rq import get_current_job

from core.db import get_session
from webhooks.delivery import attempt_delivery

log = logging.getLogger(__name__)


def deliver_webhook(delivery_uuid: str) -> str | None:
    """Attempt a pending delivery once; a failure schedules the next attempt itself."""
    job = get_current_job()
    try:
        status = attempt_delivery(
            get_session(),
            current_app._get_current_object(),  # type: ignore[attr-defined]
            delivery_uuid,
            job_id=job.id if job is not None else None,
        )
    except Exception:  # a job's top level: log and re-raise; the sweep retries the lost attempt
        log.exception("Webhook delivery %s could not be attempted", delivery_uuid)
        raise
    return status.value if status is not None else None
