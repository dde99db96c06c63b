"""Transcript pages: a round's transcripts (upload, paste, or the one imported with the profile),
and a transcript's answers with their aligned questions, the alignment fix, scoring with progress,
and both scorers' results with evidence highlighted. AI scores show only as
interviews.services.visibility allows."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from core.auth import Role, require_role
from core.db import get_session
from core.errors import DomainError
from core.forms import ConfirmForm
from core.jobs import JobRun, live_progress, reconcile_run
from interviews.forms.transcripts import (
    NO_QUESTION,
    AlignForm,
    ImportTranscriptForm,
    ScoreTranscriptForm,
    TranscriptUploadForm,
    transcript_from,
)
from interviews.models import InterviewRound, Transcript, TranscriptStatus
from interviews.services import anonymity, visibility
from interviews.services.transcripts import results as transcript_results
from interviews.services.transcripts import scoring as service
from interviews.views._blueprint import bp
from rubrics.content import LEVEL_NAMES
from rubrics.models import Answer
from rubrics.scoring.judge import judge_unavailable_reason
from rubrics.services.judge_permission import judge_permission

READERS = (Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)


def _round(round_id: int, *, edit: bool = False) -> InterviewRound:
    round_ = service.get_interview_round(get_session(), round_id)
    visibility.ensure_can_view_loop(current_user, round_.loop)
    if edit and not service.can_edit_transcripts(current_user, round_):
        abort(403)
    return round_


def _transcript(transcript_id: int, *, edit: bool = False) -> Transcript:
    transcript = service.get_transcript(get_session(), transcript_id)
    _round(transcript.round_id, edit=edit)
    return transcript


def _import_form(round_: InterviewRound, *, submitted: bool = False) -> ImportTranscriptForm:
    form = ImportTranscriptForm() if submitted else ImportTranscriptForm(formdata=None)
    mode = anonymity.review_mode(current_user, round_.loop.application)
    form.document_id.choices = [
        SelectChoice(
            d.id, f"{anonymity.show_label(mode, d.title) or 'Transcript'} ({d.created_at:%Y-%m-%d})"
        )
        for d in service.candidate_transcripts(round_)
    ]
    return form


def _round_page(round_: InterviewRound, upload_form=None, import_form=None, status: int = 200):
    session = get_session()
    page = service.list_round_transcripts(
        session,
        round_,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=current_app.config["PER_PAGE"],
    )
    if status == 200:
        before = [transcript.status for transcript in page.items]
        for transcript in page.items:
            service.refresh_status(session, transcript)
        if before != [transcript.status for transcript in page.items]:
            session.commit()  # a scoring job failed since anyone last looked
    return render_template(
        "interviews/transcripts/round.html",
        round=round_,
        page=page,
        can_edit=service.can_edit_transcripts(current_user, round_),
        upload_form=upload_form or TranscriptUploadForm(formdata=None),
        import_form=import_form or _import_form(round_),
    ), status


@bp.get("/rounds/<int:round_id>/transcripts")
@require_role(*READERS)
def round_transcripts(round_id: int):
    """List a round's transcripts, with forms to upload, paste or take the imported one."""
    return _round_page(_round(round_id))


def _store(form, create):
    """Run ``create`` (the transcript service), commit, and show the alignment; errors keep nothing."""
    session = get_session()
    try:
        transcript = create(session)
    except DomainError as error:
        session.rollback()
        form.form_errors.append(error.message)
        return None
    session.commit()
    answers = len(transcript.answers)
    flash(f"Transcript stored: {answers} answers found. Check the alignment, then score.", "success")
    return redirect(url_for("interviews.transcript_detail", transcript_id=transcript.id))


@bp.post("/rounds/<int:round_id>/transcripts/upload")
@require_role(*READERS)
def upload_transcript(round_id: int):
    """Store an uploaded or pasted transcript, segmented and aligned to the loop's questions."""
    round_ = _round(round_id, edit=True)
    form = TranscriptUploadForm()
    if form.validate_on_submit():
        done = _store(
            form,
            lambda session: service.create_transcript(
                session,
                round_,
                transcript_from(form),
                actor_id=current_user.id,
                encode=service.embedding_encoder(session),
            ),
        )
        if done is not None:
            return done
    return _round_page(round_, upload_form=form, status=400)


@bp.post("/rounds/<int:round_id>/transcripts/import")
@require_role(*READERS)
def import_transcript(round_id: int):
    """Use the transcript imported with the candidate's profile for this round."""
    round_ = _round(round_id, edit=True)
    form = _import_form(round_, submitted=True)
    if form.validate_on_submit():
        done = _store(
            form,
            lambda session: service.import_candidate_transcript(
                session,
                round_,
                form.document_id.data,
                actor_id=current_user.id,
                encode=service.embedding_encoder(session),
            ),
        )
        if done is not None:
            return done
    return _round_page(round_, import_form=form, status=400)


def _align_form(transcript: Transcript, row=None) -> AlignForm:
    choices = [SelectChoice(NO_QUESTION, "— none of the questions (not scored) —")]
    choices += [
        SelectChoice(str(question.id), f"{asked_in.title}: {question.title}")
        for question, asked_in in service.loop_questions(get_session(), transcript.round)
    ]
    if row is None:  # the submitted form
        form = AlignForm()
    else:
        selected = str(row.question_id) if row.question_id is not None else NO_QUESTION
        form = AlignForm(formdata=None, answer_row=row.id, question=selected)
    form.question.choices = choices
    return form


def _judge_refusals(session, results) -> dict[int, str]:
    """Why the LLM judge may not score an unjudged answer (consent, anonymisation), by answer id."""
    refusals = {}
    for result in results:
        answer_id = result.row.answer_id
        if answer_id and result.judge is None:
            allowed, reason = judge_permission(session, session.get(Answer, answer_id))
            if not allowed:
                refusals[answer_id] = reason
    return refusals


@bp.get("/transcripts/<int:transcript_id>")
@require_role(*READERS)
def transcript_detail(transcript_id: int):
    """Show a transcript's answers, aligned questions, scoring progress and (when visible) scores."""
    session = get_session()
    transcript = _transcript(transcript_id)
    before = transcript.status
    service.refresh_status(session, transcript)
    if transcript.status is not before:
        session.commit()
    loop = transcript.round.loop
    visible = visibility.feedback_visible(current_user, loop)
    results = transcript_results.transcript_results(session, transcript, with_scores=visible)
    editable = service.can_edit_transcripts(current_user, transcript.round)
    run = session.get(JobRun, transcript.job_run_id) if transcript.job_run_id else None
    mode = anonymity.review_mode(current_user, loop.application)
    return render_template(
        "interviews/transcripts/detail.html",
        transcript=transcript,
        round=transcript.round,
        results=results,
        shown=anonymity.show_transcript(mode, transcript, results, with_evidence=visible),
        visible=visible,
        blind_reason=visibility.blind_reason(current_user, loop),
        can_edit=editable,
        align_forms={r.row.id: _align_form(transcript, r.row) for r in results} if editable else {},
        score_form=ScoreTranscriptForm(formdata=None),
        confirm_form=ConfirmForm(),
        run=run,
        judge_reason=judge_unavailable_reason(current_app.config),
        judge_refusals=_judge_refusals(session, results) if visible else {},
        flag_text=transcript_results.FLAG_TEXT,
        level_names=LEVEL_NAMES,
        scoring=transcript.status is TranscriptStatus.SCORING,
    )


@bp.get("/transcripts/<int:transcript_id>/status.json")
@require_role(*READERS)
def transcript_status(transcript_id: int):
    """Return the scoring job's progress as JSON for the progress bar (counts only, no levels)."""
    session = get_session()
    transcript = _transcript(transcript_id)
    run = session.get(JobRun, transcript.job_run_id) if transcript.job_run_id else None
    if run is None:
        return jsonify(
            id=None,
            title="Score a transcript's answers",
            status=transcript.status.value,
            progress=0,
            message="Not scored yet",
            error=None,
            result=None,
            done=True,
        )
    reconcile_run(session, run)
    service.refresh_status(session, transcript)
    session.commit()
    return jsonify(run.as_status(live_progress(run)))


def _back(transcript_id: int, message: str, category: str = "error"):
    flash(message, category)
    return redirect(url_for("interviews.transcript_detail", transcript_id=transcript_id))


@bp.post("/transcripts/<int:transcript_id>/align")
@require_role(*READERS)
def align_transcript(transcript_id: int):
    """Fix which question one answer responds to (or none); audited."""
    session = get_session()
    transcript = _transcript(transcript_id, edit=True)
    form = _align_form(transcript)
    if not form.validate_on_submit():
        errors = [error for messages in form.errors.values() for error in messages]
        return _back(transcript.id, " ".join(errors) or "Choose a question.")
    try:
        row = service.set_answer_question(
            session, transcript, form.answer_row.data, form.question_id(), actor_id=current_user.id
        )
    except DomainError as error:
        session.rollback()
        return _back(transcript.id, error.message)
    session.commit()
    return _back(transcript.id, f"Answer {row.index + 1} aligned. Score again to use it.", "success")


@bp.post("/transcripts/<int:transcript_id>/score")
@require_role(*READERS)
def score_transcript(transcript_id: int):
    """Queue the scoring of the transcript's aligned answers and follow its progress."""
    session = get_session()
    transcript = _transcript(transcript_id, edit=True)
    form = ScoreTranscriptForm()
    if not form.validate_on_submit():
        return _back(transcript.id, " ".join(e for es in form.errors.values() for e in es))
    try:
        service.start_scoring(
            session, transcript, actor_id=current_user.id, judge_runs=form.judge_runs.data or 1
        )
    except DomainError as error:
        session.rollback()
        return _back(transcript.id, error.message)
    session.commit()
    return _back(transcript.id, "Scoring started.", "success")


@bp.post("/transcripts/<int:transcript_id>/delete")
@require_role(*READERS)
def delete_transcript(transcript_id: int):
    """Remove a transcript (the page asks for confirmation first)."""
    session = get_session()
    transcript = _transcript(transcript_id, edit=True)
    ConfirmForm().validate_on_submit() or abort(400)
    round_id = transcript.round_id
    try:
        service.delete_transcript(session, transcript, actor_id=current_user.id)
    except DomainError as error:
        session.rollback()
        return _back(transcript.id, error.message)
    session.commit()
    flash("Transcript removed.", "success")
    return redirect(url_for("interviews.round_transcripts", round_id=round_id))
