"""Pages of the matching section: the skill taxonomy; the skills found in a candidate's profile and
writing or in a role's job description, each with its verbatim span; a role's ranking of applicants
and prospects with the explanation of every score, its weights, and the rediscovery panel."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from core.auth import Role, require_role
from core.db import Page, get_session
from core.web import attempt, flash_form_errors
from hiring.models import CandidateSource, RoleStatus
from hiring.services.access import can_edit, ensure_can_view_candidate, ensure_can_view_role
from hiring.services.candidates import get_candidate
from hiring.services.prospects import list_pools
from hiring.services.roles import get_role
from matching.forms import RankingFilterForm, WeightsForm
from matching.ranking import (
    Matcher,
    RankingFilters,
    rank_role,
    role_weights,
    set_role_weights,
)
from matching.rediscovery import KINDS as REDISCOVERY_KINDS
from matching.rediscovery import rediscover
from matching.scoring import PART_KEYS, PART_LABELS, Weights
from matching.services import SkillMention, candidate_skills, role_skills
from matching.taxonomy import Taxonomy, default_taxonomy

bp = Blueprint("matching", __name__, url_prefix="/matching")
READERS = (Role.HIRING_MANAGER, Role.RECRUITER)


def _by_category(taxonomy: Taxonomy, mentions: list[SkillMention]) -> list[tuple[str, list]]:
    """(category label, [(skill name, [mentions])]) in the taxonomy's category order."""
    grouped: dict[str, dict[str, list[SkillMention]]] = defaultdict(dict)
    for mention in mentions:
        grouped[mention.found.category].setdefault(mention.name, []).append(mention)
    return [
        (label, sorted(grouped[key].items(), key=lambda item: (-len(item[1]), item[0].casefold())))
        for key, label in taxonomy.categories.items()
        if key in grouped
    ]


@bp.get("/")
@require_role(*READERS)
def index():
    """Show the skill taxonomy: categories, canonical names and the aliases that find them."""
    taxonomy = default_taxonomy()
    categories = [(label, taxonomy.in_category(key)) for key, label in taxonomy.categories.items()]
    return render_template("matching/index.html", taxonomy=taxonomy, categories=categories)


@bp.get("/candidates/<int:candidate_id>/skills")
@require_role(*READERS)
def candidate_skill_list(candidate_id: int):
    """Show the skills found in a candidate's profile and documents, with their evidence."""
    candidate = get_candidate(get_session(), candidate_id)
    ensure_can_view_candidate(current_user, candidate)
    mentions = candidate_skills(candidate)
    return render_template(
        "matching/skills.html",
        subject=candidate.name,
        back=("hiring.candidate_detail", {"candidate_id": candidate.id}),
        groups=_by_category(default_taxonomy(), mentions),
        skill_count=len({m.name for m in mentions}),
    )


@bp.get("/roles/<int:role_id>/skills")
@require_role(*READERS)
def role_skill_list(role_id: int):
    """Show the skills found in a role's job description, with their evidence."""
    role = get_role(get_session(), role_id)
    ensure_can_view_role(current_user, role)
    mentions = role_skills(role)
    return render_template(
        "matching/skills.html",
        subject=role.title,
        back=("hiring.role_detail", {"role_id": role.id}),
        groups=_by_category(default_taxonomy(), mentions),
        skill_count=len({m.name for m in mentions}),
    )


RANKING_PAGE_SIZE = 20
# SVG fill colours of the score bars' segments (static/matching.css has the same for the legend).
PART_COLOURS = {
    "must_have": "#2f6f9f",
    "nice_to_have": "#7fb3d5",
    "semantic": "#8e6fbf",
    "seniority": "#d39b3a",
}


@bp.get("/roles/<int:role_id>/ranking")
@require_role(*READERS)
def role_ranking(role_id: int):
    """Rank the role's applicants and prospects by match score, each with its explanation; when the
    role is open, also show who deserves another look (rediscovery)."""
    session = get_session()
    role = get_role(session, role_id)
    ensure_can_view_role(current_user, role)
    form = RankingFilterForm(request.args)
    form.stage.choices = [SelectChoice("", "Any stage")] + [
        SelectChoice(stage.id, stage.name) for stage in role.stages
    ]
    form.pool.choices = [SelectChoice("", "Any pool")] + [
        SelectChoice(pool.id, pool.name) for pool, _count in list_pools(session)
    ]
    filters = RankingFilters()
    if form.validate():
        filters = RankingFilters(
            stage_id=form.stage.data,
            pool_id=form.pool.data,
            source=CandidateSource(form.source.data) if form.source.data else None,
            location=form.location.data or "",
            include=form.include.data,
        )
    else:
        flash_form_errors(form)
    matcher = Matcher(session)
    ranking = rank_role(session, role, filters=filters, matcher=matcher)
    page_number = max(1, request.args.get("page", 1, type=int) or 1)
    first = (page_number - 1) * RANKING_PAGE_SIZE
    page = Page(
        items=ranking.results[first : first + RANKING_PAGE_SIZE],
        page=page_number,
        per_page=RANKING_PAGE_SIZE,
        total=len(ranking.results),
    )
    rediscovered = (
        rediscover(session, role, today=date.today(), matcher=matcher)
        if role.status is RoleStatus.OPEN
        else None
    )
    weights = role_weights(session, role.id)
    return render_template(
        "matching/ranking.html",
        role=role,
        form=form,
        filtered=filters != RankingFilters(),
        query={key: value for key, value in request.args.items() if key != "page" and value},
        ranking=ranking,
        page=page,
        first_rank=first + 1,
        rediscovered=rediscovered,
        weights=weights,
        weights_form=WeightsForm(data=weights.as_dict()),
        can_edit_weights=can_edit(current_user),
        part_keys=PART_KEYS,
        part_labels=PART_LABELS,
        colours=PART_COLOURS,
        kinds=REDISCOVERY_KINDS,
    )


@bp.post("/roles/<int:role_id>/weights")
@require_role(*READERS)
def update_weights(role_id: int):
    """Change how much each part of the match score counts for this role."""
    session = get_session()
    role = get_role(session, role_id)
    ensure_can_view_role(current_user, role)
    form = WeightsForm()
    if form.validate_on_submit():
        attempt(
            session,
            lambda: set_role_weights(
                session,
                role,
                Weights(**{key: float(getattr(form, key).data) for key in PART_KEYS}),
                actor_id=current_user.id,
            ),
            "Match weights saved; the ranking below uses them.",
        )
    else:
        flash_form_errors(form)
    return redirect(url_for("matching.role_ranking", role_id=role.id))
