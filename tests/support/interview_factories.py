"""Factories for interview rows, built straight on the models (no services), any field overridable."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from core.auth import User
from core.db import get_session
from hiring.models import Application
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    LoopRound,
    LoopTemplate,
    RoundKind,
    Scorecard,
    TemplateStatus,
)
from tests.support.hiring_factories import create_application

_sequence = itertools.count(1)

DEFAULT_COMPETENCIES = (
    {"key": "ml-depth", "title": "ML depth", "description": "", "must_haves": ["PyTorch"]},
    {"key": "engineering", "title": "Engineering", "description": "", "must_haves": ["Python"]},
)
DEFAULT_ROUNDS = (
    (RoundKind.ML_THEORY, "ML theory", ["ml-depth", "engineering"]),
    (RoundKind.CODING, "Coding", ["engineering", "ml-depth"]),
)


def create_loop_template(
    *,
    rounds: Sequence[tuple[RoundKind, str, list[str]]] = DEFAULT_ROUNDS,
    question_ids: Sequence[Sequence[int]] = (),
    **overrides: Any,
) -> LoopTemplate:
    """A loop template (a role's own loop when ``role`` is given); published unless told otherwise."""
    number = next(_sequence)
    fields: dict[str, Any] = {
        "slug": f"test-loop-{number}",
        "title": f"Test loop {number}",
        "competencies": [dict(c) for c in DEFAULT_COMPETENCIES],
        "status": TemplateStatus.PUBLISHED,
    }
    fields.update(overrides)
    template = LoopTemplate(**fields)
    for position, (kind, title, competencies) in enumerate(rounds):
        ids = list(question_ids[position]) if position < len(question_ids) else []
        template.rounds.append(
            LoopRound(
                position=position, kind=kind, title=title, competencies=competencies, question_ids=ids
            )
        )
    get_session().add(template)
    get_session().flush()
    return template


def create_interview_loop(
    *,
    application: Application | None = None,
    template: LoopTemplate | None = None,
    interviewers: Sequence[Sequence[User]] = (),
    **overrides: Any,
) -> InterviewLoop:
    """A loop instance for ``application``: one round per template round, a draft scorecard for each
    interviewer given per round (``interviewers[i]`` for round i)."""
    application = application or create_application(stage_name="Onsite loop")
    template = template or create_loop_template(role=application.role)
    loop = InterviewLoop(application=application, template=template, **overrides)
    for position, template_round in enumerate(template.rounds):
        interview_round = InterviewRound(
            template_round_id=template_round.id,
            position=position,
            kind=template_round.kind,
            title=template_round.title,
            duration_minutes=template_round.duration_minutes,
            competencies=list(template_round.competencies),
            question_ids=list(template_round.question_ids),
        )
        for user in interviewers[position] if position < len(interviewers) else ():
            interview_round.scorecards.append(Scorecard(interviewer_id=user.id))
        loop.rounds.append(interview_round)
    get_session().add(loop)
    get_session().flush()
    return loop
