"""The question bank: questions scored with their rubric."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.audit import record_audit
from core.db import Page, escape_like, get_or_raise, paginate
from core.errors import ConflictError, DomainError
from rubrics.models import Answer, Question, QuestionCategory, Rubric
from rubrics.services.library import (
    clean_key,
    clean_pack,
    clean_title,
    flush_unique,
    get_rubric,
)

MAX_PROMPT = 20_000


def get_question(session: Session, question_id: int) -> Question:
    """Return the question or raise NotFoundError."""
    return get_or_raise(session, Question, question_id, f"There is no question #{question_id}.")


def find_question(session: Session, key: str) -> Question | None:
    return session.scalars(select(Question).where(Question.key == key)).one_or_none()


def list_questions(
    session: Session,
    *,
    page: int,
    per_page: int,
    category: QuestionCategory | None = None,
    pack: str = "",
    query: str = "",
) -> Page[Question]:
    """One page of questions by category and key, filtered by category, pack and a search."""
    statement = (
        select(Question)
        .options(selectinload(Question.rubric).selectinload(Rubric.versions))
        .order_by(Question.category, Question.key)
    )
    if category:
        statement = statement.where(Question.category == category)
    if pack:
        statement = statement.where(Question.pack == pack)
    if query:
        pattern = f"%{escape_like(query.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Question.key).like(pattern, escape="\\"),
                func.lower(Question.title).like(pattern, escape="\\"),
                func.lower(Question.prompt).like(pattern, escape="\\"),
            )
        )
    return paginate(session, statement, page, per_page)


def _question_fields(
    session: Session,
    *,
    key: str,
    category: QuestionCategory | str,
    title: str,
    prompt: str,
    rubric_id: int,
    pack: str,
) -> dict[str, Any]:
    try:
        category = QuestionCategory(category)
    except ValueError:
        raise DomainError(f"Unknown question category {category!r}.") from None
    prompt = (prompt or "").strip()
    if not prompt:
        raise DomainError("Write the question's prompt: what the interviewer asks.")
    if len(prompt) > MAX_PROMPT:
        raise DomainError(f"The prompt is longer than {MAX_PROMPT} characters.")
    return {
        "key": clean_key(key, "question"),
        "category": category,
        "title": clean_title(title, "question"),
        "prompt": prompt,
        "rubric": get_rubric(session, rubric_id),
        "pack": clean_pack(pack),
    }


def _question_summary(question: Question) -> dict[str, Any]:
    return {
        "key": question.key,
        "category": question.category.value,
        "pack": question.pack,
        "title": question.title,
        "prompt": question.prompt,
        "rubric": question.rubric.key,
    }


def create_question(
    session: Session,
    *,
    key: str,
    category: QuestionCategory | str,
    title: str,
    prompt: str,
    rubric_id: int,
    actor_id: int | None,
    pack: str = "",
) -> Question:
    """Add a question to the bank, scored with the given rubric."""
    fields = _question_fields(
        session, key=key, category=category, title=title, prompt=prompt, rubric_id=rubric_id, pack=pack
    )
    question = Question(**fields)
    flush_unique(session, question, f"A question with the key {question.key!r} already exists.")
    record_audit(
        session,
        actor_id=actor_id,
        action="question.created",
        object_type="question",
        object_id=question.id,
        summary=f"Created question {question.key}",
        after=_question_summary(question),
    )
    return question


def update_question(
    session: Session,
    question: Question,
    *,
    key: str,
    category: QuestionCategory | str,
    title: str,
    prompt: str,
    rubric_id: int,
    actor_id: int | None,
    pack: str = "",
) -> bool:
    """Edit a question; returns whether anything changed."""
    fields = _question_fields(
        session, key=key, category=category, title=title, prompt=prompt, rubric_id=rubric_id, pack=pack
    )
    before = _question_summary(question)
    if all(getattr(question, name) == value for name, value in fields.items()):
        return False
    for name, value in fields.items():
        setattr(question, name, value)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ConflictError(f"A question with the key {fields['key']!r} already exists.") from None
    record_audit(
        session,
        actor_id=actor_id,
        action="question.updated",
        object_type="question",
        object_id=question.id,
        summary=f"Edited question {question.key}",
        before=before,
        after=_question_summary(question),
    )
    return True


def delete_question(session: Session, question: Question, *, actor_id: int | None) -> None:
    """Delete a question that nothing refers to (no answers, no interview kits)."""
    answers = session.scalar(select(func.count()).where(Answer.question_id == question.id)) or 0
    if answers:
        raise ConflictError(
            f"“{question.title}” has {answers} answer{'s' if answers != 1 else ''} recorded against it, "
            "so it cannot be deleted: the scores must keep their question. Nothing was deleted."
        )
    before = _question_summary(question)
    question_id = question.id
    try:
        with session.begin_nested():
            session.delete(question)
    except IntegrityError:
        raise ConflictError(
            f"“{question.title}” is still used (for example in an interview kit), so it cannot be "
            "deleted. Nothing was deleted."
        ) from None
    record_audit(
        session,
        actor_id=actor_id,
        action="question.deleted",
        object_type="question",
        object_id=question_id,
        summary=f"Deleted question {before['key']}",
        before=before,
    )
