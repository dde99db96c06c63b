"""Loop template pages: the shipped library, and each role's loop editor with its coverage matrix.

Hiring managers (and admins) edit; recruiters and the interviewers on a role's panel may look.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from hiring.models import JobRole
from hiring.services import roles
from hiring.services.access import ensure_can_view_role
from interviews.forms.loops import (
    NOBODY,
    CompetencyForm,
    CopyTemplateForm,
    LoopSettingsForm,
    MoveRoundForm,
    RoundForm,
)
from interviews.models import LoopRound, LoopTemplate
from interviews.services import loop_edits, loop_rounds
from interviews.services import templates as loop_templates
from interviews.services.coverage import coverage_report
from interviews.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER,)
LIBRARY_READERS = (Role.HIRING_MANAGER, Role.RECRUITER)
LOOP_READERS = (Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)  # interviewers: panel only


def _is_editor() -> bool:
    return current_user.has_any_role(EDITORS)


def _question_context(session: Session, templates: list[LoopTemplate]) -> dict[str, Any]:
    ids = [q for t in templates for r in t.rounds for q in r.question_ids]
    return {
        "titles": {c["key"]: c["title"] for t in templates for c in t.competencies},
        "questions": loop_templates.questions_by_id(session, ids),
        "question_links": current_user.has_any_role([Role.HIRING_MANAGER, Role.INTERVIEWER]),
    }


# ---------------------------------------------------------------- the library


@bp.get("/templates")
@require_role(*LIBRARY_READERS)
def templates():
    """List the library's loop templates with their coverage against their JD family."""
    library = loop_templates.list_library_templates(get_session())
    return render_template(
        "interviews/loops/templates.html",
        library=library,
        reports={t.id: coverage_report(t) for t in library},
        editor=_is_editor(),
        confirm_form=ConfirmForm(),
    )


@bp.get("/templates/<int:template_id>")
@require_role(*LIBRARY_READERS)
def template_detail(template_id: int):
    """Show a loop template: competencies, rounds with their questions, and the coverage matrix."""
    session = get_session()
    template = loop_templates.get_template(session, template_id)
    if template.role_id is not None:
        return redirect(url_for("interviews.role_loop", role_id=template.role_id))
    return render_template(
        "interviews/loops/template.html",
        template=template,
        report=coverage_report(template),
        **_question_context(session, [template]),
    )


@bp.post("/templates/sync")
@require_role(*EDITORS)
def sync_loop_templates():
    """Load the shipped loop templates into the library (and the rubric packs they need)."""
    session = get_session()
    role_id = request.form.get("role_id", type=int)
    back = (
        url_for("interviews.role_loop", role_id=role_id) if role_id else url_for("interviews.templates")
    )
    if not ConfirmForm().validate_on_submit():
        flash("The form expired: reload the page and try again.", "error")
        return redirect(back)
    try:
        report = loop_templates.sync_library_templates(session, actor_id=current_user.id)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(back)
    session.commit()
    flash(report.summary, "success")
    return redirect(back)


# ---------------------------------------------------------------- a role's loop


def _editor_forms(session: Session, role: JobRole, loop: LoopTemplate) -> dict[str, Any]:
    """The forms of the loop editor, filled from the loop (hiring managers only)."""
    bank = loop_templates.list_bank_questions(session)
    panel = list(role.interviewers)
    settings = LoopSettingsForm(
        formdata=None,
        blind_mode=loop.blind_mode.value,
        tie_break=loop.tie_break.value,
        bar_raiser_id=loop.bar_raiser_id or NOBODY,
        offer_approver_role=loop.offer_approver_role,
    ).with_panel(panel)
    competency_forms = {
        c["key"]: CompetencyForm(
            formdata=None,
            prefix=f"competency-{c['key']}",
            title=c["title"],
            description=c.get("description", ""),
            must_haves=list(c.get("must_haves") or ()),
        ).with_lines([*role.must_have, *(c.get("must_haves") or ())])
        for c in loop.competencies
    }
    round_forms = {
        r.id: RoundForm(formdata=None, prefix=f"round-{r.id}")
        .with_choices(loop.competencies, bank, panel)
        .fill(r)
        for r in loop.rounds
    }
    return {
        "settings_form": settings,
        "competency_forms": competency_forms,
        "new_competency_form": CompetencyForm(formdata=None, prefix="new-competency").with_lines(
            role.must_have
        ),
        "round_forms": round_forms,
        "new_round_form": RoundForm(formdata=None, prefix="new-round").with_choices(
            loop.competencies, bank, panel
        ),
        "move_form": MoveRoundForm(formdata=None),
    }


@bp.get("/roles/<int:role_id>/loop")
@require_role(*LOOP_READERS)
def role_loop(role_id: int):
    """Show a role's loop (its editor for hiring managers), or the library templates to start one."""
    session = get_session()
    role = roles.get_role(session, role_id)
    ensure_can_view_role(current_user, role)
    loop = loop_templates.role_loop(session, role)
    editor = _is_editor()
    context: dict[str, Any] = {
        "role": role,
        "plan": loop,
        "editor": editor,
        "confirm_form": ConfirmForm(),
    }
    if loop is None:
        library = loop_templates.list_library_templates(session)
        suggested = loop_templates.suggested_template(library, role)
        form = CopyTemplateForm(formdata=None, template_id=suggested.id if suggested else None)
        form.template_id.choices = [(t.id, t.title) for t in library]
        context.update(library=library, suggested=suggested, copy_form=form)
        return render_template("interviews/loops/role_start.html", **context)
    context.update(report=coverage_report(loop, role), **_question_context(session, [loop]))
    if editor:
        context.update(_editor_forms(session, role, loop))
    return render_template("interviews/loops/role_loop.html", **context)


@bp.post("/roles/<int:role_id>/loop")
@require_role(*EDITORS)
def copy_loop_template(role_id: int):
    """Start the role's loop as a draft copy of a library template."""
    session = get_session()
    role = roles.get_role(session, role_id)
    form = CopyTemplateForm()
    form.template_id.choices = [(t.id, t.title) for t in loop_templates.list_library_templates(session)]
    if not form.validate_on_submit():
        flash("Pick a library template to start from.", "error")
        return redirect(url_for("interviews.role_loop", role_id=role.id))
    try:
        template = loop_templates.get_template(session, form.template_id.data)
        loop = loop_templates.create_role_loop(session, role, template, actor_id=current_user.id)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("interviews.role_loop", role_id=role.id))
    session.commit()
    flash(
        f"“{loop.title}” is the role's loop, as a draft: choose interviewers for its rounds, check the "
        "coverage and publish it.",
        "success",
    )
    return redirect(url_for("interviews.role_loop", role_id=role.id))


def _first_error(form: FlaskForm) -> str:
    errors = [error for messages in form.errors.values() for error in messages]
    return errors[0] if errors else "That did not work: reload the page and try again."


def _edit_loop(
    role_id: int,
    build_form: Callable[[JobRole, LoopTemplate], FlaskForm],
    change: Callable[[Session, LoopTemplate, Any], loop_edits.LoopEdit],
):
    """Load the role's loop, validate the form, apply ``change``, commit, and go back to the editor."""
    session = get_session()
    role = roles.get_role(session, role_id)
    back = redirect(url_for("interviews.role_loop", role_id=role.id))
    loop = loop_templates.role_loop(session, role)
    if loop is None:
        flash(f"{role.title} has no interview loop yet: start one from a library template.", "error")
        return back
    try:
        form = build_form(role, loop)
        if not form.validate_on_submit():
            flash(_first_error(form), "error")
            return back
        edit = change(session, loop, form)
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return back
    session.commit()
    flash(edit.message, "warning" if edit.unpublished else "success")
    return back


@bp.post("/roles/<int:role_id>/loop/settings")
@require_role(*EDITORS)
def save_loop_settings(role_id: int):
    """Save the loop's blind mode, tie-break rule, bar raiser and offer approver role."""
    return _edit_loop(
        role_id,
        lambda role, loop: LoopSettingsForm().with_panel(role.interviewers),
        lambda session, loop, form: loop_edits.update_loop_settings(
            session,
            loop,
            blind_mode=form.blind_mode.data,
            tie_break=form.tie_break.data,
            bar_raiser_id=form.bar_raiser_id.data or None,
            offer_approver_role=form.offer_approver_role.data,
            actor_id=current_user.id,
        ),
    )


def _competency_key(loop: LoopTemplate) -> str:
    key = request.args.get("competency", "")
    if not any(c["key"] == key for c in loop.competencies):
        raise DomainError("That competency is not part of this loop (any more). Reload the page.")
    return key


def _competency_form(role: JobRole, loop: LoopTemplate, prefix: str) -> CompetencyForm:
    mapped = [line for c in loop.competencies for line in c.get("must_haves") or ()]
    return CompetencyForm(prefix=prefix).with_lines([*role.must_have, *mapped])


@bp.post("/roles/<int:role_id>/loop/competencies")
@require_role(*EDITORS)
def add_loop_competency(role_id: int):
    """Add a competency to the loop, with the JD must-haves it assesses."""
    return _edit_loop(
        role_id,
        lambda role, loop: _competency_form(role, loop, "new-competency"),
        lambda session, loop, form: loop_edits.add_loop_competency(
            session,
            loop,
            title=form.title.data,
            description=form.description.data,
            must_haves=form.must_haves.data or [],
            actor_id=current_user.id,
        ),
    )


@bp.post("/roles/<int:role_id>/loop/competencies/update")
@require_role(*EDITORS)
def update_loop_competency(role_id: int):
    """Save a competency's title, description and must-have mapping."""
    return _edit_loop(
        role_id,
        lambda role, loop: _competency_form(role, loop, f"competency-{_competency_key(loop)}"),
        lambda session, loop, form: loop_edits.update_loop_competency(
            session,
            loop,
            _competency_key(loop),
            title=form.title.data,
            description=form.description.data,
            must_haves=form.must_haves.data or [],
            actor_id=current_user.id,
        ),
    )


@bp.post("/roles/<int:role_id>/loop/competencies/remove")
@require_role(*EDITORS)
def remove_loop_competency(role_id: int):
    """Remove a competency from the loop and its rounds (the page asks first)."""
    return _edit_loop(
        role_id,
        lambda role, loop: ConfirmForm(),
        lambda session, loop, form: loop_edits.remove_loop_competency(
            session, loop, _competency_key(loop), actor_id=current_user.id
        ),
    )


def _loop_round(loop: LoopTemplate) -> LoopRound:
    round_id = request.args.get("round", type=int)
    for loop_round in loop.rounds:
        if loop_round.id == round_id:
            return loop_round
    raise DomainError("That round is not part of this loop (any more). Reload the page.")


def _round_form(role: JobRole, loop: LoopTemplate, prefix: str) -> RoundForm:
    bank = loop_templates.list_bank_questions(get_session())
    return RoundForm(prefix=prefix).with_choices(loop.competencies, bank, role.interviewers)


@bp.post("/roles/<int:role_id>/loop/rounds")
@require_role(*EDITORS)
def add_loop_round(role_id: int):
    """Add a round at the end of the loop."""
    return _edit_loop(
        role_id,
        lambda role, loop: _round_form(role, loop, "new-round"),
        lambda session, loop, form: loop_rounds.add_loop_round(
            session, loop, **form.round_fields(), actor_id=current_user.id
        ),
    )


@bp.post("/roles/<int:role_id>/loop/rounds/update")
@require_role(*EDITORS)
def update_loop_round(role_id: int):
    """Save a round's kind, title, length, competencies, questions, interviewers and notes."""
    return _edit_loop(
        role_id,
        lambda role, loop: _round_form(role, loop, f"round-{_loop_round(loop).id}"),
        lambda session, loop, form: loop_rounds.update_loop_round(
            session, _loop_round(loop), **form.round_fields(), actor_id=current_user.id
        ),
    )


@bp.post("/roles/<int:role_id>/loop/rounds/move")
@require_role(*EDITORS)
def move_loop_round(role_id: int):
    """Move a round one place earlier or later."""
    return _edit_loop(
        role_id,
        lambda role, loop: MoveRoundForm(),
        lambda session, loop, form: loop_rounds.move_loop_round(
            session,
            _loop_round(loop),
            -1 if form.direction.data == "up" else 1,
            actor_id=current_user.id,
        ),
    )


@bp.post("/roles/<int:role_id>/loop/rounds/remove")
@require_role(*EDITORS)
def remove_loop_round(role_id: int):
    """Remove a round from the loop (the page asks first)."""
    return _edit_loop(
        role_id,
        lambda role, loop: ConfirmForm(),
        lambda session, loop, form: loop_rounds.remove_loop_round(
            session, _loop_round(loop), actor_id=current_user.id
        ),
    )


@bp.post("/roles/<int:role_id>/loop/publish")
@require_role(*EDITORS)
def publish_loop(role_id: int):
    """Publish the role's loop once its coverage has no errors."""

    def publish(session: Session, loop: LoopTemplate, form: Any) -> loop_edits.LoopEdit:
        report = loop_templates.publish_loop(session, loop, actor_id=current_user.id)
        warned = f" Mind the {len(report.warnings)} coverage warnings." if report.warnings else ""
        return loop_edits.LoopEdit(f"The loop is published: loops started from now on use it.{warned}")

    return _edit_loop(role_id, lambda role, loop: ConfirmForm(), publish)
