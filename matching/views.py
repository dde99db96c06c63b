"""Pages of the matching section: the skill taxonomy, and the skills found in a candidate's profile
and writing or in a role's job description, each with the verbatim span it was found in."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, render_template
from flask_login import current_user

from core.auth import Role, require_role
from core.db import get_session
from hiring.services.access import ensure_can_view_candidate, ensure_can_view_role
from hiring.services.candidates import get_candidate
from hiring.services.roles import get_role
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
