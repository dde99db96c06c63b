"""Pipeline pages: a role's board (Kanban), moving applications one by one or in bulk, their history."""

from __future__ import annotations

from functools import partial

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.web import attempt, flash_form_errors
from hiring.forms.pipeline import AddApplicationForm, BulkForm, MoveForm, choices
from hiring.models import Application, JobRole, StageKind
from hiring.services import anonymised, candidates, pipeline, roles
from hiring.services.access import can_edit, ensure_can_view_role
from hiring.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER, Role.RECRUITER)
READERS = (Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)


def stage_choices(role: JobRole, *, active_only: bool = False) -> list[tuple[int, str]]:
    stages = sorted(role.stages, key=lambda s: s.position)
    return [(s.id, s.name) for s in stages if not active_only or s.kind is StageKind.ACTIVE]


def stage_options(stages: list[tuple[int, str]]) -> dict[int, Markup]:
    """The ``<option>`` list of a card's move form, once per current stage: a board renders
    hundreds of cards but only a dozen different lists."""
    return {
        current: Markup("").join(
            Markup('<option value="{}"{}>{}</option>').format(
                stage_id, Markup(" selected") if stage_id == current else "", name
            )
            for stage_id, name in stages
        )
        for current, _ in stages
    }


def board_url(role_id: int, application_id: int | None = None, page: int = 1) -> str:
    anchor = f"application-{application_id}" if application_id else None
    return url_for("hiring.board", role_id=role_id, page=page if page > 1 else None, _anchor=anchor)


@bp.get("/roles/<int:role_id>/board")
@require_role(*READERS)
def board(role_id: int):
    """Show a role's pipeline as a board; editors also get move, bulk and add forms."""
    session = get_session()
    role = roles.get_role(session, role_id)
    ensure_can_view_role(current_user, role)
    query = request.args.get("q", "").strip()[:100]
    stages = stage_choices(role)
    add_form = AddApplicationForm()
    add_form.stage_id.choices = choices(
        [(0, "Default (Applied)"), *stage_choices(role, active_only=True)]
    )
    return render_template(
        "hiring/pipeline/board.html",
        board=pipeline.build_board(session, role, page=request.args.get("page", 1, type=int)),
        editable=can_edit(current_user),
        stages=stages,
        stage_options=stage_options(stages),
        bulk_form=BulkForm(),
        add_form=add_form,
        addable=pipeline.candidates_to_add(session, role, query) if can_edit(current_user) else [],
        query=query,
        days_in_stage=pipeline.days_in_stage,
        candidate_pages="hiring.candidate_detail" in current_app.view_functions,
        hide_identity=anonymised.identity_hidden(current_user, role),
        label_of=partial(anonymised.candidate_label, current_user),
    )


@bp.post("/roles/<int:role_id>/applications")
@require_role(*EDITORS)
def add_application(role_id: int):
    """Put an existing candidate into this role's pipeline."""
    session = get_session()
    role = roles.get_role(session, role_id)
    form = AddApplicationForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(board_url(role.id))
    candidate = candidates.get_candidate(session, form.candidate_id.data)
    stage = pipeline.get_stage(session, form.stage_id.data) if form.stage_id.data else None
    change = partial(
        pipeline.add_application,
        session,
        candidate=candidate,
        role=role,
        stage=stage,
        actor_id=current_user.id,
    )
    attempt(session, change, f"{candidate.name} added to {role.title}.")
    return redirect(board_url(role.id))


@bp.post("/applications/<int:application_id>/move")
@require_role(*EDITORS)
def move_application(application_id: int):
    """Move one application to another stage of its role (a rejection needs a reason)."""
    session = get_session()
    application = pipeline.get_application(session, application_id)
    form = MoveForm()
    if form.validate_on_submit():
        stage = pipeline.get_stage(session, form.to_stage.data)
        change = partial(
            pipeline.move_application,
            session,
            application,
            stage,
            actor_id=current_user.id,
            reason=form.reason.data or "",
        )
        attempt(session, change, f"{application.candidate.name} moved to {stage.name}.")
    else:
        flash_form_errors(form)
    if form.back.data == "application":
        return redirect(url_for("hiring.application_detail", application_id=application.id))
    page = pipeline.board_page_of(session, application)  # where the card is now: the end of its stage
    return redirect(board_url(application.role_id, application.id, page))


@bp.post("/roles/<int:role_id>/board/bulk")
@require_role(*EDITORS)
def bulk_move(role_id: int):
    """Move or reject the ticked applications of a role: all of them or, if one cannot, none."""
    session = get_session()
    role = roles.get_role(session, role_id)
    form = BulkForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(board_url(role.id))
    reason, actor_id = form.reason.data or "", current_user.id

    def change() -> None:
        applications = pipeline.get_applications(session, form.application_ids.data, role=role)
        if form.action.data == "reject":
            pipeline.bulk_reject(session, applications, actor_id=actor_id, reason=reason)
        elif not form.to_stage.data:
            raise DomainError("Pick the stage to move them to.")
        else:
            stage = pipeline.get_stage(session, form.to_stage.data)
            pipeline.bulk_move(session, applications, stage, actor_id=actor_id, reason=reason)

    count = len(set(form.application_ids.data))
    done = "rejected" if form.action.data == "reject" else "moved"
    attempt(session, change, f"{count} candidate{'s' if count != 1 else ''} {done}.")
    return redirect(board_url(role.id))


@bp.get("/applications/<int:application_id>")
@require_role(*READERS)
def application_detail(application_id: int):
    """Show an application: its candidate, stage and stage history, with the move form for editors."""
    session = get_session()
    application: Application = pipeline.get_application(session, application_id)
    ensure_can_view_role(current_user, application.role)
    if anonymised.identity_hidden(current_user, application.role):
        abort(403)  # the role reviews anonymously: its interviewers see no candidate's identity
    form = MoveForm(back="application")
    form.to_stage.choices = choices(stage_choices(application.role))
    form.to_stage.data = application.stage_id
    return render_template(
        "hiring/pipeline/application.html",
        application=application,
        form=form,
        editable=can_edit(current_user),
        days=pipeline.days_in_stage(application),
        candidate_pages="hiring.candidate_detail" in current_app.view_functions,
    )
