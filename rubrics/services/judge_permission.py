"""Whether the LLM judge may run on an answer.

Rubrics knows nothing of the people behind answers, but a package built on it may: candidate rights
(trust) refuse the judge for a candidate who has not consented to AI-assisted evaluation when the
role requires it. Such a package registers a rule at app start; every scoring path asks here before
the judge runs, and the embedding match runs either way.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from rubrics.models import Answer

RULES_KEY = "rubrics_judge_rules"

# rule(session, answer) -> (allowed, reason); the reason says why the judge may not run.
JudgeRule = Callable[[Session, Answer], tuple[bool, str | None]]


def register_judge_rule(app: Flask, rule: JudgeRule) -> None:
    rules = app.extensions.setdefault(RULES_KEY, [])
    if rule not in rules:
        rules.append(rule)


def judge_permission(session: Session, answer: Answer) -> tuple[bool, str | None]:
    """(True, None) when every registered rule lets the judge score ``answer``, else (False, reason)."""
    for rule in current_app.extensions.get(RULES_KEY, []) if has_app_context() else []:
        allowed, reason = rule(session, answer)
        if not allowed:
            return False, reason
    return True, None
