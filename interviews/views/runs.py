"""Loop pages: a loop's rounds and scorecard states, starting and cancelling loops, scheduling and
assigning rounds, the .ics download, the interview kit, one's own scorecard, the CSV export and the
overdue-reminder button. Colleagues' feedback shows only as interviews.services.visibility allows."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from core.jobs import enqueue_after_commit
from hiring.models import Application, DocumentKind
from hiring.services import jd_templates
from hiring.services.candidates import labelled_links
from interviews.forms.runs import AssignForm, CancelLoopForm, ScheduleForm
from interviews.forms.scorecards import scorecard_form
from interviews.jobs.reminders import remind_overdue_scorecards
from interviews.models import InterviewRound
from interviews.services import anonymity, loops, scorecards, visibility
from interviews.services.ics import round_ics as build_round_ics
from interviews.views._blueprint import bp
from rubrics.content import LEVEL_NAMES

RUNNERS = (Role.HIRING_MANAGER, Role.RECRUITER)
READERS = (Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)
KIT_DOCUMENTS = (DocumentKind.PORTFOLIO, DocumentKind.RESUME)


def _is_runner() -> bool:
    return bool(current_user.roles & visibility.LOOP_RUNNERS)


def _round_for_kit(round_id: int) -> InterviewRound:
    """The round, if the user runs loops or is one of its interviewers (else 403)."""
    round_ = loops.get_round(get_session(), round_id)
    visibility.ensure_can_view_loop(current_user, round_.loop)
    if not _is_runner() and scorecards.own_scorecard(round_, current_user.id) is None:
        abort(403)
    return round_


def _back_to_loop(loop_id: int, message: str, category: str = "error"):
    flash(message, category)
    return redirect(url_for("interviews.loop_detail", loop_id=loop_id))


def _run(action: Any, loop_id: int, done: str):
    """Call a service, commit and say so; a broken rule rolls back and is shown on the loop page."""
    session = get_session()
    try:
        action(session)
    except DomainError as error:
        session.rollback()
        return _back_to_loop(loop_id, error.message)
    session.commit()
    return _back_to_loop(loop_id, done, "success")


@bp.get("/loops/<int:loop_id>")
@require_role(*READERS)
def loop_detail(loop_id: int):
    """Show a loop: its rounds, dates, interviewers and who has submitted; feedback as visible."""
    session = get_session()
    loop = loops.get_loop(session, loop_id)
    visibility.ensure_can_view_loop(current_user, loop)
    runner = _is_runner()
    assign_forms = {}
    if runner:
        people = loops.assignable_users(session)
        for round_ in loop.rounds:
            form = AssignForm(formdata=None, prefix=f"round{round_.id}")
            form.interviewer_ids.choices = [SelectChoice(user.id, user.name) for user in people]
            form.interviewer_ids.data = [card.interviewer_id for card in round_.scorecards]
            assign_forms[round_.id] = form
    return render_template(
        "interviews/runs/loop.html",
        interview_loop=loop,
        runner=runner,
        is_open=loops.is_open(loop),
        shown=scorecards.shown_scorecards(current_user, loop),
        blind_reason=visibility.blind_reason(current_user, loop),
        competencies=scorecards.round_competencies,
        overdue=scorecards.is_overdue,
        assign_forms=assign_forms,
        cancel_form=CancelLoopForm(formdata=None),
        confirm_form=ConfirmForm(),
        endpoints=current_app.view_functions,
    )


@bp.get("/applications/<int:application_id>/loop")
@require_role(*RUNNERS)
def application_loop(application_id: int):
    """Go to the application's interview loop, or offer to start the role's published loop."""
    session = get_session()
    application = session.get(Application, application_id) or abort(404)
    loop = loops.loop_of_application(session, application.id)
    if loop is not None:
        return redirect(url_for("interviews.loop_detail", loop_id=loop.id))
    return render_template(
        "interviews/runs/start.html",
        application=application,
        template=loops.published_loop(session, application.role_id),
        form=ConfirmForm(),
    )


@bp.post("/applications/<int:application_id>/loop")
@require_role(*RUNNERS)
def start_loop(application_id: int):
    """Start the role's published loop for an application."""
    session = get_session()
    application = session.get(Application, application_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("interviews.index"))
    try:
        loop = loops.start_loop(session, application, actor_id=current_user.id)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("interviews.index"))
    session.commit()
    return _back_to_loop(loop.id, f"Loop started for {application.candidate.name}.", "success")


@bp.post("/loops/<int:loop_id>/cancel")
@require_role(*RUNNERS)
def cancel_loop(loop_id: int):
    """Cancel a loop, with the reason."""
    loop = loops.get_loop(get_session(), loop_id)
    form = CancelLoopForm()
    if not form.validate_on_submit():
        return _back_to_loop(loop.id, "Say why the loop is cancelled.")

    def cancel(session):
        loops.cancel_loop(session, loop, reason=form.reason.data, actor_id=current_user.id)

    return _run(cancel, loop.id, "The loop is cancelled.")


@bp.route("/rounds/<int:round_id>/schedule", methods=["GET", "POST"])
@require_role(*RUNNERS)
def schedule_round(round_id: int):
    """Set a round's date and time (UTC), length and place."""
    session = get_session()
    round_ = loops.get_round(session, round_id)
    form = ScheduleForm(
        data={
            "scheduled_at": round_.scheduled_at and loops.as_utc(round_.scheduled_at),
            "duration_minutes": round_.duration_minutes,
            "location": round_.location,
        },
    )
    if form.validate_on_submit():
        try:
            loops.schedule_round(
                session,
                round_,
                scheduled_at=form.scheduled_at.data,
                duration_minutes=form.duration_minutes.data,
                location=form.location.data,
                actor_id=current_user.id,
            )
        except DomainError as error:
            session.rollback()
            form.form_errors.append(error.message)
        else:
            session.commit()
            return _back_to_loop(round_.loop_id, f"{round_.title} is scheduled.", "success")
    return render_template("interviews/runs/schedule.html", round=round_, form=form)


@bp.post("/rounds/<int:round_id>/interviewers")
@require_role(*RUNNERS)
def assign_round(round_id: int):
    """Replace a round's interviewers."""
    round_ = loops.get_round(get_session(), round_id)
    form = AssignForm(prefix=f"round{round_.id}")
    form.interviewer_ids.choices = []
    if not form.validate_on_submit():
        return _back_to_loop(round_.loop_id, "The form expired; reload the page and try again.")

    def assign(session):
        loops.assign_interviewers(
            session, round_, form.interviewer_ids.data or [], actor_id=current_user.id
        )

    return _run(assign, round_.loop_id, f"Interviewers of {round_.title} saved.")


@bp.get("/rounds/<int:round_id>/round.ics")
@require_role(*READERS)
def round_ics(round_id: int):
    """Download the round as a calendar event (.ics, times in UTC)."""
    round_ = _round_for_kit(round_id)
    kit_url = url_for("interviews.kit", round_id=round_.id, _external=True)
    try:
        label = anonymity.candidate_label(current_user, round_.loop.application)
        text = build_round_ics(round_, kit_url, candidate_label=label)
    except DomainError as error:  # not scheduled yet: say so (the link only shows once it is)
        return render_template(
            "interviews/runs/no_date.html", round=round_, message=error.message, runner=_is_runner()
        )
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="interview-round-{round_.id}.ics"'},
    )


@bp.get("/rounds/<int:round_id>/kit")
@require_role(*READERS)
def kit(round_id: int):
    """Show the interview kit: questions and rubric levels, candidate, JD, visible earlier feedback."""
    session = get_session()
    round_ = _round_for_kit(round_id)
    loop = round_.loop
    candidate, role = loop.application.candidate, loop.application.role
    earlier = [
        card
        for card in scorecards.shown_scorecards(current_user, loop)
        if card.round.position < round_.position
    ]
    return render_template(
        "interviews/runs/kit.html",
        round=round_,
        interview_loop=loop,
        candidate=candidate,
        role=role,
        questions=loops.round_questions(session, round_),
        competencies=scorecards.round_competencies(round_),
        links=[link for link in labelled_links(candidate) if jd_templates.is_web_link(link.url)],
        documents=[d for d in candidate.documents if d.kind in KIT_DOCUMENTS],
        jd_labels=jd_templates.JD_FIELD_LABELS,
        jd_links=[link for link in role.links if jd_templates.is_web_link(str(link))],
        earlier=earlier,
        feedback_visible=visibility.feedback_visible(current_user, loop),
        blind_reason=visibility.blind_reason(current_user, loop),
        own=scorecards.own_scorecard(round_, current_user.id),
        round_competencies=scorecards.round_competencies,
        level_names=LEVEL_NAMES,
    )


@bp.route("/rounds/<int:round_id>/scorecard", methods=["GET", "POST"])
@require_role(*READERS)
def scorecard(round_id: int):
    """Fill in, save and submit my own scorecard for a round."""
    session = get_session()
    round_ = loops.get_round(session, round_id)
    visibility.ensure_can_view_loop(current_user, round_.loop)
    card = scorecards.own_scorecard(round_, current_user.id)
    competencies = scorecards.round_competencies(round_)
    form = scorecard_form(competencies)
    closed = scorecards.edit_closed_reason(round_.loop)
    if card is not None and request.method == "GET":
        form.fill(card.ratings, card.takeaways, card.recommendation)
    if card is not None and form.validate_on_submit():
        try:
            scorecards.save_scorecard(
                session,
                card,
                ratings=form.ratings(),
                takeaways=form.takeaways.data,
                recommendation=form.recommendation.data,
                submit=form.submitting,
                actor_id=current_user.id,
            )
        except DomainError as error:
            session.rollback()
            form.form_errors.append(error.message)
        else:
            session.commit()
            flash("Scorecard submitted." if form.submitting else "Scorecard saved.", "success")
            return redirect(url_for("interviews.scorecard", round_id=round_.id))
    return render_template(
        "interviews/scorecards/form.html", round=round_, card=card, form=form, closed=closed
    )


@bp.get("/loops/<int:loop_id>/scorecards.csv")
@require_role(*READERS)
def scorecard_export(loop_id: int):
    """Download the scorecards of a loop that I may read, as CSV."""
    loop = loops.get_loop(get_session(), loop_id)
    visibility.ensure_can_view_loop(current_user, loop)
    return Response(
        scorecards.export_scorecards_csv(current_user, loop),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="loop-{loop.id}-scorecards.csv"'},
    )


@bp.post("/reminders/run")
@require_role(*RUNNERS)
def run_reminders():
    """Queue the overdue-scorecard reminders now, and follow the job."""
    session = get_session()
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("interviews.index"))
    run = enqueue_after_commit(
        session, remind_overdue_scorecards, created_by_id=current_user.id, actor_id=current_user.id
    )
    session.commit()
    return redirect(url_for("core.job_run", run_id=run.id))
