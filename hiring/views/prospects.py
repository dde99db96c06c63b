"""Passive-candidate CRM pages: prospects, the re-engagement list, talent pools, touchpoints."""

from __future__ import annotations

from functools import partial

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session
from core.forms import ConfirmForm
from core.web import attempt, flash_form_errors
from hiring.forms.pipeline import choices
from hiring.forms.prospects import (
    AddToPoolForm,
    ConvertForm,
    PoolForm,
    PoolMemberForm,
    ReengagementForm,
    RenamePoolForm,
    TouchpointForm,
)
from hiring.models import TouchpointKind
from hiring.services import candidates, pipeline, prospects, roles
from hiring.views._blueprint import bp

EDITORS = (Role.HIRING_MANAGER, Role.RECRUITER)
MAX_DAYS_AHEAD = 365


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _days() -> int:
    days = request.args.get("days", prospects.DUE_WITHIN_DAYS, type=int)
    return min(max(days if days is not None else prospects.DUE_WITHIN_DAYS, 0), MAX_DAYS_AHEAD)


def _to_prospect(candidate_id: int):
    return redirect(url_for("hiring.prospect_detail", candidate_id=candidate_id))


@bp.get("/prospects", endpoint="prospects")
@require_role(*EDITORS)
def prospects_list():
    """List prospects, filtered by pool, tag, name or being due for re-engagement."""
    session = get_session()
    filters = {
        "pool": request.args.get("pool", type=int),
        "tag": request.args.get("tag", "").strip()[:100],
        "q": request.args.get("q", "").strip()[:100],
        "due": "1" if request.args.get("due") else "",
    }
    page = prospects.list_prospects(
        session,
        page=_page(),
        per_page=current_app.config["PER_PAGE"],
        pool_id=filters["pool"],
        tag=filters["tag"],
        query=filters["q"],
        due_within_days=prospects.DUE_WITHIN_DAYS if filters["due"] else None,
    )
    return render_template(
        "hiring/prospects/list.html",
        page=page,
        filters=filters,
        pools=prospects.list_pools(session),
        tags=prospects.list_prospect_tags(session),
        filtered=any(filters.values()),
        describe_due=prospects.describe_due,
    )


@bp.get("/prospects/due")
@require_role(*EDITORS)
def due_prospects():
    """List prospects due for re-engagement within N days (default 14) or overdue, overdue first."""
    days = _days()
    page = prospects.list_prospects(
        get_session(), page=_page(), per_page=current_app.config["PER_PAGE"], due_within_days=days
    )
    return render_template(
        "hiring/prospects/due.html", page=page, days=days, describe_due=prospects.describe_due
    )


@bp.get("/prospects/<int:candidate_id>")
@require_role(*EDITORS)
def prospect_detail(candidate_id: int):
    """Show a prospect: pools, touchpoints, re-engagement dates, and the forms to change them."""
    session = get_session()
    candidate = candidates.get_candidate(session, candidate_id)
    dates = ReengagementForm(
        not_looking_until=candidate.not_looking_until, next_reengage_on=candidate.next_reengage_on
    )
    pool_form = AddToPoolForm()
    other_pools = [pool for pool, _count in prospects.list_pools(session) if pool not in candidate.pools]
    pool_form.pool_id.choices = choices((pool.id, pool.name) for pool in other_pools)
    convert_form = ConvertForm()
    # A prospect already in a role's pipeline (e.g. sourced at "Lead") cannot apply to it again.
    in_pipeline = {application.role_id for application in candidate.applications}
    convert_form.role_id.choices = choices(
        (r.id, r.title) for r in pipeline.list_open_roles(session) if r.id not in in_pipeline
    )
    return render_template(
        "hiring/prospects/detail.html",
        candidate=candidate,
        touchpoint_form=TouchpointForm(),
        dates_form=dates,
        pool_form=pool_form,
        convert_form=convert_form,
        confirm_form=ConfirmForm(),
        due=prospects.describe_due(candidate),
        candidate_pages="hiring.candidate_detail" in current_app.view_functions,
    )


@bp.post("/prospects/<int:candidate_id>/touchpoints")
@require_role(*EDITORS)
def add_touchpoint(candidate_id: int):
    """Log an email, call, meeting or note with a prospect (optionally setting the next date)."""
    session = get_session()
    candidate = candidates.get_candidate(session, candidate_id)
    form = TouchpointForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to_prospect(candidate.id)
    change = partial(
        prospects.log_touchpoint,
        session,
        candidate,
        kind=TouchpointKind(form.kind.data),
        happened_on=form.happened_on.data,
        summary=form.summary.data,
        next_reengage_on=form.next_reengage_on.data,
        actor_id=current_user.id,
    )
    attempt(session, change, "Touchpoint logged.")
    return _to_prospect(candidate.id)


@bp.post("/touchpoints/<int:touchpoint_id>/delete")
@require_role(*EDITORS)
def delete_touchpoint(touchpoint_id: int):
    """Delete a touchpoint (the page asked for confirmation)."""
    session = get_session()
    touchpoint = prospects.get_touchpoint(session, touchpoint_id)
    candidate_id = touchpoint.candidate_id
    if ConfirmForm().validate_on_submit():
        change = partial(prospects.delete_touchpoint, session, touchpoint, actor_id=current_user.id)
        attempt(session, change, "Touchpoint deleted.")
    else:
        flash("The form expired; nothing was deleted. Try again.", "error")
    return _to_prospect(candidate_id)


@bp.post("/prospects/<int:candidate_id>/reengagement")
@require_role(*EDITORS)
def set_reengagement(candidate_id: int):
    """Set or clear "not looking until" and the next re-engagement date."""
    session = get_session()
    candidate = candidates.get_candidate(session, candidate_id)
    form = ReengagementForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to_prospect(candidate.id)
    change = partial(
        prospects.set_reengagement,
        session,
        candidate,
        not_looking_until=form.not_looking_until.data,
        next_reengage_on=form.next_reengage_on.data,
        actor_id=current_user.id,
    )
    attempt(session, change, "Re-engagement dates saved.")
    return _to_prospect(candidate.id)


@bp.post("/prospects/<int:candidate_id>/convert")
@require_role(*EDITORS)
def convert_prospect(candidate_id: int):
    """Turn a prospect into an applicant of an open role, in one step."""
    session = get_session()
    candidate = candidates.get_candidate(session, candidate_id)
    form = ConvertForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to_prospect(candidate.id)
    role = roles.get_role(session, form.role_id.data)
    change = partial(prospects.convert_prospect, session, candidate, role, actor_id=current_user.id)
    if attempt(session, change, f"{candidate.name} is now an applicant for {role.title}."):
        return redirect(url_for("hiring.board", role_id=role.id))
    return _to_prospect(candidate.id)


@bp.post("/prospects/<int:candidate_id>/pools")
@require_role(*EDITORS)
def add_to_pool(candidate_id: int):
    """Put a candidate into a pool, which marks them as a prospect."""
    session = get_session()
    candidate = candidates.get_candidate(session, candidate_id)
    form = AddToPoolForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _to_prospect(candidate.id)
    pool = prospects.get_pool(session, form.pool_id.data)
    change = partial(prospects.add_to_pool, session, pool, candidate, actor_id=current_user.id)
    attempt(session, change, f"{candidate.name} added to {pool.name}.")
    return _to_prospect(candidate.id)


@bp.post("/prospects/<int:candidate_id>/pools/<int:pool_id>/remove")
@require_role(*EDITORS)
def remove_from_pool(candidate_id: int, pool_id: int):
    """Take a candidate out of a pool (the page asked for confirmation)."""
    session = get_session()
    candidate = candidates.get_candidate(session, candidate_id)
    pool = prospects.get_pool(session, pool_id)
    if ConfirmForm().validate_on_submit():
        change = partial(prospects.remove_from_pool, session, pool, candidate, actor_id=current_user.id)
        attempt(session, change, f"{candidate.name} removed from {pool.name}.")
    if request.form.get("back") == "pool":
        return redirect(url_for("hiring.pool_detail", pool_id=pool.id))
    return _to_prospect(candidate.id)


@bp.route("/pools", methods=["GET", "POST"])
@require_role(*EDITORS)
def pools():
    """List talent pools with their sizes, and create one."""
    session = get_session()
    form = PoolForm()
    if form.validate_on_submit():
        change = partial(
            prospects.create_pool,
            session,
            name=form.name.data,
            description=form.description.data or "",
            actor_id=current_user.id,
        )
        if attempt(session, change, f"Pool {form.name.data.strip()} created."):
            return redirect(url_for("hiring.pools"))
    return render_template("hiring/prospects/pools.html", pools=prospects.list_pools(session), form=form)


@bp.get("/pools/<int:pool_id>")
@require_role(*EDITORS)
def pool_detail(pool_id: int):
    """Show a pool's members, with forms to add and remove members, rename or delete the pool."""
    session = get_session()
    pool = prospects.get_pool(session, pool_id)
    query = request.args.get("q", "").strip()[:100]
    member_form = PoolMemberForm()
    outside = prospects.candidates_outside_pool(session, pool, query)
    member_form.candidate_id.choices = choices((c.id, c.name) for c in outside)
    page = prospects.list_pool_members(
        session, pool, page=_page(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template(
        "hiring/prospects/pool.html",
        pool=pool,
        page=page,
        query=query,
        member_form=member_form,
        rename_form=RenamePoolForm(name=pool.name),
        confirm_form=ConfirmForm(),
    )


@bp.post("/pools/<int:pool_id>/rename")
@require_role(*EDITORS)
def rename_pool(pool_id: int):
    """Rename a pool (names are unique)."""
    session = get_session()
    pool = prospects.get_pool(session, pool_id)
    form = RenamePoolForm()
    if form.validate_on_submit():
        change = partial(
            prospects.rename_pool, session, pool, name=form.name.data, actor_id=current_user.id
        )
        attempt(session, change, "Pool renamed.")
    else:
        flash_form_errors(form)
    return redirect(url_for("hiring.pool_detail", pool_id=pool.id))


@bp.post("/pools/<int:pool_id>/delete")
@require_role(*EDITORS)
def delete_pool(pool_id: int):
    """Delete a pool, keeping its members as candidates (the page asked for confirmation)."""
    session = get_session()
    pool = prospects.get_pool(session, pool_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form expired; nothing was deleted. Try again.", "error")
        return redirect(url_for("hiring.pool_detail", pool_id=pool.id))
    name = pool.name
    attempt(
        session,
        partial(prospects.delete_pool, session, pool, actor_id=current_user.id),
        f"Pool {name} deleted.",
    )
    return redirect(url_for("hiring.pools"))


@bp.post("/pools/<int:pool_id>/members")
@require_role(*EDITORS)
def add_pool_member(pool_id: int):
    """Add a candidate to this pool, which marks them as a prospect."""
    session = get_session()
    pool = prospects.get_pool(session, pool_id)
    form = PoolMemberForm()
    if form.validate_on_submit():
        candidate = candidates.get_candidate(session, form.candidate_id.data)
        change = partial(prospects.add_to_pool, session, pool, candidate, actor_id=current_user.id)
        attempt(session, change, f"{candidate.name} added to {pool.name}.")
    else:
        flash_form_errors(form)
    return redirect(url_for("hiring.pool_detail", pool_id=pool.id))
