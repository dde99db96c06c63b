"""Rubric library pages: rubrics (draft, publish, versions, diff, import/export), the question bank,
and loading the rubric packs written by Loopwise."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from rubrics import golden
from rubrics.content import LEVEL_NAMES
from rubrics.forms import (
    CATEGORY_CHOICES,
    DraftForm,
    ImportForm,
    PublishForm,
    QuestionForm,
    RubricForm,
    SearchArgs,
)
from rubrics.models import QuestionCategory
from rubrics.services import diff as diffing
from rubrics.services import library as service
from rubrics.services import pack_loading, questions
from rubrics.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER,)
READERS = (Role.HIRING_MANAGER, Role.INTERVIEWER)
MIME = {"yaml": "application/yaml; charset=utf-8", "json": "application/json; charset=utf-8"}


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _per_page() -> int:
    return current_app.config["PER_PAGE"]


def _can_edit() -> bool:
    return current_user.has_any_role(EDITORS)


# ---------------------------------------------------------------- rubrics


@bp.get("/library")
@require_role(*READERS)
def rubric_list():
    """List rubrics, filtered by pack and searched by key or title."""
    session = get_session()
    args = SearchArgs(request.args)
    page = service.list_rubrics(
        session, page=_page(), per_page=_per_page(), pack=args.pack, query=args.q
    )
    return render_template(
        "rubrics/library/rubrics.html",
        page=page,
        args=args,
        packs=service.list_packs(session),
        draft_state=service.draft_state,
        editor=_can_edit(),
        confirm_form=ConfirmForm(),
    )


def _content_form_page(template: str, form, status: int = 200, **context):
    return render_template(template, form=form, level_names=LEVEL_NAMES, **context), status


def _content_error(form, error: DomainError) -> None:
    form.form_errors.append(error.message)
    if isinstance(error, service.InvalidContent):
        form.show_content_error(error.detail)


@bp.route("/library/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def new_rubric():
    """Create a rubric: key, pack and its content; it starts as an unpublished draft."""
    form = RubricForm()
    if "add_criterion" in request.form or not form.validate_on_submit():
        if "add_criterion" in request.form:
            form.criteria.append_entry()
        return _content_form_page("rubrics/library/rubric_form.html", form, rubric=None)
    session = get_session()
    try:
        rubric = service.create_rubric(
            session,
            key=form.key.data,
            title=form.title.data,
            pack=form.pack.data,
            content=form.content_data(),
            actor_id=current_user.id,
        )
    except DomainError as error:
        _content_error(form, error)
        return _content_form_page(
            "rubrics/library/rubric_form.html", form, error.status_code, rubric=None
        )
    session.commit()
    flash(f"Created {rubric.key}. Review the draft and publish it to use it for scoring.", "success")
    return redirect(url_for("rubrics.rubric_detail", rubric_id=rubric.id))


@bp.get("/library/<int:rubric_id>")
@require_role(*READERS)
def rubric_detail(rubric_id: int):
    """Show a rubric: its draft (structured), its versions and the actions on them."""
    session = get_session()
    rubric = service.get_rubric(session, rubric_id)
    return render_template(
        "rubrics/library/rubric.html",
        rubric=rubric,
        golden=golden.golden_summary(session, rubric.id),
        draft=service.read_content(rubric.draft),
        state=service.draft_state(rubric),
        level_names=LEVEL_NAMES,
        editor=_can_edit(),
        publish_form=PublishForm(),
    )


@bp.route("/library/<int:rubric_id>/edit", methods=["GET", "POST"])
@require_role(*EDITORS)
def edit_draft(rubric_id: int):
    """Edit a rubric's draft; published versions never change."""
    session = get_session()
    rubric = service.get_rubric(session, rubric_id)
    form = DraftForm() if request.method == "POST" else DraftForm.for_rubric(rubric, rubric.draft)
    if "add_criterion" in request.form or not form.validate_on_submit():
        if "add_criterion" in request.form:
            form.criteria.append_entry()
        return _content_form_page("rubrics/library/rubric_form.html", form, rubric=rubric)
    try:
        changed = service.save_draft(
            session,
            rubric,
            content=form.content_data(),
            title=form.title.data,
            pack=form.pack.data,
            actor_id=current_user.id,
        )
    except DomainError as error:
        _content_error(form, error)
        return _content_form_page(
            "rubrics/library/rubric_form.html", form, error.status_code, rubric=rubric
        )
    session.commit()
    flash("Saved the draft." if changed else "Nothing changed.", "success")
    return redirect(url_for("rubrics.rubric_detail", rubric_id=rubric.id))


@bp.post("/library/<int:rubric_id>/publish")
@require_role(*EDITORS)
def publish_rubric(rubric_id: int):
    """Publish the draft as a new immutable version."""
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    rubric = service.get_rubric(session, rubric_id)
    try:
        version = service.publish_rubric(
            session, rubric, notes=form.notes.data, actor_id=current_user.id
        )
    except golden.GateRefused as error:
        session.commit()  # keep the refused gate run and its audit event
        flash(error.message, "error")
        return redirect(url_for("rubrics.golden_set", rubric_id=rubric.id))
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("rubrics.rubric_detail", rubric_id=rubric.id))
    session.commit()
    gate = golden.gate_run_for_version(session, version.id)
    if gate is not None and gate.outcome is golden.GateOutcome.WARNING:
        flash(gate.message, "warning")
    flash(f"Published version {version.number} of {rubric.key}.", "success")
    return redirect(url_for("rubrics.version_detail", version_id=version.id))


@bp.get("/versions/<int:version_id>")
@require_role(*READERS)
def version_detail(version_id: int):
    """Show one published version's content."""
    session = get_session()
    version = service.get_version(session, version_id)
    return render_template(
        "rubrics/library/version.html",
        version=version,
        gate=golden.gate_run_for_version(session, version.id),
        rubric=version.rubric,
        content=service.read_content(version.content),
        level_names=LEVEL_NAMES,
        editor=_can_edit(),
        confirm_form=ConfirmForm(),
    )


@bp.post("/versions/<int:version_id>/draft")
@require_role(*EDITORS)
def draft_from_version(version_id: int):
    """Start the rubric's draft from a published version (the versions stay as they are)."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = get_session()
    version = service.get_version(session, version_id)
    changed = service.draft_from_version(session, version, actor_id=current_user.id)
    session.commit()
    flash(
        f"The draft now starts from version {version.number}."
        if changed
        else f"The draft already equals version {version.number}.",
        "success",
    )
    return redirect(url_for("rubrics.rubric_detail", rubric_id=version.rubric_id))


def _side(rubric, choice: str | None, default: str) -> tuple[str, str, dict]:
    """The (choice, label, content) of one side of a diff: a version number or "draft"."""
    choice = choice or default
    if choice == "draft":
        return "draft", "draft", rubric.draft
    if not choice.isdigit():
        abort(404)
    version = service.get_version_by_number(rubric, int(choice))
    return choice, f"v{version.number}", version.content


@bp.get("/library/<int:rubric_id>/diff")
@require_role(*READERS)
def rubric_diff(rubric_id: int):
    """Compare two versions (or a version and the draft): a structured diff and a line diff."""
    rubric = service.get_rubric(get_session(), rubric_id)
    numbers = [str(v.number) for v in rubric.versions]
    default_a = numbers[-2] if len(numbers) > 1 else (numbers[-1] if numbers else "draft")
    default_b = numbers[-1] if len(numbers) > 1 else "draft"
    a, label_a, content_a = _side(rubric, request.args.get("a"), default_a)
    b, label_b, content_b = _side(rubric, request.args.get("b"), default_b)
    diff = diffing.diff_contents(content_a, content_b, labels=(label_a, label_b))
    return render_template(
        "rubrics/library/diff.html",
        rubric=rubric,
        diff=diff,
        a=a,
        b=b,
        label_a=label_a,
        label_b=label_b,
        level_names=LEVEL_NAMES,
        word_diff=diffing.word_diff,
    )


@bp.get("/library/<int:rubric_id>/export")
@require_role(*READERS)
def export_rubric(rubric_id: int):
    """Download a version (?version=N) or the draft as YAML or JSON (?format=)."""
    rubric = service.get_rubric(get_session(), rubric_id)
    number = request.args.get("version", "draft")
    version = None
    if number != "draft":
        version = service.get_version_by_number(rubric, int(number) if number.isdigit() else 0)
    fmt = request.args.get("format", "yaml")
    text, name = service.export_rubric(rubric, version, fmt)
    return Response(
        text, mimetype=MIME[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/library/import", methods=["GET", "POST"])
@require_role(*EDITORS)
def import_rubric():
    """Import a YAML or JSON rubric file: a new rubric, or the new draft of the rubric with that key."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("rubrics/library/import.html", form=form)
    session = get_session()
    try:
        text, filename = form.uploaded_text()
        result = service.import_rubric(session, text, filename=filename, actor_id=current_user.id)
    except DomainError as error:
        form.form_errors.append(error.message)
        return render_template("rubrics/library/import.html", form=form), error.status_code
    session.commit()
    rubric = result.rubric
    if result.created:
        message = f"Created {rubric.key} from the file; review the draft and publish it."
    elif result.changed:
        message = f"Replaced the draft of {rubric.key}; its published versions are unchanged."
    else:
        message = f"The file is the same as the draft of {rubric.key}: nothing changed."
    flash(message, "success")
    return redirect(url_for("rubrics.rubric_detail", rubric_id=rubric.id))


@bp.post("/library/load-packs")
@require_role(*EDITORS)
def load_rubric_packs():
    """Load the rubric packs written by Loopwise into the library and the question bank."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = get_session()
    report = pack_loading.load_packs(session, actor_id=current_user.id)
    session.commit()
    flash(report.summary, "warning" if report.changed else "success")
    return redirect(url_for("rubrics.rubric_list"))


# ---------------------------------------------------------------- questions


@bp.get("/questions")
@require_role(*READERS)
def question_list():
    """List the question bank by category, filtered by category and pack, searched by text."""
    session = get_session()
    args = SearchArgs(request.args)
    page = questions.list_questions(
        session,
        page=_page(),
        per_page=_per_page(),
        category=QuestionCategory(args.category) if args.category else None,
        pack=args.pack,
        query=args.q,
    )
    return render_template(
        "rubrics/library/questions.html",
        page=page,
        args=args,
        packs=service.list_packs(session),
        categories=CATEGORY_CHOICES,
        editor=_can_edit(),
    )


@bp.get("/questions/<int:question_id>")
@require_role(*READERS)
def question_detail(question_id: int):
    """Show a question with its rubric's latest published version."""
    question = questions.get_question(get_session(), question_id)
    latest = question.rubric.latest_version
    return render_template(
        "rubrics/library/question.html",
        question=question,
        version=latest,
        content=service.read_content(latest.content) if latest else None,
        level_names=LEVEL_NAMES,
        editor=_can_edit(),
        confirm_form=ConfirmForm(),
    )


def _question_form(form: QuestionForm) -> QuestionForm:
    form.rubric_id.choices = service.list_rubric_choices(get_session())
    return form


@bp.route("/questions/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def new_question():
    """Add a question to the bank with a rubric."""
    form = _question_form(QuestionForm(rubric_id=request.args.get("rubric_id", type=int)))
    if not form.validate_on_submit():
        return render_template("rubrics/library/question_form.html", form=form, question=None)
    session = get_session()
    try:
        question = questions.create_question(session, **form.question_fields(), actor_id=current_user.id)
    except DomainError as error:
        form.form_errors.append(error.message)
        return render_template(
            "rubrics/library/question_form.html", form=form, question=None
        ), error.status_code
    session.commit()
    flash(f"Added {question.key}.", "success")
    return redirect(url_for("rubrics.question_detail", question_id=question.id))


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@require_role(*EDITORS)
def edit_question(question_id: int):
    """Edit a question of the bank."""
    session = get_session()
    question = questions.get_question(session, question_id)
    form = _question_form(QuestionForm(obj=question) if request.method == "GET" else QuestionForm())
    if not form.validate_on_submit():
        return render_template("rubrics/library/question_form.html", form=form, question=question)
    try:
        changed = questions.update_question(
            session, question, **form.question_fields(), actor_id=current_user.id
        )
    except DomainError as error:
        form.form_errors.append(error.message)
        return render_template(
            "rubrics/library/question_form.html", form=form, question=question
        ), error.status_code
    session.commit()
    flash("Saved." if changed else "Nothing changed.", "success")
    return redirect(url_for("rubrics.question_detail", question_id=question.id))


@bp.post("/questions/<int:question_id>/delete")
@require_role(*EDITORS)
def delete_question(question_id: int):
    """Delete a question that nothing refers to."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = get_session()
    question = questions.get_question(session, question_id)
    try:
        questions.delete_question(session, question, actor_id=current_user.id)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("rubrics.question_detail", question_id=question_id))
    session.commit()
    flash(f"Deleted {question.key}.", "success")
    return redirect(url_for("rubrics.question_list"))
