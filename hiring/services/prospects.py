"""Passive-candidate CRM: prospects, talent pools, touchpoints, re-engagement and conversion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.audit import record_audit
from core.db import Page, get_or_raise, paginate
from core.errors import ConflictError, DomainError
from hiring.models import Application, Candidate, JobRole, TalentPool, Touchpoint, TouchpointKind
from hiring.models import pool_members as members
from hiring.services.pipeline import add_application, entry_stage, like_pattern

DUE_WITHIN_DAYS = 14
MAX_POOL_NAME = 120
MAX_SUMMARY = 5000
MAX_YEARS_AHEAD = 5


# ---------------------------------------------------------------- reading


def get_pool(session: Session, pool_id: int) -> TalentPool:
    """Load a talent pool or raise NotFoundError."""
    return get_or_raise(session, TalentPool, pool_id, "No such talent pool.")


def get_touchpoint(session: Session, touchpoint_id: int) -> Touchpoint:
    """Load a touchpoint or raise NotFoundError."""
    return get_or_raise(session, Touchpoint, touchpoint_id, "No such touchpoint.")


def list_pools(session: Session) -> list[tuple[TalentPool, int]]:
    """Every pool with its member count, by name."""
    rows = session.execute(
        select(TalentPool, func.count(members.c.candidate_id))
        .outerjoin(members, members.c.pool_id == TalentPool.id)
        .group_by(TalentPool.id)
        .order_by(TalentPool.name)
    )
    return [(pool, total) for pool, total in rows]


def list_pool_members(session: Session, pool: TalentPool, *, page: int, per_page: int) -> Page:
    """One page of a pool's members (Candidate rows), by name."""
    statement = (
        select(Candidate)
        .join(members, members.c.candidate_id == Candidate.id)
        .where(members.c.pool_id == pool.id)
        .order_by(Candidate.name, Candidate.id)
    )
    return paginate(session, statement, page, per_page)


def candidates_outside_pool(session: Session, pool: TalentPool, query: str = "") -> list[Candidate]:
    """Up to 50 candidates (prospects or not, not merged away) outside ``pool``, by name."""
    in_pool = select(members.c.candidate_id).where(members.c.pool_id == pool.id)
    statement = select(Candidate).where(Candidate.merged_into_id.is_(None), Candidate.id.not_in(in_pool))
    if query.strip():
        statement = statement.where(Candidate.name.ilike(like_pattern(query.strip()), escape="!"))
    return list(session.scalars(statement.order_by(Candidate.name, Candidate.id).limit(50)))


def list_prospect_tags(session: Session) -> list[str]:
    """The tags used on prospects, sorted case-insensitively."""
    tags: set[str] = set()
    for row in session.scalars(select(Candidate.tags).where(_live_prospect())):
        tags.update(str(tag) for tag in row or [])
    return sorted(tags, key=str.lower)


def list_prospects(
    session: Session,
    *,
    page: int,
    per_page: int,
    pool_id: int | None = None,
    tag: str | None = None,
    query: str = "",
    due_within_days: int | None = None,
    today: date | None = None,
) -> Page:
    """One page of prospects (Candidate rows) filtered by pool, tag, name and due for re-engagement
    (then in the order of the due list), else by name."""
    statement = select(Candidate).where(_live_prospect()).options(selectinload(Candidate.pools))
    if pool_id:
        in_pool = select(members.c.candidate_id).where(members.c.pool_id == pool_id)
        statement = statement.where(Candidate.id.in_(in_pool))
    if tag and tag.strip():
        # Tags are a JSON list: match the quoted element in its stored text (SQLite and PostgreSQL).
        pattern = like_pattern(json.dumps(tag.strip()).lower())
        statement = statement.where(func.lower(cast(Candidate.tags, String)).like(pattern, escape="!"))
    if query.strip():
        statement = statement.where(Candidate.name.ilike(like_pattern(query.strip()), escape="!"))
    if due_within_days is None:
        return paginate(session, statement.order_by(Candidate.name, Candidate.id), page, per_page)
    return paginate(session, _due(statement, today or date.today(), due_within_days), page, per_page)


@dataclass(frozen=True)
class DueProspect:
    candidate: Candidate
    due_on: date
    overdue_days: int  # > 0 once the date has passed
    reason: str  # "re-engagement date" or "not looking until"

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def list_due_for_reengagement(
    session: Session, *, within_days: int = DUE_WITHIN_DAYS, today: date | None = None
) -> list[DueProspect]:
    """Prospects to contact, earliest date first (so overdue first): those whose next re-engagement
    date is at most ``within_days`` days ahead or past, and those without one whose "not looking
    until" date has come (today or earlier)."""
    today = today or date.today()
    statement = _due(select(Candidate).where(_live_prospect()), today, within_days)
    return [describe_due(candidate, today) for candidate in session.scalars(statement)]


def describe_due(candidate: Candidate, today: date | None = None) -> DueProspect | None:
    """The date that makes a prospect due, and by how many days it has passed (None: no date)."""
    due_on, reason = candidate.next_reengage_on, "re-engagement date"
    if due_on is None:
        due_on, reason = candidate.not_looking_until, "not looking until"
    if due_on is None:
        return None
    return DueProspect(candidate, due_on, ((today or date.today()) - due_on).days, reason)


def _live_prospect() -> Any:
    return and_(Candidate.is_prospect.is_(True), Candidate.merged_into_id.is_(None))


def _due(statement: Select, today: date, within_days: int) -> Select:
    if within_days < 0:
        raise DomainError("Look ahead zero days or more.")
    horizon = today + timedelta(days=within_days)
    due = or_(
        Candidate.next_reengage_on <= horizon,
        and_(Candidate.next_reengage_on.is_(None), Candidate.not_looking_until <= today),
    )
    when = func.coalesce(Candidate.next_reengage_on, Candidate.not_looking_until)
    return statement.where(due).order_by(when, Candidate.name, Candidate.id)


def _audit(
    session: Session, actor_id: int | None, action: str, subject: Any, summary: str, **changes: Any
) -> None:
    kind = "candidate" if isinstance(subject, Candidate) else "talent_pool"
    record_audit(
        session,
        actor_id=actor_id,
        action=action,
        object_type=kind,
        object_id=subject.id,
        summary=summary,
        before=changes.get("before"),
        after=changes.get("after"),
    )


# ---------------------------------------------------------------- pools


def create_pool(
    session: Session, *, name: str, description: str = "", actor_id: int | None
) -> TalentPool:
    """Create a talent pool; its name must be unique."""
    pool = TalentPool(description=(description or "").strip())
    _save_unique_name(session, pool, _pool_name(name))
    _audit(
        session, actor_id, "pool.created", pool, f"Pool {pool.name} created", after={"name": pool.name}
    )
    return pool


def rename_pool(session: Session, pool: TalentPool, *, name: str, actor_id: int | None) -> None:
    """Rename a talent pool; the new name must be unique."""
    before, new_name = pool.name, _pool_name(name)
    if new_name == before:
        return
    _save_unique_name(session, pool, new_name)
    summary = f"Pool {before} renamed to {pool.name}"
    _audit(
        session,
        actor_id,
        "pool.renamed",
        pool,
        summary,
        before={"name": before},
        after={"name": new_name},
    )


def delete_pool(session: Session, pool: TalentPool, *, actor_id: int | None) -> None:
    """Delete a talent pool; its members stay candidates, only their membership goes."""
    kept = [member.id for member in pool.members]
    summary = f"Pool {pool.name} deleted ({len(kept)} members kept)"
    _audit(
        session, actor_id, "pool.deleted", pool, summary, before={"name": pool.name, "member_ids": kept}
    )
    session.delete(pool)
    session.flush()


def add_to_pool(
    session: Session, pool: TalentPool, candidate: Candidate, *, actor_id: int | None
) -> None:
    """Add a candidate to a pool, which marks them as a prospect if they were not one."""
    _ensure_live(candidate)
    if candidate in pool.members:
        raise ConflictError(f"{candidate.name} is already in the pool {pool.name}.")
    was_prospect = candidate.is_prospect
    pool.members.append(candidate)
    candidate.is_prospect = True
    session.flush()
    summary = f"{candidate.name} added to pool {pool.name}" + (
        "" if was_prospect else " and marked as a prospect"
    )
    before, after = {"is_prospect": was_prospect}, {"pool": pool.name, "is_prospect": True}
    _audit(session, actor_id, "pool.member_added", candidate, summary, before=before, after=after)


def remove_from_pool(
    session: Session, pool: TalentPool, candidate: Candidate, *, actor_id: int | None
) -> None:
    """Take a candidate out of a pool (they stay a prospect)."""
    if candidate not in pool.members:
        raise DomainError(f"{candidate.name} is not in the pool {pool.name}.")
    pool.members.remove(candidate)
    session.flush()
    summary = f"{candidate.name} removed from pool {pool.name}"
    _audit(session, actor_id, "pool.member_removed", candidate, summary, before={"pool": pool.name})


def _pool_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the pool a name.")
    if len(name) > MAX_POOL_NAME:
        raise DomainError(f"Keep the pool's name under {MAX_POOL_NAME} characters.")
    return name


def _save_unique_name(session: Session, pool: TalentPool, name: str) -> None:
    # Change and flush inside the savepoint (beginning one flushes what is pending): a refused name
    # rolls back only this, leaving a new pool out of the session and an old one with its old name.
    try:
        with session.begin_nested():
            pool.name = name
            session.add(pool)
            session.flush()
    except IntegrityError:
        raise ConflictError(f"A pool named {name} already exists. Pick another name.") from None


def _ensure_live(candidate: Candidate) -> None:
    if candidate.merged_into_id is not None:
        raise DomainError(f"{candidate.name} was merged into another candidate; use that one instead.")


# ---------------------------------------------------------------- touchpoints and dates


def log_touchpoint(
    session: Session,
    candidate: Candidate,
    *,
    kind: TouchpointKind,
    happened_on: date,
    summary: str,
    actor_id: int | None,
    next_reengage_on: date | None = None,
    today: date | None = None,
) -> Touchpoint:
    """Record a touchpoint; set the next re-engagement date, or clear a due one it fulfils."""
    today = today or date.today()
    _ensure_live(candidate)
    summary = (summary or "").strip()
    if not summary:
        raise DomainError("Write a short summary of the touchpoint.")
    if len(summary) > MAX_SUMMARY:
        raise DomainError(f"Keep the summary under {MAX_SUMMARY} characters.")
    if happened_on > today:
        raise DomainError("A touchpoint cannot be in the future: log it once it has happened.")
    if happened_on.year < 1970:
        raise DomainError("That date is too far in the past.")
    if next_reengage_on is not None:
        _check_next_date(next_reengage_on, today)  # before anything changes
    touchpoint = Touchpoint(
        candidate_id=candidate.id,
        kind=kind,
        happened_on=happened_on,
        summary=summary,
        author_id=actor_id,
    )
    session.add(touchpoint)
    session.flush()
    session.expire(candidate, ["touchpoints"])
    when = happened_on.isoformat()
    after = {"touchpoint_id": touchpoint.id, "kind": kind.value, "happened_on": when}
    text = f"{kind.value.capitalize()} with {candidate.name} on {when}"
    _audit(session, actor_id, "touchpoint.logged", candidate, text, after=after)
    if next_reengage_on is not None:
        set_reengagement(
            session,
            candidate,
            not_looking_until=candidate.not_looking_until,
            next_reengage_on=next_reengage_on,
            actor_id=actor_id,
            today=today,
        )
    elif candidate.next_reengage_on is not None and candidate.next_reengage_on <= happened_on:
        # The contact that was due has happened: it is no longer due until a new date is set.
        before = {"next_reengage_on": candidate.next_reengage_on.isoformat()}
        candidate.next_reengage_on = None
        _audit(
            session,
            actor_id,
            "prospect.dates_changed",
            candidate,
            f"Re-engagement of {candidate.name} done",
            before=before,
            after={"next_reengage_on": None},
        )
    return touchpoint


def delete_touchpoint(session: Session, touchpoint: Touchpoint, *, actor_id: int | None) -> None:
    """Delete a touchpoint (the page asks for confirmation first)."""
    candidate, when = touchpoint.candidate, touchpoint.happened_on.isoformat()
    before = {"kind": touchpoint.kind.value, "happened_on": when, "summary": touchpoint.summary[:200]}
    text = f"{touchpoint.kind.value.capitalize()} with {candidate.name} on {when} deleted"
    _audit(session, actor_id, "touchpoint.deleted", candidate, text, before=before)
    session.delete(touchpoint)
    session.flush()
    session.expire(candidate, ["touchpoints"])


def set_reengagement(
    session: Session,
    candidate: Candidate,
    *,
    not_looking_until: date | None,
    next_reengage_on: date | None,
    actor_id: int | None,
    today: date | None = None,
) -> None:
    """Set (or clear, with None) "not looking until" and the next re-engagement date.

    A newly set re-engagement date may not be in the past; neither date more than 5 years ahead.
    """
    today = today or date.today()
    _ensure_live(candidate)
    if next_reengage_on is not None and next_reengage_on != candidate.next_reengage_on:
        _check_next_date(next_reengage_on, today)
    if not_looking_until is not None and not_looking_until > _years_ahead(today):
        raise DomainError(f"Set “not looking until” at most {MAX_YEARS_AHEAD} years ahead.")
    before = _dates(candidate)
    candidate.not_looking_until, candidate.next_reengage_on = not_looking_until, next_reengage_on
    after = _dates(candidate)
    if before != after:
        text = (
            f"{candidate.name}: not looking until {after['not_looking_until'] or '—'}, "
            f"next re-engagement {after['next_reengage_on'] or '—'}"
        )
        _audit(session, actor_id, "prospect.dates_changed", candidate, text, before=before, after=after)


def _check_next_date(next_reengage_on: date, today: date) -> None:
    if next_reengage_on < today:
        raise DomainError("The next re-engagement date cannot be in the past.")
    if next_reengage_on > _years_ahead(today):
        raise DomainError(f"Set the next re-engagement date at most {MAX_YEARS_AHEAD} years ahead.")


def _years_ahead(today: date) -> date:
    return today + timedelta(days=round(365.25 * MAX_YEARS_AHEAD))


def _dates(candidate: Candidate) -> dict[str, str | None]:
    values = {
        "not_looking_until": candidate.not_looking_until,
        "next_reengage_on": candidate.next_reengage_on,
    }
    return {key: value.isoformat() if value else None for key, value in values.items()}


# ---------------------------------------------------------------- conversion


def convert_prospect(
    session: Session, candidate: Candidate, role: JobRole, *, actor_id: int | None
) -> Application:
    """Turn a prospect into an applicant of ``role`` in one step, at "Contacted" if the role has it."""
    if not candidate.is_prospect:
        raise DomainError(f"{candidate.name} is not a prospect; add them from the role's board instead.")
    stage = entry_stage(role, preferred="Contacted")
    application = add_application(
        session, candidate=candidate, role=role, stage=stage, actor_id=actor_id
    )
    candidate.is_prospect = False
    text = f"{candidate.name} converted from prospect to applicant for {role.title} at {stage.name}"
    after = {"is_prospect": False, "application_id": application.id, "role_id": role.id}
    _audit(
        session,
        actor_id,
        "prospect.converted",
        candidate,
        text,
        before={"is_prospect": True},
        after=after,
    )
    return application
