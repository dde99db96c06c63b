"""All debriefed candidates of a role side by side: votes, ratings, recommendations, AI, decision."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hiring.models import Application, JobRole
from interviews.models import Debrief, Decision, InterviewLoop, Recommendation, Vote
from interviews.services.debriefs import can_view_debrief, votes_for
from interviews.services.debriefs.evidence import ai_overall, rating_of, submitted
from interviews.services.decisions import current_decision
from interviews.services.visibility import feedback_visible, visible_scorecards


@dataclass(frozen=True)
class ComparisonRow:
    loop: InterviewLoop
    revealed: bool
    tally: dict[Vote, int]  # empty while the votes are sealed
    voted: int  # how many have voted (shown while sealed)
    panel_size: int
    means: dict[str, float | None]  # competency key → mean rating of the readable scorecards
    recommendations: dict[Recommendation, int]
    ai_overall: float | None  # None when hidden from the user or nothing is scored
    ai_visible: bool
    decision: Decision | None

    @property
    def candidate_name(self) -> str:
        return self.loop.application.candidate.name


@dataclass(frozen=True)
class RoleComparison:
    competencies: tuple[tuple[str, str], ...]  # (key, title) columns
    rows: tuple[ComparisonRow, ...]


def debriefed_loops(session: Session, role: JobRole) -> list[InterviewLoop]:
    """The role's loops whose debrief has opened, most recent debrief first."""
    statement = (
        select(InterviewLoop)
        .join(Application, InterviewLoop.application_id == Application.id)
        .join(Debrief, Debrief.loop_id == InterviewLoop.id)
        .where(Application.role_id == role.id)
        .order_by(Debrief.opened_at.desc(), InterviewLoop.id.desc())
    )
    return list(session.scalars(statement))


def _row(session: Session, loop: InterviewLoop, user: Any, keys: list[str]) -> ComparisonRow:
    cards = submitted(visible_scorecards(user, loop))
    means: dict[str, float | None] = {}
    for key in keys:
        ratings = [rating for card in cards if (rating := rating_of(card, key)[0]) is not None]
        means[key] = round(fmean(ratings), 2) if ratings else None
    counts = Counter(card.recommendation for card in cards if card.recommendation is not None)
    ballots = votes_for(user, loop.debrief)
    visible = feedback_visible(user, loop)
    return ComparisonRow(
        loop=loop,
        revealed=ballots.revealed,
        tally=ballots.tally,
        voted=ballots.voted_count,
        panel_size=len(ballots.ballots),
        means=means,
        recommendations={r: counts[r] for r in Recommendation if counts.get(r)},
        ai_overall=ai_overall(session, loop) if visible else None,
        ai_visible=visible,
        decision=current_decision(loop),
    )


def role_comparison(session: Session, role: JobRole, user: Any) -> RoleComparison:
    """One row per debriefed candidate of the role that the user may see, read through the blind
    rules: revealed vote tally, mean rating per competency, recommendations, AI overall, decision."""
    loops = [loop for loop in debriefed_loops(session, role) if can_view_debrief(user, loop)]
    titles: dict[str, str] = {}
    for loop in loops:
        for item in loop.template.competencies:
            titles.setdefault(item["key"], item.get("title") or item["key"])
    keys = list(titles)
    return RoleComparison(
        competencies=tuple(titles.items()),
        rows=tuple(_row(session, loop, user, keys) for loop in loops),
    )
