"""`flask interviews remind-overdue [--dry-run]`: list overdue scorecards and remind their owners."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from core.db import get_session
from interviews.jobs.reminders import scorecard_link
from interviews.services.reminders import send_overdue_reminders


@click.command("remind-overdue")
@click.option("--dry-run", is_flag=True, help="List what would be sent; send and record nothing.")
@with_appcontext
def remind_overdue(dry_run: bool) -> None:
    """List overdue scorecards and remind their interviewers (in-app; email when SMTP is set).

    The last line printed is a JSON summary. Safe to run from cron: each scorecard gets at most one
    reminder per 24 hours.
    """
    session = get_session()
    summary = send_overdue_reminders(
        session, config=current_app.config, link_for=scorecard_link, dry_run=dry_run
    )
    if dry_run:
        session.rollback()
    else:
        session.commit()
    for row in summary["scorecards"]:
        state = (
            "reminded in the last 24 h"
            if row["reminded_recently"]
            else ("would remind" if dry_run else "reminded")
        )
        click.echo(
            f"overdue since {row['due_at']}: {row['interviewer']} · {row['round']} with "
            f"{row['candidate']} ({state})"
        )
    click.echo(json.dumps(summary))
