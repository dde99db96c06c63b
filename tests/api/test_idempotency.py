"""Idempotency keys expire: an old key is neither replayed nor kept; `flask api prune` deletes them."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from api.cli import api_group
from api.idempotency import IDEMPOTENCY_TTL
from api.models import IdempotencyKey
from core.db import get_session, utcnow
from hiring.models import Candidate


def _age_keys(key: str, by: timedelta) -> None:
    for record in get_session().scalars(select(IdempotencyKey).where(IdempotencyKey.key == key)):
        record.created_at = utcnow() - by
    get_session().commit()


def test_a_key_older_than_the_window_starts_afresh(app, recruiter_api):
    headers = {"Idempotency-Key": "expiring-key"}
    first = recruiter_api.post("/candidates", json={"name": "First Expiring"}, headers=headers)
    assert first.status_code == 201
    with app.app_context():
        _age_keys("expiring-key", IDEMPOTENCY_TTL + timedelta(minutes=1))

    # A different body would be a 409 within the window; after it, the key is free again.
    second = recruiter_api.post("/candidates", json={"name": "Second Expiring"}, headers=headers)
    assert second.status_code == 201 and second.headers["Idempotent-Replayed"] == "false"
    assert second.json["id"] != first.json["id"]
    with app.app_context():
        expiring = select(IdempotencyKey).where(IdempotencyKey.key == "expiring-key")
        stored = get_session().scalars(expiring)
        assert [record.response_body["name"] for record in stored] == ["Second Expiring"]


def test_prune_deletes_only_expired_keys(app, recruiter_api):
    for key in ("prune-old", "prune-new"):
        name = f"Pruned {key}"
        assert recruiter_api.post("/candidates", json={"name": name}, headers={"Idempotency-Key": key})
    with app.app_context():
        _age_keys("prune-old", IDEMPOTENCY_TTL + timedelta(hours=1))

    result = app.test_cli_runner().invoke(api_group, ["prune"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "idempotency_keys_deleted": 1,
        "older_than_hours": 24,
    }
    with app.app_context():
        session = get_session()
        keys = set(session.scalars(select(IdempotencyKey.key).where(IdempotencyKey.key.like("prune-%"))))
        assert keys == {"prune-new"}
        pruned = select(func.count()).select_from(Candidate).where(Candidate.name.like("Pruned %"))
        assert session.scalar(pruned) == 2  # the writes themselves stay
