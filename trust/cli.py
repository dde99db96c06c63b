"""`flask trust retention [--dry-run] [--days N]` and `flask trust erase CANDIDATE_ID`.

`retention` prints one JSON object as its last line: {"days", "cutoff", "dry_run", "due":
[{"candidate_id", "last_activity"}], "erased": [ids], "kept_in_active_applications",
"overdue_requests": [{"candidate_id", "due_at"}]}; ids only, never names.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from core.db import get_session
from core.errors import DomainError

trust_group = AppGroup("trust", help="Candidate rights: retention and erasure.")


@trust_group.command("retention")
@click.option("--dry-run", is_flag=True, help="List who would be erased; change nothing.")
@click.option("--days", type=click.IntRange(min=1), help="Override LOOPWISE_RETENTION_DAYS.")
@with_appcontext
def retention(dry_run: bool, days: int | None) -> None:
    """Erase candidates inactive for longer than the retention period (not in an active application)."""
    from trust.retention import apply_retention, retention_days

    try:
        days = days or retention_days(current_app.config)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if days is None:
        raise click.ClickException("Retention is off: set LOOPWISE_RETENTION_DAYS or pass --days.")
    session = get_session()
    report = apply_retention(session, days=days, dry_run=dry_run)
    session.commit()
    verb = "would erase" if dry_run else "erased"
    click.echo(
        f"{len(report.due)} candidate(s) inactive for over {days} days; {verb} "
        f"{len(report.due) if dry_run else len(report.erased)}; {report.kept_active} kept (active "
        f"application); {len(report.overdue_requests)} erasure request(s) overdue.",
        err=True,
    )
    click.echo(json.dumps(report.as_dict()))


@trust_group.command("erase")
@click.argument("candidate_id", type=int)
@with_appcontext
def erase(candidate_id: int) -> None:
    """Erase one candidate's personal data now (keeps anonymous counts); safe to repeat."""
    from trust.erasure import erase_candidate

    session = get_session()
    try:
        outcome = erase_candidate(session, candidate_id, actor_id=None)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    session.commit()
    click.echo(outcome.message, err=True)
    click.echo(
        json.dumps({"candidate_id": candidate_id, "already": outcome.already, **outcome.erasure.counts})
    )
