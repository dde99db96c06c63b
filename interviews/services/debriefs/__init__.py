"""Debriefs: opening, sealed votes and their reveal, and the evidence the panel discusses.

``sessions`` holds the debrief's life (open, vote, reveal, close); ``evidence`` the read-only views
of the panel's feedback ("who said what", the disagreement map, the evidence-first agenda).
"""

from interviews.services.debriefs.evidence import (
    AgendaItem,
    CompetencyRow,
    DisagreementMap,
    EvidenceLink,
    MapCell,
    MapColumn,
    Testimony,
    agenda,
    disagreement_map,
    who_said_what,
)
from interviews.services.debriefs.sessions import (
    MAX_TEXT_CHARS,
    Ballot,
    Ballots,
    all_scorecards_submitted,
    can_view_debrief,
    cast_vote,
    close_debrief,
    get_loop,
    is_hiring_manager,
    maybe_open_debrief,
    missing_scorecards,
    open_debrief,
    panel_members,
    reveal_votes,
    votes_for,
)

__all__ = [
    "MAX_TEXT_CHARS",
    "AgendaItem",
    "Ballot",
    "Ballots",
    "CompetencyRow",
    "DisagreementMap",
    "EvidenceLink",
    "MapCell",
    "MapColumn",
    "Testimony",
    "agenda",
    "all_scorecards_submitted",
    "can_view_debrief",
    "cast_vote",
    "close_debrief",
    "disagreement_map",
    "get_loop",
    "is_hiring_manager",
    "maybe_open_debrief",
    "missing_scorecards",
    "open_debrief",
    "panel_members",
    "reveal_votes",
    "votes_for",
    "who_said_what",
]
