"""Candidate rights: the AI-use notice and consent ledger, export, erasure (on request, with its due
date) and each role's AI-consent setting."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session, utcnow
from core.web import attempt, flash_form_errors
from hiring.services.candidates import get_candidate
from hiring.services.roles import get_role
from trust.consent import (
    ConsentChannel,
    ConsentEventKind,
    consent_ledger,
    current_notice,
    judge_standing,
    notice_versions,
    publish_notice,
    record_consent_event,
    role_requires_consent,
    set_role_requires_consent,
)
from trust.erasure import erase_candidate, erasure_requests, find_erasure, record_erasure_request
from trust.export import export_candidate
from trust.forms_rights import (
    ConsentEventForm,
    EraseForm,
    ErasureRequestForm,
    NoticeForm,
    RoleAiConsentForm,
)
from trust.views._blueprint import bp

READERS = (Role.HIRING_MANAGER, Role.RECRUITER)
ERASERS = (Role.RECRUITER,)  # and admin, as everywhere


def _rights_url(candidate_id: int) -> str:
    return url_for("trust.candidate_rights", candidate_id=candidate_id)


@bp.get("/candidates/<int:candidate_id>/rights")
@require_role(*READERS)
def candidate_rights(candidate_id: int):
    """Show the notice, the consent ledger, erasure requests, and the export and erase actions."""
    session = get_session()
    candidate = get_candidate(session, candidate_id)
    notice = current_notice(session)
    session.commit()  # the first notice version, created on first use
    return render_template(
        "trust/rights/candidate.html",
        candidate=candidate,
        notice=notice,
        ledger=consent_ledger(session, candidate.id),
        requests=erasure_requests(session, candidate.id),
        erasure=find_erasure(session, candidate.id),
        standings=judge_standing(session, candidate),
        consent_form=ConsentEventForm(formdata=None),
        request_form=ErasureRequestForm(formdata=None),
        may_erase=bool(current_user.roles & {Role.RECRUITER, Role.ADMIN}),
        now=utcnow(),
    )


@bp.post("/candidates/<int:candidate_id>/consent")
@require_role(*READERS)
def record_consent(candidate_id: int):
    """Append a row to the candidate's consent ledger: notice shown, consent given or withdrawn."""
    session = get_session()
    candidate = get_candidate(session, candidate_id)
    form = ConsentEventForm()
    if form.validate_on_submit():
        event = ConsentEventKind(form.event.data)
        attempt(
            session,
            lambda: record_consent_event(
                session,
                candidate,
                event,
                channel=ConsentChannel(form.channel.data),
                actor_id=current_user.id,
            ),
            f"Recorded: {event.label.lower()}.",
        )
    else:
        flash_form_errors(form)
    return redirect(_rights_url(candidate_id))


@bp.post("/candidates/<int:candidate_id>/erasure-request")
@require_role(*READERS)
def request_erasure(candidate_id: int):
    """Log the candidate's request for erasure, with its due date."""
    session = get_session()
    candidate = get_candidate(session, candidate_id)
    form = ErasureRequestForm()
    if form.validate_on_submit():
        attempt(
            session,
            lambda: record_erasure_request(
                session, candidate, channel=form.channel.data, actor_id=current_user.id
            ),
            "Erasure request recorded; its due date is shown below.",
        )
    else:
        flash_form_errors(form)
    return redirect(_rights_url(candidate_id))


@bp.get("/candidates/<int:candidate_id>/export.json")
@require_role(*READERS)
def export_json(candidate_id: int):
    """Download everything held about the candidate as JSON (transcripts' text included); audited."""
    session = get_session()
    candidate = get_candidate(session, candidate_id)
    document = export_candidate(session, candidate, actor_id=current_user.id)
    session.commit()
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="candidate-{candidate.id}.json"'},
    )


@bp.route("/candidates/<int:candidate_id>/erase", methods=["GET", "POST"])
@require_role(*ERASERS)
def erase(candidate_id: int):
    """Erase the candidate's personal data everywhere, once their name is typed to confirm."""
    session = get_session()
    candidate = get_candidate(session, candidate_id)
    erasure = find_erasure(session, candidate.id)
    if erasure is not None:
        flash("This candidate was already erased; there is nothing left to remove.", "success")
        return redirect(_rights_url(candidate_id))
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm_name.data.strip().casefold() != candidate.name.strip().casefold():
            flash("The name typed does not match the candidate's name; nothing was erased.", "error")
        else:
            outcome = erase_candidate(session, candidate.id, actor_id=current_user.id)
            session.commit()
            flash(outcome.message, "success")
            return redirect(_rights_url(candidate_id))
    elif form.is_submitted():
        flash_form_errors(form)
    return render_template("trust/rights/erase.html", candidate=candidate, form=form)


@bp.route("/roles/<int:role_id>/ai-consent", methods=["GET", "POST"])
@require_role(*READERS)
def role_ai_consent(role_id: int):
    """Show or set whether the role's LLM judge needs each candidate's consent."""
    session = get_session()
    role = get_role(session, role_id)
    form = RoleAiConsentForm(data={"requires_consent": role_requires_consent(session, role.id)})
    if form.validate_on_submit():
        required = bool(form.requires_consent.data)
        if attempt(
            session,
            lambda: set_role_requires_consent(session, role, required, actor_id=current_user.id),
            "Saved: the LLM judge "
            + ("now needs the candidate's consent." if required else "no longer needs consent."),
        ):
            return redirect(url_for("trust.role_ai_consent", role_id=role.id))
    elif form.is_submitted():
        flash_form_errors(form)
    return render_template("trust/rights/role.html", role=role, form=form)


@bp.route("/notices", methods=["GET", "POST"])
@require_role(*READERS)
def notices():
    """Show every version of the AI-use notice; hiring managers publish a new one."""
    session = get_session()
    latest = current_notice(session)
    session.commit()  # the first notice version, created on first use
    may_publish = bool(current_user.roles & {Role.HIRING_MANAGER, Role.ADMIN})
    form = NoticeForm(data={"title": latest.title, "body": latest.body})
    if form.validate_on_submit():
        if not may_publish:
            flash("Only hiring managers publish a new notice.", "error")
        elif attempt(
            session,
            lambda: publish_notice(
                session, title=form.title.data, body=form.body.data, actor_id=current_user.id
            ),
            "Published a new version of the AI-use notice; it is shown to candidates from now on.",
        ):
            return redirect(url_for("trust.notices"))
    elif form.is_submitted():
        flash_form_errors(form)
    return render_template(
        "trust/rights/notices.html",
        versions=notice_versions(session),
        form=form,
        may_publish=may_publish,
    )
