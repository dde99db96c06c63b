"""Candidate pages: list and search, profile, documents, imports, duplicates, merge and undo."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from hiring.forms.candidates import (
    CandidateForm,
    CsvConfirmForm,
    CsvUploadForm,
    DocumentForm,
    MergeForm,
    ProfileImportForm,
    RemoveDocumentForm,
    SearchArgs,
    text_from,
)
from hiring.models import Candidate
from hiring.services import candidates as service
from hiring.services import duplicates, importers
from hiring.services.access import can_edit, can_view_role, ensure_can_view_candidate
from hiring.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER, Role.RECRUITER)


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _per_page() -> int:
    return current_app.config["PER_PAGE"]


@bp.get("/candidates")
@require_role(*EDITORS)
def candidates():
    """List and search candidates (by name, email, tag or skill), applicants or prospects."""
    args = SearchArgs(request.args)
    page = service.list_candidates(
        get_session(),
        page=_page(),
        per_page=_per_page(),
        query=args.q,
        prospects=args.prospects,
        tag=args.tag,
    )
    return render_template("hiring/candidates/list.html", page=page, args=args)


@bp.route("/candidates/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def new_candidate():
    """Add a candidate; an email that another candidate has needs "save anyway"."""
    form = CandidateForm()
    if not form.validate_on_submit():
        return render_template("hiring/candidates/form.html", form=form, candidate=None)
    session = get_session()
    try:
        candidate = service.create_candidate(
            session,
            actor_id=current_user.id,
            allow_duplicate_email=form.create_anyway.data,
            **form.candidate_fields(),
        )
    except DomainError as error:
        return _form_error(form, None, error)
    session.commit()
    flash(f"{candidate.name} added.", "success")
    return redirect(url_for("hiring.candidate_detail", candidate_id=candidate.id))


def _form_error(form: CandidateForm, candidate: Any, error: DomainError):
    matches = getattr(error, "matches", [])
    if not matches:
        form.form_errors.append(error.message)
    return render_template(
        "hiring/candidates/form.html", form=form, candidate=candidate, matches=matches
    ), error.status_code


@bp.route("/candidates/<int:candidate_id>/edit", methods=["GET", "POST"])
@require_role(*EDITORS)
def edit_candidate(candidate_id: int):
    """Edit a candidate's profile."""
    session = get_session()
    candidate = service.get_candidate(session, candidate_id)
    form = CandidateForm() if request.method == "POST" else CandidateForm.for_candidate(candidate)
    if not form.validate_on_submit():
        return render_template("hiring/candidates/form.html", form=form, candidate=candidate)
    try:
        changed = service.update_candidate(
            session,
            candidate,
            actor_id=current_user.id,
            allow_duplicate_email=form.create_anyway.data,
            **form.candidate_fields(),
        )
    except DomainError as error:
        return _form_error(form, candidate, error)
    session.commit()
    flash(f"Saved {candidate.name}." if changed else "Nothing changed.", "success")
    return redirect(url_for("hiring.candidate_detail", candidate_id=candidate.id))


@bp.get("/candidates/<int:candidate_id>")
@require_role(*EDITORS, Role.INTERVIEWER)
def candidate_detail(candidate_id: int):
    """Show a candidate: profile, documents, applications, possible duplicates, merges."""
    session = get_session()
    candidate = service.get_candidate(session, candidate_id)
    ensure_can_view_candidate(current_user, candidate)
    editor = can_edit(current_user)
    return render_template(
        "hiring/candidates/detail.html",
        candidate=candidate,
        editor=editor,
        links=service.labelled_links(candidate),
        applications=[a for a in candidate.applications if can_view_role(current_user, a.role)],
        possible_duplicates=duplicates.duplicates_of(session, candidate) if editor else [],
        merges=duplicates.list_merges(session, page=1, per_page=50, candidate_id=candidate.id).items
        if editor
        else [],
        merged_into=session.get(Candidate, candidate.merged_into_id)
        if candidate.merged_into_id
        else None,
        endpoints=current_app.view_functions,
        confirm_form=ConfirmForm(),
    )


@bp.route("/candidates/<int:candidate_id>/documents/new", methods=["GET", "POST"])
@require_role(*EDITORS)
def add_candidate_document(candidate_id: int):
    """Attach portfolio writing (pasted or uploaded text) to a candidate."""
    session = get_session()
    candidate = service.get_candidate(session, candidate_id)
    form = DocumentForm()
    if form.validate_on_submit():
        try:
            text, file_name = text_from(form, pasted="text", upload="file")
            document = importers.import_portfolio_text(
                session,
                candidate,
                text,
                actor_id=current_user.id,
                title=form.title.data,
                file_name=file_name,
            )
        except DomainError as error:
            form.form_errors.append(error.message)
            return render_template(
                "hiring/candidates/document_form.html", form=form, candidate=candidate
            ), 400
        session.commit()
        flash(f"Added “{document.title}” to {candidate.name}.", "success")
        return redirect(url_for("hiring.candidate_detail", candidate_id=candidate.id))
    return render_template("hiring/candidates/document_form.html", form=form, candidate=candidate)


@bp.post("/candidates/<int:candidate_id>/documents/remove")
@require_role(*EDITORS)
def remove_candidate_document(candidate_id: int):
    """Remove one of a candidate's documents (the page asks for confirmation first)."""
    form = RemoveDocumentForm()
    form.validate_on_submit() or abort(400)
    session = get_session()
    candidate = service.get_candidate(session, candidate_id)
    title = service.remove_document(session, candidate, form.document_id.data, actor_id=current_user.id)
    session.commit()
    flash(f"Removed “{title}”.", "success")
    return redirect(url_for("hiring.candidate_detail", candidate_id=candidate.id))


@bp.route("/candidates/import", methods=["GET", "POST"])
@require_role(*EDITORS)
def import_candidate_profile():
    """Create a candidate from profile text: summary, work history, skills and a transcript."""
    form = ProfileImportForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            text, file_name = text_from(form, pasted="text", upload="file")
            candidate = importers.import_profile_text(
                session,
                text,
                actor_id=current_user.id,
                name=form.name.data,
                source=form.source.data,
                is_prospect=form.is_prospect.data,
                source_name=file_name,
            )
        except DomainError as error:
            form.form_errors.append(error.message)
            return render_template("hiring/candidates/import_profile.html", form=form), 400
        session.commit()
        flash(
            f"Imported {candidate.name}: {len(candidate.work_history)} jobs, "
            f"{len(candidate.skills)} skills, {len(candidate.documents)} document(s).",
            "success",
        )
        return redirect(url_for("hiring.candidate_detail", candidate_id=candidate.id))
    return render_template("hiring/candidates/import_profile.html", form=form)


@bp.route("/candidates/import/csv", methods=["GET", "POST"])
@require_role(*EDITORS)
def import_candidates_csv():
    """Upload a candidates CSV and see a dry run: each row, and what is wrong with it."""
    form = CsvUploadForm()
    if form.validate_on_submit():
        try:
            text, _ = text_from(form, pasted="text", upload="file")
            preview = importers.preview_candidates_csv(get_session(), text)
        except DomainError as error:
            form.form_errors.append(error.message)
            return _csv_page(form), 400
        confirm = CsvConfirmForm(data={"csv_text": text})
        return render_template(
            "hiring/candidates/import_csv_preview.html", preview=preview, confirm=confirm
        )
    return _csv_page(form)


def _csv_page(form: CsvUploadForm) -> str:
    return render_template("hiring/candidates/import_csv.html", form=form, columns=importers.CSV_COLUMNS)


@bp.post("/candidates/import/csv/confirm")
@require_role(*EDITORS)
def confirm_candidates_csv():
    """Import the valid rows of the previewed CSV (checked again now)."""
    form = CsvConfirmForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("hiring.import_candidates_csv"))
    session = get_session()
    created, preview = importers.import_candidates_csv(
        session, form.csv_text.data, actor_id=current_user.id
    )
    session.commit()
    skipped = len(preview.error_rows)
    flash(f"Imported {len(created)} candidate(s); skipped {skipped} row(s) with problems.", "success")
    return redirect(url_for("hiring.candidates"))


@bp.get("/candidates/duplicates")
@require_role(*EDITORS)
def candidate_duplicates():
    """List pairs of candidates that may be the same person, with the reason."""
    page = duplicates.list_duplicate_pairs(get_session(), page=_page(), per_page=_per_page())
    return render_template("hiring/candidates/duplicates.html", page=page)


@bp.route("/candidates/<int:candidate_id>/merge", methods=["GET", "POST"])
@require_role(*EDITORS)
def merge_candidate(candidate_id: int):
    """Preview merging this candidate into another (?primary_id=), then merge on confirmation."""
    session = get_session()
    duplicate = service.get_candidate(session, candidate_id)
    posted = request.method == "POST"
    form = MergeForm() if posted else MergeForm(request.args, meta={"csrf": False})
    if not ((posted or "primary_id" in request.args) and form.validate()):
        return _merge_page(duplicate, form, suggestions=duplicates.duplicates_of(session, duplicate))
    primary = service.get_candidate(session, form.primary_id.data)
    try:
        plan = duplicates.plan_merge(primary, duplicate)
        if not posted:
            return _merge_page(
                duplicate, form, plan=plan, confirm=MergeForm(data={"primary_id": primary.id})
            )
        merge = duplicates.merge_candidates(session, primary, duplicate, actor_id=current_user.id)
    except DomainError as error:
        return _merge_page(duplicate, form, error=error.message), 400
    session.commit()
    flash(
        f"Merged {duplicate.name} into {primary.name}. You can undo this from the merge record.",
        "success",
    )
    return redirect(url_for("hiring.candidate_merge", merge_id=merge.id))


def _merge_page(duplicate: Candidate, form: MergeForm, **context: Any) -> str:
    context.setdefault("suggestions", [])
    return render_template("hiring/candidates/merge.html", duplicate=duplicate, form=form, **context)


@bp.get("/merges")
@require_role(*EDITORS)
def candidate_merges():
    """List merges of candidates, newest first, with their undo state."""
    session = get_session()
    page = duplicates.list_merges(session, page=_page(), per_page=_per_page())
    users = duplicates.merge_actor_names(session, page.items)
    return render_template("hiring/candidates/merges.html", page=page, users=users)


@bp.get("/merges/<int:merge_id>")
@require_role(*EDITORS)
def candidate_merge(merge_id: int):
    """Show one merge: what changed and moved, and a button to undo it."""
    merge = duplicates.get_merge(get_session(), merge_id)
    return render_template(
        "hiring/candidates/merge_detail.html", merge=merge, confirm_form=ConfirmForm()
    )


@bp.post("/merges/<int:merge_id>/undo")
@require_role(*EDITORS)
def undo_candidate_merge(merge_id: int):
    """Undo a merge (the page asks for confirmation first)."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = get_session()
    merge = duplicates.get_merge(session, merge_id)
    try:
        kept = duplicates.undo_merge(session, merge, actor_id=current_user.id)
    except DomainError as error:
        return render_template(
            "hiring/candidates/merge_detail.html",
            merge=merge,
            confirm_form=ConfirmForm(),
            error=error.message,
        ), 400
    session.commit()
    note = f" Kept the later edits to: {', '.join(kept)}." if kept else ""
    flash(f"Undid the merge: {merge.duplicate.name} is a separate candidate again.{note}", "success")
    return redirect(url_for("hiring.candidate_detail", candidate_id=merge.duplicate_id))
