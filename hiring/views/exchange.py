"""CSV exchange pages: candidate and application exports, and the import of applications.

Exports are bulk copies of personal data, so only the hiring roles get them (interviewers see
single candidates of their panels, never a list). Every export is audited.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session, utcnow
from core.errors import DomainError
from hiring.forms.candidates import SearchArgs, text_from
from hiring.forms.exchange import ApplicationsCsvConfirmForm, ApplicationsCsvUploadForm
from hiring.models import JobRole
from hiring.services import application_import, csv_exchange, pipeline, roles
from hiring.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER, Role.RECRUITER)


def csv_download(text: str, name: str) -> Response:
    """A CSV attachment; the UTF-8 byte order mark makes spreadsheets read the accents right."""
    return Response(
        text.encode("utf-8-sig"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{utcnow():%Y-%m-%d}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _optional_role(role_id: int | None) -> JobRole | None:
    return roles.get_role(get_session(), role_id) if role_id else None


@bp.get("/candidates/export.csv")
@require_role(*EDITORS)
def export_candidates_csv():
    """Download the candidates that the list shows for its filters, as CSV the importer reads back."""
    args = SearchArgs(request.args)
    session = get_session()
    text, _ = csv_exchange.export_candidates_csv(
        session, actor_id=current_user.id, query=args.q, prospects=args.prospects, tag=args.tag
    )
    session.commit()
    return csv_download(text, "candidates")


@bp.get("/applications/export.csv")
@require_role(*EDITORS)
def export_applications_csv():
    """Download the applications of one role (?role_id=) or of every role, as CSV."""
    session = get_session()
    role = _optional_role(request.args.get("role_id", type=int))
    text, _ = csv_exchange.export_applications_csv(session, actor_id=current_user.id, role=role)
    session.commit()
    return csv_download(text, f"applications-role-{role.id}" if role else "applications")


@bp.route("/applications/import/csv", methods=["GET", "POST"])
@require_role(*EDITORS)
def import_applications_csv():
    """Upload applications as CSV and see a dry run: what each row would do, or what is wrong."""
    session = get_session()
    form = ApplicationsCsvUploadForm()
    if request.method == "GET":
        form.role_id.data = request.args.get("role_id", 0, type=int)
    form.role_id.choices = _role_choices(form.role_id.data)
    if not form.validate_on_submit():
        return _upload_page(form)
    try:
        text, _ = text_from(form, pasted="text", upload="file")
        default_role = _optional_role(form.role_id.data)
        preview = application_import.preview_applications_csv(session, text, default_role=default_role)
    except DomainError as error:
        form.form_errors.append(error.message)
        return _upload_page(form), 400
    confirm = ApplicationsCsvConfirmForm(data={"csv_text": text, "role_id": form.role_id.data or None})
    return render_template(
        "hiring/applications/import_csv_preview.html",
        preview=preview,
        confirm=confirm,
        actions=application_import.RowAction,
        default_role=default_role,
    )


def _role_choices(selected: int | None) -> list[tuple[int, str]]:
    """Roles taking new candidates, and the selected one (a filled role may still see moves)."""
    choices = pipeline.list_open_roles(get_session())
    chosen = _optional_role(selected)
    if chosen is not None and chosen not in choices:
        choices.append(chosen)
    return [(0, "None: every row names its role")] + [
        (role.id, f"{role.title} ({role.status.label.lower()})") for role in choices
    ]


def _upload_page(form: ApplicationsCsvUploadForm) -> str:
    return render_template(
        "hiring/applications/import_csv.html",
        form=form,
        columns=application_import.COLUMNS,
    )


@bp.post("/applications/import/csv/confirm")
@require_role(*EDITORS)
def confirm_applications_csv():
    """Add and move what the valid rows of the previewed CSV say (checked again now), all at once."""
    form = ApplicationsCsvConfirmForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("hiring.import_applications_csv"))
    session = get_session()
    try:
        created, moved, preview = application_import.import_applications_csv(
            session,
            form.csv_text.data,
            actor_id=current_user.id,
            default_role=_optional_role(form.role_id.data),
        )
    except DomainError as error:
        session.rollback()
        flash(f"Nothing was imported: {error.message}", "error")
        return redirect(url_for("hiring.import_applications_csv", role_id=form.role_id.data or None))
    session.commit()
    flash(
        f"Added {len(created)} application(s) and moved {len(moved)}; "
        f"skipped {len(preview.error_rows)} row(s) with problems.",
        "success",
    )
    if form.role_id.data:
        return redirect(url_for("hiring.board", role_id=form.role_id.data))
    return redirect(url_for("hiring.import_applications_csv"))
