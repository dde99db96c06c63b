"""Idempotency keys: a write sent again with the same key and body answers with the stored response."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.models import IdempotencyKey
from core.db import as_utc, utcnow

# As long as a client may sensibly retry one write (Stripe keeps keys for 24 hours too); older keys
# are neither replayed nor kept: `flask api prune` deletes them, and a reused one starts afresh.
IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(method: str, path: str, body: Any) -> str:
    """A fingerprint of the request: method, path and the JSON body with sorted keys."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyKey, fingerprint: str) -> Outcome:
    if record.request_hash != fingerprint:
        raise ApiError(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request. Use a new key.",
        )
    return Outcome(record.status_code, record.response_body, replayed=True)


def _find(session: Session, token_id: int, key: str) -> IdempotencyKey | None:
    statement = select(IdempotencyKey).where(
        IdempotencyKey.token_id == token_id, IdempotencyKey.key == key
    )
    return session.scalar(statement)


def _expired(record: IdempotencyKey, now: datetime) -> bool:
    return now - as_utc(record.created_at) > IDEMPOTENCY_TTL


def prune_idempotency_keys(session: Session, now: datetime | None = None) -> int:
    """Delete the stored outcomes older than IDEMPOTENCY_TTL; returns how many went."""
    cutoff = (now or utcnow()) - IDEMPOTENCY_TTL
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return result.rowcount or 0


def run_once(
    session: Session,
    *,
    token_id: int,
    key: str | None,
    fingerprint: str,
    write: Callable[[], Outcome],
) -> Outcome:
    """Run ``write`` and commit it with its stored outcome, or replay what a key already stored.

    Only successful writes are stored: a refused request changed nothing and may be retried.
    Two concurrent requests with one key: the second to commit hits the unique constraint, rolls
    its write back and replays the first one's outcome."""
    if key is None:
        outcome = write()
        session.commit()
        return outcome
    existing = _find(session, token_id, key)
    if existing is not None and _expired(existing, utcnow()):
        session.delete(existing)
        session.flush()
        existing = None
    if existing is not None:
        return _replay(existing, fingerprint)
    outcome = write()
    try:
        with session.begin_nested():
            session.add(
                IdempotencyKey(
                    token_id=token_id,
                    key=key,
                    request_hash=fingerprint,
                    status_code=outcome.status,
                    response_body=outcome.body,
                )
            )
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _find(session, token_id, key)
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    return outcome
