"""`flask api prune`: delete the idempotency keys that can no longer be replayed (run it daily)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup, with_appcontext

from api.idempotency import IDEMPOTENCY_TTL, prune_idempotency_keys
from core.db import get_session

api_group = AppGroup("api", help="The JSON API's housekeeping.")


@api_group.command("prune")
@with_appcontext
def prune() -> None:
    """Delete stored API write outcomes older than the idempotency window; prints one JSON line."""
    session = get_session()
    deleted = prune_idempotency_keys(session)
    session.commit()
    hours = int(IDEMPOTENCY_TTL.total_seconds() // 3600)
    click.echo(json.dumps({"idempotency_keys_deleted": deleted, "older_than_hours": hours}))
