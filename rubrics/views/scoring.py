"""Scoring pages: score an answer with both scorers, see them side by side, override with a reason."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from core.auth import Role, require_role
from core.db import get_session, paginate
from core.jobs import JobRun, enqueue_after_commit
from rubrics.content import LEVEL_NAMES, parse_content
from rubrics.forms_scoring import AnswerForm, OverrideForm
from rubrics.jobs import build_judge_scorer, score_answer_job
from rubrics.models import Answer, Question
from rubrics.services import answer_access, scoring
from rubrics.views._blueprint import bp

SCORERS = (Role.HIRING_MANAGER, Role.INTERVIEWER)

# What each scorer flag means, in words for the people reading the score.
FLAG_TEXT = {
    "injection": "The answer contains text addressed to the grader (prompt injection). It was ignored "
    "and cannot raise the score.",
    "too_short": "The answer is too short to judge.",
    "off_topic": "The answer is off-topic for this question.",
    "padding": "Much of the answer is repeated or off-topic; that part earns nothing.",
    "invented_quotes": "The LLM judge quoted text that is not in the answer: its levels were lowered.",
    "unsupported_level": "The LLM judge gave a level without quoting any evidence; it was lowered.",
    "human_override": "A person overrode part of a score; the combination uses their levels.",
}


def _question(question_id: int) -> Question:
    question = get_session().get(Question, question_id)
    if question is None:
        abort(404)
    return question


@bp.route("/questions/<int:question_id>/try", methods=["GET", "POST"])
@require_role(*SCORERS)
def try_question(question_id: int):
    """Score an answer to a question with both scorers, in the background."""
    session = get_session()
    question = _question(question_id)
    form = AnswerForm()
    if form.validate_on_submit():
        scoring.latest_version(question)  # refuse early when the rubric is unpublished
        answer = scoring.record_answer(
            session, question=question, text=form.text.data, actor_id=current_user.id
        )
        run = enqueue_after_commit(
            session,
            score_answer_job,
            created_by_id=current_user.id,
            answer_id=answer.id,
            judge_runs=form.judge_runs.data,
        )
        session.commit()
        return redirect(url_for("rubrics.answer_detail", answer_id=answer.id, run=run.id))
    _judge, judge_reason = build_judge_scorer(current_app.config)
    return render_template(
        "rubrics/scoring/try.html", question=question, form=form, judge_reason=judge_reason
    )


@bp.get("/answers")
@require_role(*SCORERS)
def answers():
    """List scored answers, newest first."""
    session = get_session()
    statement = answer_access.visible_answers(current_user, select(Answer).order_by(Answer.id.desc()))
    page = paginate(session, statement, request.args.get("page", 1, type=int), 25)
    combined = {}
    for answer in page.items:
        if answer.scores:
            version = max((score.rubric_version for score in answer.scores), key=lambda v: v.number)
            combined[answer.id] = scoring.scores_for(session, answer, version).combined
    return render_template(
        "rubrics/scoring/answers.html", page=page, combined=combined, level_names=LEVEL_NAMES
    )


@bp.get("/answers/<int:answer_id>")
@require_role(*SCORERS)
def answer_detail(answer_id: int):
    """Show both scorers side by side with their evidence, the combination and any overrides."""
    session = get_session()
    answer = scoring.get_answer(session, answer_id)
    answer_access.ensure_can_see_answer(current_user, answer)
    run = session.get(JobRun, request.args.get("run", type=int) or 0)
    if run is not None and run.created_by_id != current_user.id and Role.ADMIN not in current_user.roles:
        run = None
    latest = answer.question.rubric.latest_version if answer.question else None
    scored = [score.rubric_version for score in answer.scores]
    version = max(scored, key=lambda v: v.number) if scored else latest
    scores = scoring.scores_for(session, answer, version) if version else None
    content = parse_content(version.content) if version else None
    form = OverrideForm(formdata=None)
    if content:
        form.criterion.choices = [SelectChoice("", "Overall level")] + [
            SelectChoice(c.key, c.title) for c in content.criteria
        ]
    return render_template(
        "rubrics/scoring/answer.html",
        answer=answer,
        scores=scores,
        content=content,
        run=run,
        override_form=form,
        latest=latest,
        flag_text=FLAG_TEXT,
        level_names=LEVEL_NAMES,
        judge_variance=scoring.judge_variance(scores.judge_runs) if scores else {},
        effective_level=scoring.effective_level,
    )


@bp.post("/answers/<int:answer_id>/rescore")
@require_role(*SCORERS)
def rescore_answer(answer_id: int):
    """Score again (stored verdicts are reused; new judge runs are added)."""
    session = get_session()
    answer = scoring.get_answer(session, answer_id)
    answer_access.ensure_can_see_answer(current_user, answer)
    runs = max(1, min(5, request.form.get("judge_runs", 1, type=int) or 1))
    run = enqueue_after_commit(
        session, score_answer_job, created_by_id=current_user.id, answer_id=answer.id, judge_runs=runs
    )
    session.commit()
    return redirect(url_for("rubrics.answer_detail", answer_id=answer.id, run=run.id))


@bp.post("/scores/<int:score_id>/override")
@require_role(*SCORERS)
def override_score(score_id: int):
    """Overrule a score, overall or for one criterion, with a required reason."""
    session = get_session()
    score = scoring.get_score(session, score_id)
    answer_access.ensure_can_see_answer(current_user, score.answer)
    form = OverrideForm()
    form.criterion.choices = [SelectChoice("", "Overall level")] + [
        SelectChoice(c.key, c.title) for c in parse_content(score.rubric_version.content).criteria
    ]
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text}: {' '.join(errors)}", "error")
        return redirect(url_for("rubrics.answer_detail", answer_id=score.answer_id))
    scoring.override_score(
        session,
        score,
        criterion=form.criterion.data or None,
        level=float(form.level.data),
        reason=form.reason.data,
        actor_id=current_user.id,
    )
    session.commit()
    flash("Override saved; the original score stays visible beside it.", "success")
    return redirect(url_for("rubrics.answer_detail", answer_id=score.answer_id))
