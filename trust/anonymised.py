"""Anonymised review and the LLM judge: an answer recorded before its role was anonymised still holds
the candidate's identifying words, so the judge (an outside endpoint) must not be sent it on a rescore.
Scoring the transcript again records a redacted copy, which the judge may then score."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from core.redaction import redact
from hiring.models import JobRole
from interviews.services.anonymity import known_names
from rubrics.models import Answer
from rubrics.services.judge_permission import register_judge_rule
from trust.consent import answer_candidates

JUDGE_REFUSAL = (
    "the role is anonymised and this answer was recorded with the candidate's identifying details: "
    "score the transcript again to record a redacted copy for the judge"
)


def unredacted_answer_rule(session: Session, answer: Answer) -> tuple[bool, str | None]:
    """Refuse the judge an answer of an anonymised role whose text still has something to redact."""
    for candidate, role_id in answer_candidates(session, answer):
        role = session.get(JobRole, role_id)
        if role is not None and role.anonymised_review:
            if redact(answer.text, known_names=known_names(candidate)).spans:
                return False, JUDGE_REFUSAL
    return True, None


def register_unredacted_answer_rule(app: Flask) -> None:
    register_judge_rule(app, unredacted_answer_rule)
