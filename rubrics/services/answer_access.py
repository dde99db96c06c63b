"""Who may see a scored answer and its scores.

Rubrics knows nothing of the packages built on it, but one of them may tie an answer to people: the
interviews package scores transcript answers, which stay blind until the interviewer's own scorecard
is in. Such a package registers a rule at app start; every answer page, list and action asks here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, abort, current_app
from sqlalchemy import Select

from rubrics.models import Answer

RULES_KEY = "rubrics_answer_rules"


@dataclass(frozen=True)
class AnswerRule:
    """``allows(user, answer)`` decides one answer; ``narrow(user, statement)`` filters a list query."""

    allows: Callable[[Any, Answer], bool]
    narrow: Callable[[Any, Select], Select]


def register_answer_rule(app: Flask, rule: AnswerRule) -> None:
    app.extensions.setdefault(RULES_KEY, []).append(rule)


def _rules() -> list[AnswerRule]:
    return current_app.extensions.get(RULES_KEY, [])


def can_see_answer(user: Any, answer: Answer) -> bool:
    return all(rule.allows(user, answer) for rule in _rules())


def ensure_can_see_answer(user: Any, answer: Answer) -> None:
    if not can_see_answer(user, answer):
        abort(403)


def visible_answers(user: Any, statement: Select) -> Select:
    """``statement`` (over Answer) narrowed to the answers the user may see."""
    for rule in _rules():
        statement = rule.narrow(user, statement)
    return statement
