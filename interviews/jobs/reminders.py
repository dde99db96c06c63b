"""The overdue-scorecard reminders as an rq job (also run by `flask interviews remind-overdue`)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from core.db import get_session
from core.jobs import task
from interviews.models import Scorecard
from interviews.services.reminders import send_overdue_reminders


def scorecard_link(card: Scorecard) -> str:
    """The scorecard page's address: absolute when SERVER_NAME is configured, else a path."""
    try:
        return url_for("interviews.scorecard", round_id=card.round_id, _external=True)
    except RuntimeError:  # no request and no SERVER_NAME: the path is the best we can give
        adapter = current_app.url_map.bind("localhost")
        return adapter.build("interviews.scorecard", {"round_id": card.round_id})


@task(title="Remind interviewers of overdue scorecards", queue="low", timeout=600)
def remind_overdue_scorecards(actor_id: int | None = None) -> dict[str, Any]:
    """Remind interviewers of their overdue scorecards (in-app; by email when SMTP is set)."""
    summary = send_overdue_reminders(
        get_session(), config=current_app.config, link_for=scorecard_link, actor_id=actor_id
    )
    summary.pop("scorecards")  # the job page shows counts; the audit log and home page the rest
    return summary
