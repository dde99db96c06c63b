"""Debrief pages: sealed votes and their reveal, the evidence, decisions, offers, role comparison."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session

from core.auth import Role, require_role
from core.db import Page, get_session
from core.forms import ConfirmForm
from core.web import attempt, flash_form_errors
from hiring.services.roles import get_role
from interviews.forms.debriefs import (
    DecisionForm,
    OfferForm,
    OpenDebriefForm,
    ReviewOfferForm,
    VoteForm,
)
from interviews.models import DecisionOutcome, InterviewLoop
from interviews.services import comparison, debriefs, decisions, offers
from interviews.services.visibility import blind_reason, can_view_loop, feedback_visible
from interviews.views._blueprint import bp

READERS = (Role.HIRING_MANAGER, Role.RECRUITER, Role.INTERVIEWER)
RUNNERS = (Role.HIRING_MANAGER, Role.RECRUITER)
COMPARISON_PER_PAGE = 25


def _load_loop(loop_id: int) -> InterviewLoop:
    loop = debriefs.get_loop(get_session(), loop_id)
    if not debriefs.can_view_debrief(current_user, loop):
        abort(403)
    return loop


def _back(loop: InterviewLoop, anchor: str | None = None):
    return redirect(url_for("interviews.debrief", loop_id=loop.id, _anchor=anchor))


def _need_debrief(loop: InterviewLoop):
    if loop.debrief is None:
        flash("The debrief of this loop is not open yet.", "error")
    return loop.debrief


def _debrief_context(session: Session, loop: InterviewLoop) -> dict[str, Any]:
    debrief, user = loop.debrief, current_user
    current = decisions.current_decision(loop)
    history = decisions.decisions_of(session, loop)
    return {
        "loop": loop,
        "debrief": debrief,
        "manager": debriefs.is_hiring_manager(user, loop),
        "panel": debriefs.panel_members(loop),
        "missing": debriefs.missing_scorecards(loop),
        "ready": debriefs.all_scorecards_submitted(loop),
        "runner": user.has_any_role(RUNNERS),
        "ballots": debriefs.votes_for(user, debrief) if debrief else None,
        "testimonies": debriefs.who_said_what(loop, user),
        "map": debriefs.disagreement_map(session, loop, user),
        "agenda": debriefs.agenda(loop) if debrief and feedback_visible(user, loop) else [],
        "blind_reason": blind_reason(user, loop),
        "decisions": history,
        "decision_dates": {d.id: f"{d.created_at:%Y-%m-%d %H:%M}" for d in history},
        "current": current,
        "offer": offers.offer_for(session, current),
        "may_request_offer": offers.can_request_offer(user, loop),
        "labels": decisions.OUTCOME_LABELS,
        "tie_break_label": decisions.TIE_BREAK_LABELS[loop.template.tie_break],
        "hire": DecisionOutcome.HIRE,
        "open_form": OpenDebriefForm(formdata=None),
        "vote_form": VoteForm(formdata=None),
        "decision_form": DecisionForm(formdata=None),
        "offer_form": OfferForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        "transcript_pages": "interviews.transcript_detail" in current_app.view_functions,
        "loop_pages": "interviews.loop_detail" in current_app.view_functions,
    }


@bp.get("/loops/<int:loop_id>/debrief")
@require_role(*READERS)
def debrief(loop_id: int):
    """Show a loop's debrief: votes, who said what, the disagreement map, agenda and decisions."""
    session = get_session()
    loop = _load_loop(loop_id)
    return render_template("interviews/debriefs/debrief.html", **_debrief_context(session, loop))


@bp.post("/loops/<int:loop_id>/debrief/open")
@require_role(*READERS)
def open_debrief(loop_id: int):
    """Open the debrief (early only by the hiring manager, with a reason)."""
    session, loop = get_session(), _load_loop(loop_id)
    form = OpenDebriefForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(loop)
    change = partial(
        debriefs.open_debrief,
        session,
        loop,
        actor_id=current_user.id,
        early_reason=form.early_reason.data or "",
    )
    attempt(session, change, "The debrief is open: panelists can cast their sealed votes.")
    return _back(loop)


@bp.post("/loops/<int:loop_id>/debrief/vote")
@require_role(*READERS)
def vote_debrief(loop_id: int):
    """Cast the signed-in panelist's sealed vote."""
    session, loop = get_session(), _load_loop(loop_id)
    form = VoteForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    elif _need_debrief(loop) is not None:
        change = partial(
            debriefs.cast_vote,
            session,
            loop.debrief,
            current_user,
            form.vote.data,
            form.comment.data or "",
            actor_id=current_user.id,
        )
        attempt(session, change, "Your vote is cast and sealed until the reveal.")
    return _back(loop, "votes")


@bp.post("/loops/<int:loop_id>/debrief/reveal")
@require_role(*READERS)
def reveal_debrief(loop_id: int):
    """Reveal the votes before everyone has voted (the hiring manager)."""
    session, loop = get_session(), _load_loop(loop_id)
    if ConfirmForm().validate_on_submit() and _need_debrief(loop) is not None:
        change = partial(debriefs.reveal_votes, session, loop.debrief, actor_id=current_user.id)
        attempt(session, change, "The votes are revealed to everyone.")
    return _back(loop, "votes")


@bp.post("/loops/<int:loop_id>/debrief/close")
@require_role(*READERS)
def close_debrief(loop_id: int):
    """Close the debrief once the votes are revealed (the hiring manager)."""
    session, loop = get_session(), _load_loop(loop_id)
    if ConfirmForm().validate_on_submit() and _need_debrief(loop) is not None:
        change = partial(debriefs.close_debrief, session, loop.debrief, actor_id=current_user.id)
        attempt(session, change, "The debrief is closed.")
    return _back(loop)


@bp.post("/loops/<int:loop_id>/decisions")
@require_role(*READERS)
def record_decision(loop_id: int):
    """Record the loop's decision, or supersede the current one with a reason."""
    session, loop = get_session(), _load_loop(loop_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(loop, "decision")
    change = partial(
        decisions.record_decision,
        session,
        loop,
        outcome=form.outcome.data,
        rationale=form.rationale.data or "",
        supersede_reason=form.supersede_reason.data or "",
        actor_id=current_user.id,
    )
    done = attempt(session, change, "Decision recorded.")
    if done and form.outcome.data == DecisionOutcome.HIRE.value:
        flash("Next: hand the offer off with its budget and deadline.", "warning")
    return _back(loop, "decision")


@bp.post("/loops/<int:loop_id>/offer")
@require_role(*RUNNERS)
def create_offer(loop_id: int):
    """Hand the current hire decision off as an offer waiting for approval."""
    session, loop = get_session(), _load_loop(loop_id)
    form = OfferForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(loop, "offer")
    decision = decisions.current_decision(loop)
    if decision is None:
        flash("Record a hire decision before handing off an offer.", "error")
        return _back(loop, "offer")
    change = partial(
        offers.create_offer,
        session,
        decision,
        compensation_budget=form.compensation_budget.data,
        currency=form.currency.data,
        deadline=form.deadline.data,
        actor_id=current_user.id,
    )
    attempt(session, change, "Offer handed off for approval.")
    return _back(loop, "offer")


def _load_offer(offer_id: int):
    offer = offers.get_offer(get_session(), offer_id)
    if not can_view_loop(current_user, offer.decision.loop):
        abort(403)
    return offer


@bp.get("/offers/<int:offer_id>")
@require_role(*RUNNERS)
def offer(offer_id: int):
    """Show an offer hand-off, with approve and reject for its approver."""
    offer = _load_offer(offer_id)
    return render_template(
        "interviews/offers/offer.html",
        offer=offer,
        loop=offer.decision.loop,
        current=decisions.current_decision(offer.decision.loop),
        labels=decisions.OUTCOME_LABELS,
        approver=offers.approver_label(offer.approver_role),
        may_review=offers.can_review_offer(current_user, offer),
        form=ReviewOfferForm(formdata=None),
    )


@bp.post("/offers/<int:offer_id>/review")
@require_role(*RUNNERS)
def review_offer(offer_id: int):
    """Approve or reject an offer (its approver role; a rejection needs a note)."""
    session, offer = get_session(), _load_offer(offer_id)
    form = ReviewOfferForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("interviews.offer", offer_id=offer.id))
    approve = form.verdict.data == "approve"
    change = partial(
        offers.review_offer,
        session,
        offer,
        approve=approve,
        note=form.note.data or "",
        actor_id=current_user.id,
    )
    attempt(session, change, "Offer approved." if approve else "Offer rejected.")
    return redirect(url_for("interviews.offer", offer_id=offer.id))


@bp.get("/roles/<int:role_id>/comparison")
@require_role(*RUNNERS)
def role_comparison(role_id: int):
    """Compare every debriefed candidate of a role."""
    session = get_session()
    role = get_role(session, role_id)
    result = comparison.role_comparison(session, role, current_user)
    number = max(1, request.args.get("page", 1, type=int))
    start = (number - 1) * COMPARISON_PER_PAGE
    page = Page(
        result.rows[start : start + COMPARISON_PER_PAGE], number, COMPARISON_PER_PAGE, len(result.rows)
    )
    return render_template(
        "interviews/debriefs/comparison.html",
        role=role,
        competencies=result.competencies,
        page=page,
        labels=decisions.OUTCOME_LABELS,
    )
