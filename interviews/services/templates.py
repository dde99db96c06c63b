"""Loop templates: the shipped library in the database, each role's own loop copied from it, and
publishing a loop once its coverage has no errors.

Library templates have ``role_id`` NULL and are kept in step with ``interviews/loop_templates``
by ``sync_library_templates``; a role's loop is an editable copy (``interviews.services.loop_edits``).
Loop instances copy their rounds when they start, so changing a template never changes a running loop.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import get_or_raise, utcnow
from core.errors import ConflictError, DomainError
from hiring.models import JobRole
from interviews.library import TemplateSpec, load_all_templates
from interviews.models import LoopRound, LoopTemplate, TemplateStatus
from interviews.services.coverage import CoverageReport, coverage_report
from rubrics.content import ContentError
from rubrics.models import Question
from rubrics.services.pack_loading import load_packs


@dataclass(frozen=True)
class SyncReport:
    """What syncing the shipped templates did; values are template slugs."""

    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    packs_loaded: bool  # question keys were missing, so the rubric packs were loaded first

    @property
    def summary(self) -> str:
        text = (
            f"{len(self.created)} loop templates added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} already up to date."
        )
        if self.packs_loaded:
            text += " The rubric packs were loaded into the question bank first."
        return text


# ---------------------------------------------------------------- reading


def get_template(session: Session, template_id: int) -> LoopTemplate:
    """Return the loop template or raise NotFoundError."""
    return get_or_raise(session, LoopTemplate, template_id, f"There is no loop template #{template_id}.")


def list_library_templates(session: Session) -> list[LoopTemplate]:
    """The library templates (no role), by title."""
    statement = select(LoopTemplate).where(LoopTemplate.role_id.is_(None))
    return list(session.scalars(statement.order_by(LoopTemplate.title, LoopTemplate.id)))


def role_loop(session: Session, role: JobRole) -> LoopTemplate | None:
    """The role's own loop, or None while it has none."""
    return session.scalars(select(LoopTemplate).where(LoopTemplate.role_id == role.id)).one_or_none()


def suggested_template(templates: Iterable[LoopTemplate], role: JobRole) -> LoopTemplate | None:
    """The library template of the role's JD family (``JobRole.template_key``), if there is one."""
    if not role.template_key:
        return None
    matches = [t for t in templates if t.role_id is None and t.family == role.template_key]
    matches.sort(key=lambda t: (t.slug != f"{role.template_key}-loop", t.slug))
    return matches[0] if matches else None


def questions_by_id(session: Session, ids: Iterable[int]) -> dict[int, Question]:
    """The bank questions with these ids (missing ones are left out)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(wanted)))}


def list_bank_questions(session: Session) -> list[Question]:
    """Every question of the bank, by category and key (the choices of a round's questions)."""
    return list(session.scalars(select(Question).order_by(Question.category, Question.key)))


# ---------------------------------------------------------------- the shipped library


def resolve_question_keys(
    session: Session, keys: Iterable[str], *, actor_id: int | None
) -> tuple[dict[str, int], bool]:
    """Map question keys to bank ids, loading the rubric packs first when some are missing.

    Returns the mapping and whether the packs were loaded.
    """
    wanted = set(keys)

    def lookup() -> dict[str, int]:
        statement = select(Question.key, Question.id).where(Question.key.in_(wanted))
        return {key: question_id for key, question_id in session.execute(statement)}

    found = lookup() if wanted else {}
    loaded = False
    if set(found) != wanted:
        load_packs(session, actor_id=actor_id)
        loaded = True
        found = lookup()
    missing = sorted(wanted - set(found))
    if missing:
        raise DomainError(
            f"The question bank has no questions {', '.join(missing)}, even after loading the rubric "
            "packs. Nothing was synced."
        )
    return found, loaded


def template_data(template: LoopTemplate) -> dict[str, Any]:
    """A loop template as plain data, for audit records and change detection."""
    return {
        "slug": template.slug,
        "title": template.title,
        "family": template.family,
        "description": template.description,
        "status": template.status.value,
        "competencies": copy.deepcopy(template.competencies),
        "rounds": [
            {
                "kind": r.kind.value,
                "title": r.title,
                "duration_minutes": r.duration_minutes,
                "competencies": list(r.competencies),
                "question_ids": list(r.question_ids),
                "interviewer_ids": sorted(u.id for u in r.interviewers),
                "notes": r.notes,
            }
            for r in template.rounds
        ],
    }


def _set(row: Any, **values: Any) -> None:
    """Assign only the values that differ, so that an unchanged row is never written."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _apply_spec(template: LoopTemplate, spec: TemplateSpec, ids: dict[str, int]) -> None:
    """Make a library template match its file; rounds are updated in place to keep their ids."""
    _set(
        template,
        title=spec.title,
        family=spec.family,
        description=spec.description,
        competencies=spec.competencies_data(),
        status=TemplateStatus.PUBLISHED,
    )
    for position, round_spec in enumerate(spec.rounds):
        if position < len(template.rounds):
            loop_round = template.rounds[position]
        else:
            loop_round = LoopRound(position=position)
            template.rounds.append(loop_round)
        _set(
            loop_round,
            position=position,
            kind=round_spec.kind,
            title=round_spec.title,
            duration_minutes=round_spec.duration_minutes,
            competencies=list(round_spec.competencies),
            question_ids=[ids[key] for key in round_spec.questions],
        )
    del template.rounds[len(spec.rounds) :]


def sync_library_templates(
    session: Session, *, actor_id: int | None, specs: Sequence[TemplateSpec] | None = None
) -> SyncReport:
    """Create or update the library templates from the shipped files (idempotent)."""
    if specs is None:
        try:
            specs = load_all_templates()
        except ContentError as error:
            raise DomainError(
                f"The shipped loop templates are broken: {error}. Nothing was synced."
            ) from None
    ids, loaded = resolve_question_keys(
        session, {key for spec in specs for r in spec.rounds for key in r.questions}, actor_id=actor_id
    )
    created, updated, unchanged = [], [], []
    for spec in specs:
        template = session.scalars(
            select(LoopTemplate).where(LoopTemplate.slug == spec.slug)
        ).one_or_none()
        if template is not None and template.role_id is not None:
            raise ConflictError(f"The slug {spec.slug!r} belongs to a role's loop. Nothing was synced.")
        if template is None:
            template = LoopTemplate(slug=spec.slug, created_by_id=actor_id)
            _apply_spec(template, spec, ids)
            template.published_at, template.published_by_id = utcnow(), actor_id
            session.add(template)
            session.flush()
            created.append(spec.slug)
            action, before = "loop_template.created", None
        else:
            before = template_data(template)
            _apply_spec(template, spec, ids)
            session.flush()
            if template_data(template) == before:
                unchanged.append(spec.slug)
                continue
            updated.append(spec.slug)
            action = "loop_template.updated"
        record_audit(
            session,
            actor_id=actor_id,
            action=action,
            object_type="loop_template",
            object_id=template.id,
            summary=f"Library loop template {spec.slug} {'added' if before is None else 'updated'} "
            "from the shipped file",
            before=before,
            after=template_data(template),
        )
    return SyncReport(tuple(created), tuple(updated), tuple(unchanged), loaded)


# ---------------------------------------------------------------- a role's loop


def create_role_loop(
    session: Session, role: JobRole, template: LoopTemplate, *, actor_id: int | None
) -> LoopTemplate:
    """Copy a library template as the role's own loop, a draft to edit and publish."""
    if template.role_id is not None:
        raise DomainError("Start a role's loop from a library template, not from another role's loop.")
    if role_loop(session, role) is not None:
        raise ConflictError(f"{role.title} already has an interview loop: edit it instead.")
    loop = LoopTemplate(
        slug=f"role-{role.id}",
        title=f"{role.title}: {template.title}",
        description=template.description,
        family=template.family,
        role_id=role.id,
        status=TemplateStatus.DRAFT,
        competencies=copy.deepcopy(template.competencies),
        blind_mode=template.blind_mode,
        tie_break=template.tie_break,
        offer_approver_role=template.offer_approver_role,
        created_by_id=actor_id,
        rounds=[
            LoopRound(
                position=position,
                kind=r.kind,
                title=r.title,
                duration_minutes=r.duration_minutes,
                competencies=list(r.competencies),
                question_ids=list(r.question_ids),
                notes=r.notes,
            )
            for position, r in enumerate(template.rounds)
        ],
    )
    try:
        with session.begin_nested():
            session.add(loop)
    except IntegrityError:
        raise ConflictError(f"{role.title} already has an interview loop: edit it instead.") from None
    record_audit(
        session,
        actor_id=actor_id,
        action="loop.created",
        object_type="loop_template",
        object_id=loop.id,
        summary=f"{role.title}: interview loop started from the library template {template.slug}",
        after={"role_id": role.id, "from_template": template.slug, **template_data(loop)},
    )
    return loop


def publish_loop(session: Session, template: LoopTemplate, *, actor_id: int | None) -> CoverageReport:
    """Publish a loop whose coverage has no errors (warnings are recorded but do not block)."""
    report = coverage_report(template)
    if report.errors:
        numbered = " ".join(f"{n}) {error}" for n, error in enumerate(report.errors, 1))
        raise DomainError(
            f"The loop cannot be published until its coverage errors are fixed: {numbered}"
        )
    if template.status == TemplateStatus.PUBLISHED:
        raise ConflictError("The loop is already published; edits to it apply at once.")
    template.status = TemplateStatus.PUBLISHED
    template.published_at, template.published_by_id = utcnow(), actor_id
    record_audit(
        session,
        actor_id=actor_id,
        action="loop.published",
        object_type="loop_template",
        object_id=template.id,
        summary=f"Published the loop {template.title}"
        + (f" with {len(report.warnings)} coverage warnings" if report.warnings else ""),
        after={"status": template.status.value, "warnings": list(report.warnings)},
    )
    return report
