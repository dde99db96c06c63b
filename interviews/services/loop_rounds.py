"""Editing the rounds of a role's loop: add, change, reorder and remove them (each edit audited).

Rounds of loops already running are copies made when the loop started, so no edit here changes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import DomainError
from interviews.models import LoopRound, LoopTemplate, RoundKind
from interviews.services.loop_edits import (
    MAX_NOTES,
    MAX_TITLE,
    LoopEdit,
    clean_text,
    ensure_editable,
    finish_edit,
    panel_member,
)
from interviews.services.templates import template_data
from rubrics.models import Question

MIN_DURATION, MAX_DURATION = 5, 480
MAX_ROUNDS = 12


def _round_fields(
    session: Session,
    template: LoopTemplate,
    *,
    kind: RoundKind | str,
    title: str,
    duration_minutes: int,
    competencies: Sequence[str],
    question_ids: Sequence[int],
    interviewer_ids: Sequence[int],
    notes: str,
    current_questions: Sequence[int] = (),
) -> dict[str, Any]:
    try:
        kind = RoundKind(kind)
    except ValueError:
        raise DomainError("Pick the kind of round from the list.") from None
    if not isinstance(duration_minutes, int) or not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise DomainError(f"A round lasts from {MIN_DURATION} to {MAX_DURATION} minutes.")
    keys = {c["key"] for c in template.competencies}
    unknown = [key for key in competencies if key not in keys]
    if unknown:
        raise DomainError(f"{', '.join(unknown)} is not one of the loop's competencies.")
    wanted = [int(q) for q in dict.fromkeys(question_ids)]
    known = set(session.scalars(select(Question.id).where(Question.id.in_(wanted)))) if wanted else set()
    if set(wanted) - known:
        raise DomainError(
            "Some of the chosen questions are no longer in the question bank. Reload the page."
        )
    # Questions already asked keep their order; newly chosen ones follow in the bank's order.
    ordered = [q for q in current_questions if q in wanted] + [
        q for q in wanted if q not in current_questions
    ]
    return {
        "kind": kind,
        "title": clean_text(title, "round's title", MAX_TITLE, required=True),
        "duration_minutes": duration_minutes,
        "competencies": [
            key for key in (c["key"] for c in template.competencies) if key in competencies
        ],
        "question_ids": ordered,
        "interviewers": [
            panel_member(template, int(i), "interviewer of a round")
            for i in dict.fromkeys(interviewer_ids)
        ],
        "notes": clean_text(notes, "notes", MAX_NOTES),
    }


def add_loop_round(
    session: Session,
    template: LoopTemplate,
    *,
    kind: RoundKind | str,
    title: str,
    duration_minutes: int = 45,
    competencies: Sequence[str] = (),
    question_ids: Sequence[int] = (),
    interviewer_ids: Sequence[int] = (),
    notes: str = "",
    actor_id: int | None,
) -> LoopEdit:
    """Add a round at the end of the loop."""
    ensure_editable(template)
    if len(template.rounds) >= MAX_ROUNDS:
        raise DomainError(f"A loop has at most {MAX_ROUNDS} rounds.")
    fields = _round_fields(
        session,
        template,
        kind=kind,
        title=title,
        duration_minutes=duration_minutes,
        competencies=competencies,
        question_ids=question_ids,
        interviewer_ids=interviewer_ids,
        notes=notes,
    )
    before = template_data(template)
    template.rounds.append(LoopRound(position=len(template.rounds), **fields))
    return finish_edit(
        session,
        template,
        actor_id=actor_id,
        action="loop.round_added",
        message=f"Round “{fields['title']}” added.",
        before=before,
    )


def update_loop_round(
    session: Session,
    loop_round: LoopRound,
    *,
    kind: RoundKind | str,
    title: str,
    duration_minutes: int,
    competencies: Sequence[str] = (),
    question_ids: Sequence[int] = (),
    interviewer_ids: Sequence[int] = (),
    notes: str = "",
    actor_id: int | None,
) -> LoopEdit:
    """Change a round's kind, title, length, competencies, questions, interviewers or notes."""
    template = loop_round.template
    ensure_editable(template)
    fields = _round_fields(
        session,
        template,
        kind=kind,
        title=title,
        duration_minutes=duration_minutes,
        competencies=competencies,
        question_ids=question_ids,
        interviewer_ids=interviewer_ids,
        notes=notes,
        current_questions=loop_round.question_ids,
    )
    before = template_data(template)
    for name, value in fields.items():
        if getattr(loop_round, name) != value:
            setattr(loop_round, name, value)
    session.flush()
    if template_data(template) == before:
        return LoopEdit(f"Nothing changed in “{loop_round.title}”.")
    return finish_edit(
        session,
        template,
        actor_id=actor_id,
        action="loop.round_updated",
        message=f"Round “{loop_round.title}” saved.",
        before=before,
    )


def move_loop_round(
    session: Session, loop_round: LoopRound, offset: int, *, actor_id: int | None
) -> LoopEdit:
    """Move a round one place earlier (-1) or later (+1)."""
    template = loop_round.template
    ensure_editable(template)
    rounds = list(template.rounds)
    index = rounds.index(loop_round)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(rounds):
        raise DomainError(
            f"“{loop_round.title}” is already the {'last' if offset > 0 else 'first'} round."
        )
    before = template_data(template)
    rounds[index], rounds[target] = rounds[target], rounds[index]
    for position, item in enumerate(rounds):
        item.position = position
    template.rounds = rounds
    return finish_edit(
        session,
        template,
        actor_id=actor_id,
        action="loop.round_moved",
        message=f"Moved “{loop_round.title}” {'later' if offset > 0 else 'earlier'}.",
        before=before,
    )


def remove_loop_round(session: Session, loop_round: LoopRound, *, actor_id: int | None) -> LoopEdit:
    """Remove a round from the loop (loops already running keep their copy of it)."""
    template = loop_round.template
    ensure_editable(template)
    before = template_data(template)
    title = loop_round.title
    template.rounds = [r for r in template.rounds if r is not loop_round]
    for position, item in enumerate(template.rounds):
        item.position = position
    return finish_edit(
        session,
        template,
        actor_id=actor_id,
        action="loop.round_removed",
        message=f"Round “{title}” removed.",
        before=before,
    )
