"""Role pages: list, create (blank or from a template), edit, detail, status, panel, stages, JD
export, LLM draft, and the public careers page of an open role."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, public, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from hiring.forms.roles import (
    DraftBriefForm,
    PanelForm,
    RoleForm,
    StageMoveForm,
    StageNameForm,
    StatusForm,
    user_choices,
)
from hiring.jobs import queue_jd_draft
from hiring.models import JobRole, RoleStage, RoleStatus
from hiring.services import jd_templates, roles
from hiring.services.access import can_edit, ensure_can_view_role
from hiring.services.jd_checks import check_jd
from hiring.services.jd_draft import draft_unavailable_reason
from hiring.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER, Role.RECRUITER)
READERS = (Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)


def _with_people(form: RoleForm) -> RoleForm:
    session = get_session()
    form.set_people(
        roles.users_with_role(session, Role.HIRING_MANAGER),
        roles.users_with_role(session, Role.RECRUITER),
    )
    return form


def _form_page(form: RoleForm, **context: Any) -> str:
    jd = {
        name: jd_templates.split_lines(form[name].data)
        if name in jd_templates.JD_LIST_FIELDS
        else form[name].data or ""
        for name in jd_templates.JD_FIELDS
    }
    report = check_jd({"title": form.title.data or "", **jd})
    labels = jd_templates.JD_FIELD_LABELS
    return render_template("hiring/roles/form.html", form=form, report=report, labels=labels, **context)


def _save_form(form: RoleForm, save: Any) -> Any:
    """Validate the form and call ``save``; a broken rule becomes a message on the form."""
    if not form.validate_on_submit():
        return None
    try:
        role = save(form.role_fields())
    except DomainError as error:
        get_session().rollback()
        form.form_errors.append(error.message)
        return None
    get_session().commit()
    return role


@bp.get("/roles", endpoint="roles")
@require_role(*EDITORS)
def list_roles_page():
    """List roles, optionally by status."""
    status = request.args.get("status") or None
    status = RoleStatus(status) if status in {s.value for s in RoleStatus} else None
    page = roles.list_roles(
        get_session(),
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["PER_PAGE"],
        status=status,
    )
    return render_template("hiring/roles/list.html", page=page, status=status, statuses=list(RoleStatus))


@bp.route("/roles/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def new_role():
    """Create a role from a blank form."""
    form = _with_people(RoleForm())
    role = _save_form(
        form, lambda fields: roles.create_role(get_session(), actor_id=current_user.id, **fields)
    )
    if role is not None:
        flash(f"Role “{role.title}” created as a draft.", "success")
        return redirect(url_for("hiring.role_detail", role_id=role.id))
    return _form_page(form, heading="New role", template=None)


@bp.get("/roles/templates")
@require_role(*EDITORS)
def role_templates():
    """Pick one of our JD templates to start a role from."""
    return render_template("hiring/roles/templates.html", templates=jd_templates.list_templates())


@bp.route("/roles/new/<template_key>", methods=["GET", "POST"])
@require_role(*EDITORS)
def new_role_from_template(template_key: str):
    """Create a role from a form pre-filled with one of our JD templates."""
    template = jd_templates.get_template(template_key)
    form = _with_people(RoleForm())
    if request.method == "GET":
        form.fill(template.role_fields())

    def save(fields: dict[str, Any]):
        return roles.create_role(
            get_session(), actor_id=current_user.id, template_key=template.key, **fields
        )

    role = _save_form(form, save)
    if role is not None:
        flash(f"Role “{role.title}” created from the {template.title} template.", "success")
        return redirect(url_for("hiring.role_detail", role_id=role.id))
    return _form_page(form, heading=f"New role from the {template.title} template", template=template)


@bp.route("/roles/<int:role_id>/edit", methods=["GET", "POST"])
@require_role(*EDITORS)
def edit_role(role_id: int):
    """Edit a role and its JD; saving marks an LLM draft as reviewed."""
    role = roles.get_role(get_session(), role_id)
    form = _with_people(RoleForm())
    if request.method == "GET":
        form.fill({name: getattr(role, name) for name in (*RoleForm.ROLE_DATA, *jd_templates.JD_FIELDS)})
        form.fill({"hiring_manager_id": role.hiring_manager_id, "recruiter_id": role.recruiter_id})
    saved = _save_form(
        form, lambda fields: roles.update_role(get_session(), role, actor_id=current_user.id, **fields)
    )
    if saved is not None:
        flash("Role saved.", "success")
        return redirect(url_for("hiring.role_detail", role_id=role.id))
    return _form_page(form, heading=f"Edit {role.title}", role=role, template=None)


@bp.get("/roles/<int:role_id>")
@require_role(*READERS)
def role_detail(role_id: int):
    """Show a role: its JD, JD checks, status buttons and links to its panel, stages and board."""
    role = roles.get_role(get_session(), role_id)
    ensure_can_view_role(current_user, role)
    editor = can_edit(current_user)
    draft_form = DraftBriefForm(formdata=None, title=role.title)
    return render_template(
        "hiring/roles/detail.html",
        role=role,
        editor=editor,
        report=check_jd(roles.jd_fields(role)) if editor else None,
        labels=jd_templates.JD_FIELD_LABELS,
        links=_web_links(role),
        next_statuses=roles.next_statuses(role),
        status_form=StatusForm(),
        draft_form=draft_form,
        draft_unavailable=draft_unavailable_reason(current_app.config),
        has_board="hiring.board" in current_app.view_functions,
        can_edit_panel=current_user.has_any_role([Role.HIRING_MANAGER]),
    )


@bp.post("/roles/<int:role_id>/status")
@require_role(*EDITORS)
def change_role_status(role_id: int):
    """Move a role to another status (the page asks before closing or filling it)."""
    session = get_session()
    role = roles.get_role(session, role_id)
    form = StatusForm()
    if not form.validate_on_submit():
        flash("Pick a status to move the role to.", "error")
        return redirect(url_for("hiring.role_detail", role_id=role.id))
    try:
        roles.change_role_status(session, role, RoleStatus(form.status.data), actor_id=current_user.id)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("hiring.role_detail", role_id=role_id))
    session.commit()
    flash(f"{role.title} is now {role.status.label.lower()}.", "success")
    return redirect(url_for("hiring.role_detail", role_id=role.id))


def _web_links(role: JobRole) -> list[str]:
    """The role's links that are http(s) addresses (others are never rendered as links)."""
    return [link for link in role.links if isinstance(link, str) and jd_templates.is_web_link(link)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "role"


@bp.get("/roles/<int:role_id>/jd.md")
@require_role(*READERS)
def role_jd_markdown(role_id: int):
    """Download the role's JD as a Markdown file."""
    role = roles.get_role(get_session(), role_id)
    ensure_can_view_role(current_user, role)
    response = Response(roles.jd_markdown(role), mimetype="text/markdown")
    response.headers["Content-Disposition"] = f'attachment; filename="{_slug(role.title)}-jd.md"'
    return response


@bp.route("/roles/<int:role_id>/panel", methods=["GET", "POST"])
@require_role(Role.HIRING_MANAGER)
def role_panel(role_id: int):
    """Choose the interviewers on a role's panel (hiring managers only)."""
    session = get_session()
    role = roles.get_role(session, role_id)
    form = PanelForm()
    form.interviewer_ids.choices = user_choices(roles.users_with_role(session, Role.INTERVIEWER))
    if request.method == "GET":
        form.interviewer_ids.data = [user.id for user in role.interviewers]
    elif form.validate_on_submit():
        roles.set_role_interviewers(
            session, role, form.interviewer_ids.data or [], actor_id=current_user.id
        )
        session.commit()
        flash("Interview panel saved.", "success")
        return redirect(url_for("hiring.role_detail", role_id=role.id))
    return render_template("hiring/roles/panel.html", role=role, form=form)


@bp.get("/roles/<int:role_id>/stages")
@require_role(*EDITORS)
def role_stages(role_id: int):
    """Show a role's pipeline stages, to rename, add, remove and reorder the active ones."""
    session = get_session()
    role = roles.get_role(session, role_id)
    return render_template(
        "hiring/roles/stages.html",
        role=role,
        counts=roles.stage_application_counts(session, role),
        in_history=roles.stages_in_history(session, role),
        add_form=StageNameForm(formdata=None),
        confirm_form=ConfirmForm(),
    )


def _stage(stage_id: int) -> RoleStage:
    stage = get_session().get(RoleStage, stage_id)
    if stage is None:
        abort(404)
    return stage


def _change_stages(role_id: int, form: Any, change: Any):
    """Validate ``form``, run ``change`` (returning a message), commit, and go back to the stages."""
    session = get_session()
    if not form.validate_on_submit():
        errors = [error for messages in form.errors.values() for error in messages]
        flash(errors[0] if errors else "That did not work.", "error")
    else:
        try:
            message = change(session)
        except DomainError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            session.commit()
            flash(message, "success")
    return redirect(url_for("hiring.role_stages", role_id=role_id))


@bp.post("/roles/<int:role_id>/stages")
@require_role(*EDITORS)
def add_role_stage(role_id: int):
    """Add an active stage at the end of the funnel."""
    role, form = roles.get_role(get_session(), role_id), StageNameForm()

    def add(session):
        stage = roles.add_role_stage(session, role, form.name.data, actor_id=current_user.id)
        return f"Stage “{stage.name}” added."

    return _change_stages(role.id, form, add)


@bp.post("/roles/stages/<int:stage_id>/rename")
@require_role(*EDITORS)
def rename_role_stage(stage_id: int):
    """Rename an active stage."""
    stage, form = _stage(stage_id), StageNameForm()

    def rename(session):
        roles.rename_role_stage(session, stage, form.name.data, actor_id=current_user.id)
        return f"Stage renamed to “{stage.name}”."

    return _change_stages(stage.role_id, form, rename)


@bp.post("/roles/stages/<int:stage_id>/move")
@require_role(*EDITORS)
def move_role_stage(stage_id: int):
    """Move an active stage one place earlier or later."""
    stage, form = _stage(stage_id), StageMoveForm()

    def move(session):
        offset = -1 if form.direction.data == "up" else 1
        roles.move_role_stage(session, stage, offset, actor_id=current_user.id)
        return f"Moved “{stage.name}”."

    return _change_stages(stage.role_id, form, move)


@bp.post("/roles/stages/<int:stage_id>/delete")
@require_role(*EDITORS)
def remove_role_stage(stage_id: int):
    """Remove an active stage that no application has been in (the page asks first)."""
    stage = _stage(stage_id)
    name, role_id = stage.name, stage.role_id

    def remove(session):
        roles.remove_role_stage(session, stage, actor_id=current_user.id)
        return f"Stage “{name}” removed."

    return _change_stages(role_id, ConfirmForm(), remove)


@bp.post("/roles/<int:role_id>/jd/draft")
@require_role(*EDITORS)
def draft_role_jd(role_id: int):
    """Queue an LLM draft of the role's JD from a brief, and follow the job's progress."""
    session = get_session()
    role = roles.get_role(session, role_id)
    form = DraftBriefForm()
    if not form.validate_on_submit():
        errors = [error for messages in form.errors.values() for error in messages]
        flash(errors[0] if errors else "Write a brief first.", "error")
        return redirect(url_for("hiring.role_detail", role_id=role.id))
    try:
        run = queue_jd_draft(
            session,
            role,
            title=form.title.data,
            brief=form.brief.data,
            actor_id=current_user.id,
            config=current_app.config,
        )
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("hiring.role_detail", role_id=role.id))
    session.commit()
    return redirect(url_for("core.job_run", run_id=run.id))


@bp.get("/careers/<int:role_id>")
@public
def career_page(role_id: int):
    """Show an open role's JD to anyone (other roles are not found)."""
    role = roles.get_open_role(get_session(), role_id)
    return render_template(
        "hiring/roles/public.html",
        role=role,
        links=_web_links(role),
        labels=jd_templates.JD_FIELD_LABELS,
    )
