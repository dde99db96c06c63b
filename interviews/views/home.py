"""The interviews home page: my interviews and reminders, applications waiting for a loop, loops in
progress, and the panels the user sits on."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session, paginate
from core.forms import ConfirmForm
from hiring.services.roles import roles_on_panel
from interviews import models  # noqa: F401  (registers the tables with the metadata)
from interviews.forms.runs import ReminderReadForm
from interviews.services import loops, reminders, scorecards
from interviews.services.visibility import LOOP_RUNNERS
from interviews.views._blueprint import bp


@bp.app_template_filter("utc")
def format_utc(value: datetime | None) -> str:
    """A stored time as "YYYY-MM-DD HH:MM UTC" (every date in the interviews pages is UTC)."""
    return "—" if value is None else f"{loops.as_utc(value):%Y-%m-%d %H:%M} UTC"


def _page_arg(name: str) -> int:
    return max(1, request.args.get(name, 1, type=int) or 1)


@bp.get("/")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)
def index():
    """Show my interviews and reminders, and to loop runners the loops to start and in progress."""
    session = get_session()
    runner = bool(current_user.roles & LOOP_RUNNERS)
    per_page = current_app.config["PER_PAGE"]
    waiting = in_progress = published = None
    if runner:
        waiting = paginate(
            session, loops.applications_without_loop_query(), _page_arg("waiting_page"), per_page
        )
        in_progress = paginate(
            session, loops.loops_in_progress_query(), _page_arg("loops_page"), per_page
        )
        published = {a.role_id: loops.published_loop(session, a.role_id) for a in waiting.items}
    return render_template(
        "interviews/index.html",
        runner=runner,
        my_cards=scorecards.my_scorecards(session, current_user.id),
        unread=reminders.list_unread_reminders(session, current_user.id),
        overdue=scorecards.is_overdue,
        waiting=waiting,
        published=published,
        in_progress=in_progress,
        panel_roles=roles_on_panel(session, current_user.id),
        confirm_form=ConfirmForm(),
        read_form=ReminderReadForm(),
        endpoints=current_app.view_functions,
    )


@bp.post("/reminders/read")
@require_role(Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)
def read_reminders():
    """Mark one of my reminders, or all of them, as read."""
    form = ReminderReadForm()
    raw = (form.reminder_id.data or "").strip()
    if not form.validate_on_submit() or (raw and not raw.isdigit()):
        flash("That reminder could not be marked as read; reload the page and try again.", "error")
        return redirect(url_for("interviews.index"))
    session = get_session()
    count = reminders.mark_reminders_read(session, current_user.id, int(raw) if raw else None)
    session.commit()
    flash(f"{count} reminder{'s' if count != 1 else ''} marked as read.", "success")
    return redirect(url_for("interviews.index"))
