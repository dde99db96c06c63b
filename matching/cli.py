"""`flask matching rank ROLE_ID [--top N]` and `flask matching refresh`.

`rank` prints one JSON object as its last line (a stable contract):

    {"role_id": ..., "results": [{"candidate_id", "score", "parts": {...}, "matched": [...],
     "missing": [...], "evidence": {...}}], "seconds": ...}

``score`` is 0-1 and equals the sum of the parts' ``contribution``s; each part carries its
``value`` (0-1, null when it could not be measured), ``weight`` (its share of the score) and a
``detail``. ``matched`` lists the JD's skills the profile shows, ``missing`` the must-have skill
groups it does not. Candidates are the role's applicants and the prospects who have not applied,
best first, ties broken by the lower candidate id. Progress goes to stderr.
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup, with_appcontext

from core.db import get_session

matching_group = AppGroup("matching", help="Candidate-role matching: ranking and embeddings.")


@matching_group.command("rank")
@click.argument("role_id", type=int)
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True)
@with_appcontext
def rank(role_id: int, top: int) -> None:
    """Rank a role's applicants and prospects by match score, with the score's parts."""
    from hiring.models import JobRole
    from matching.ranking import rank_role

    session = get_session()
    role = session.get(JobRole, role_id)
    if role is None:
        raise click.ClickException(f"There is no role with id {role_id}.")
    click.echo(f"Ranking candidates for {role.title!r} ...", err=True)
    ranking = rank_role(session, role, top=top, store_vectors=True)
    session.commit()  # the profile vectors and passage embeddings computed on the way
    click.echo(
        f"{ranking.eligible} candidates considered, {ranking.encoded} passages embedded"
        + (f", shortlisted by {ranking.shortlisted_by}" if ranking.shortlisted_by else ""),
        err=True,
    )
    results = [item.result.as_json() for item in ranking.results]
    click.echo(
        json.dumps({"role_id": role.id, "results": results, "seconds": round(ranking.seconds, 3)})
    )


@matching_group.command("refresh")
@with_appcontext
def refresh() -> None:
    """Embed every candidate's profile and every JD now (the queued jobs do it as things change)."""
    from matching.jobs import all_profile_ids, refresh_match_embeddings

    candidate_ids, role_ids = all_profile_ids()
    summary = refresh_match_embeddings(candidate_ids, role_ids)
    get_session().commit()
    click.echo(json.dumps(summary))
