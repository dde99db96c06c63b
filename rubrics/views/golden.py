"""A rubric's golden set (human-graded answers, imported from CSV) and its release-gate runs."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from rubrics import golden
from rubrics.forms import GoldenSetForm
from rubrics.services import library as service
from rubrics.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER,)
READERS = (Role.HIRING_MANAGER, Role.INTERVIEWER)


def _page(rubric, form: GoldenSetForm, status: int = 200, row_errors: tuple[str, ...] = ()):
    session = get_session()
    return render_template(
        "rubrics/library/golden.html",
        rubric=rubric,
        form=form,
        answers=golden.golden_answers(session, rubric.id),
        summary=golden.golden_summary(session, rubric.id),
        runs=golden.gate_runs_for_rubric(session, rubric.id),
        min_golden=golden.MIN_GOLDEN,
        editor=current_user.has_any_role(EDITORS),
        row_errors=row_errors[: golden.MAX_ROW_ERRORS],
    ), status


@bp.get("/library/<int:rubric_id>/golden")
@require_role(*READERS)
def golden_set(rubric_id: int):
    """Show the rubric's golden set and the release gate's runs."""
    return _page(service.get_rubric(get_session(), rubric_id), GoldenSetForm())


@bp.post("/library/<int:rubric_id>/golden")
@require_role(*EDITORS)
def import_golden_set(rubric_id: int):
    """Replace the golden set with a CSV of graded answers (the evaluate format)."""
    session = get_session()
    rubric = service.get_rubric(session, rubric_id)
    form = GoldenSetForm()
    if not form.validate_on_submit():
        return _page(rubric, form, 400)
    try:
        text, filename = form.uploaded_text(golden.MAX_GOLDEN_BYTES)
        answers = golden.import_golden_set(
            session, rubric, text, filename=filename, actor_id=current_user.id
        )
    except golden.GoldenImportError as error:
        form.form_errors.append(f"{len(error.errors)} rows have problems; nothing was saved.")
        return _page(rubric, form, error.status_code, tuple(error.errors))
    except DomainError as error:
        form.form_errors.append(error.message)
        return _page(rubric, form, error.status_code)
    session.commit()
    enough = "" if len(answers) >= golden.MIN_GOLDEN else f" The gate needs {golden.MIN_GOLDEN}."
    flash(f"Imported {len(answers)} graded answers into the golden set.{enough}", "success")
    return redirect(url_for("rubrics.golden_set", rubric_id=rubric.id))


@bp.get("/library/<int:rubric_id>/golden.csv")
@require_role(*READERS)
def export_golden_set(rubric_id: int):
    """Download the golden set as a CSV that `flask rubrics evaluate` reads."""
    session = get_session()
    rubric = service.get_rubric(session, rubric_id)
    text = golden.golden_csv(golden.golden_answers(session, rubric.id))
    return Response(
        text,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{rubric.key}-golden.csv"'},
    )
