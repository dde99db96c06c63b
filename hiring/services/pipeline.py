"""Pipelines: applications (candidate × role × stage), their moves between stages and the board."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.audit import record_audit
from core.db import get_or_raise, utcnow
from core.errors import ConflictError, DomainError
from hiring.models import (
    Application,
    Candidate,
    JobRole,
    RoleStage,
    RoleStatus,
    StageChange,
    StageKind,
)

MAX_REASON_LENGTH = 300
ACCEPTING_STATUSES = frozenset({RoleStatus.OPEN, RoleStatus.ON_HOLD})
CANDIDATE_CHOICES_LIMIT = 50
BOARD_PAGE_SIZE = 25  # cards per stage and page of a board


# ---------------------------------------------------------------- reading


def get_application(session: Session, application_id: int) -> Application:
    """Load an application or raise NotFoundError."""
    return get_or_raise(session, Application, application_id, "No such application.")


def get_stage(session: Session, stage_id: int) -> RoleStage:
    """Load a stage or raise NotFoundError."""
    return get_or_raise(session, RoleStage, stage_id, "No such stage.")


def get_applications(session: Session, ids: Iterable[int], *, role: JobRole) -> list[Application]:
    """Load applications of ``role`` by id, in the order given; others raise a DomainError."""
    wanted = list(dict.fromkeys(ids))
    statement = select(Application).where(Application.id.in_(wanted), Application.role_id == role.id)
    found = {application.id: application for application in session.scalars(statement)}
    if len(found) != len(wanted):
        raise DomainError(
            f"Some of the ticked candidates are no longer in {role.title}. Reload the board."
        )
    return [found[i] for i in wanted]


def entry_stage(role: JobRole, preferred: str | None = "Applied") -> RoleStage:
    """The ACTIVE stage named ``preferred`` if the role has one, else its first ACTIVE stage."""
    active = [stage for stage in role.stages if stage.kind is StageKind.ACTIVE]
    if not active:
        raise DomainError(f"The role {role.title} has no active stages to add candidates to.")
    return next((stage for stage in active if stage.name == preferred), active[0])


def days_in_stage(application: Application, now: datetime | None = None) -> int:
    """Whole days since the application entered its current stage."""
    entered = application.stage_entered_at
    if entered.tzinfo is None:  # SQLite hands back naive UTC datetimes
        entered = entered.replace(tzinfo=UTC)
    return max(0, ((now or utcnow()) - entered).days)


@dataclass
class BoardColumn:
    stage: RoleStage
    applications: list[Application] = field(default_factory=list)  # the cards of this page
    count: int = 0  # every application at this stage
    first: int = 1  # the position in the stage of the first card shown (1-based)


@dataclass
class Board:
    role: JobRole
    columns: list[BoardColumn]  # the ACTIVE stages in order, then the HIRED stage(s)
    closed: list[BoardColumn]  # REJECTED and WITHDRAWN stages, shown apart
    page: int = 1
    per_page: int = BOARD_PAGE_SIZE

    @property
    def total(self) -> int:
        return sum(c.count for c in [*self.columns, *self.closed])

    @property
    def pages(self) -> int:
        """Enough pages for the fullest stage."""
        fullest = max((c.count for c in [*self.columns, *self.closed]), default=0)
        return max(1, math.ceil(fullest / self.per_page))


def board_page_of(session: Session, application: Application, per_page: int = BOARD_PAGE_SIZE) -> int:
    """The board page that shows ``application``: its place in its stage, in board order."""
    ahead = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(
            Application.role_id == application.role_id,
            Application.stage_id == application.stage_id,
            (Application.stage_entered_at < application.stage_entered_at)
            | (
                (Application.stage_entered_at == application.stage_entered_at)
                & (Application.id < application.id)
            ),
        )
    )
    return (ahead or 0) // per_page + 1


def build_board(
    session: Session, role: JobRole, *, page: int = 1, per_page: int = BOARD_PAGE_SIZE
) -> Board:
    """Group the role's applications by stage, oldest arrival in a stage first, ``per_page`` cards
    per stage and page (a large requisition has thousands); every column keeps its full count."""
    counts = dict(
        session.execute(
            select(Application.stage_id, func.count())
            .where(Application.role_id == role.id)
            .group_by(Application.stage_id)
        ).all()
    )
    pages = max(1, math.ceil(max(counts.values(), default=0) / per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    # Number each stage's applications in board order, then load only this page's slice of each.
    ranked = (
        select(
            Application.id,
            func.row_number()
            .over(
                partition_by=Application.stage_id,
                order_by=(Application.stage_entered_at, Application.id),
            )
            .label("position"),
        )
        .where(Application.role_id == role.id)
        .subquery()
    )
    applications = session.scalars(
        select(Application)
        .join(ranked, ranked.c.id == Application.id)
        .where(
            Application.role_id == role.id,  # lets the planner use the role's index here too
            ranked.c.position > start,
            ranked.c.position <= start + per_page,
        )
        .options(
            # A card shows the candidate's name and source only: skip the profile's JSON fields.
            selectinload(Application.candidate).load_only(Candidate.id, Candidate.name, Candidate.source)
        )
        .order_by(Application.stage_entered_at, Application.id)
    ).all()
    by_stage = {
        stage.id: BoardColumn(stage, count=counts.get(stage.id, 0), first=start + 1)
        for stage in role.stages
    }
    for application in applications:
        by_stage[application.stage_id].applications.append(application)
    ordered = sorted(role.stages, key=lambda s: s.position)
    open_kinds = (StageKind.ACTIVE, StageKind.HIRED)
    return Board(
        role=role,
        columns=[by_stage[s.id] for s in ordered if s.kind in open_kinds],
        closed=[by_stage[s.id] for s in ordered if s.kind not in open_kinds],
        page=page,
        per_page=per_page,
    )


def candidates_to_add(session: Session, role: JobRole, query: str = "") -> list[Candidate]:
    """Candidates not yet in the role's pipeline (not merged away), matching ``query`` by name."""
    in_role = select(Application.candidate_id).where(Application.role_id == role.id)
    statement = (
        select(Candidate)
        .where(Candidate.merged_into_id.is_(None), Candidate.id.not_in(in_role))
        .order_by(Candidate.name, Candidate.id)
        .limit(CANDIDATE_CHOICES_LIMIT)
    )
    if query.strip():
        statement = statement.where(Candidate.name.ilike(like_pattern(query.strip()), escape="!"))
    return list(session.scalars(statement))


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape character "!") matching ``text`` anywhere."""
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def list_open_roles(session: Session) -> list[JobRole]:
    """Roles that take new candidates (open or on hold), by title."""
    statement = select(JobRole).where(JobRole.status.in_(ACCEPTING_STATUSES))
    return list(session.scalars(statement.order_by(JobRole.title, JobRole.id)))


# ---------------------------------------------------------------- changing


def add_application(
    session: Session,
    *,
    candidate: Candidate,
    role: JobRole,
    stage: RoleStage | None = None,
    actor_id: int | None,
) -> Application:
    """Put a candidate into a role's pipeline (default stage: "Applied", else the first active one).

    Refuses a role that is not open or on hold, a stage of another role or a terminal stage, a
    merged-away candidate, and a second application of the same candidate to the same role.
    """
    if role.status not in ACCEPTING_STATUSES:
        raise DomainError(
            f"The role {role.title} is {role.status.label.lower()}: only open or on-hold roles "
            "take new candidates."
        )
    if candidate.merged_into_id is not None:
        raise DomainError(f"{candidate.name} was merged into another candidate; add that one instead.")
    if stage is None:
        stage = entry_stage(role)
    elif stage.role_id != role.id:
        raise DomainError(f"The stage {stage.name} belongs to another role.")
    elif stage.kind is not StageKind.ACTIVE:
        raise DomainError(f"Add candidates at an active stage, then move them to {stage.name}.")
    now = utcnow()
    # Ids rather than relationships: a refused insert must leave no half-linked object behind.
    application = Application(
        candidate_id=candidate.id,
        role_id=role.id,
        stage_id=stage.id,
        created_at=now,
        stage_entered_at=now,
    )
    application.history.append(StageChange(to_stage_id=stage.id, actor_id=actor_id, created_at=now))
    try:
        with session.begin_nested():
            session.add(application)  # inside the savepoint: a refused insert leaves the session
            session.flush()
    except IntegrityError:
        existing = session.scalar(
            select(Application).where(
                Application.candidate_id == candidate.id, Application.role_id == role.id
            )
        )
        where = f" (at {existing.stage.name})" if existing is not None else ""
        raise ConflictError(
            f"{candidate.name} is already in the pipeline for {role.title}{where}."
        ) from None
    session.expire(role, ["applications"])
    session.expire(candidate, ["applications"])
    record_audit(
        session,
        actor_id=actor_id,
        action="application.created",
        object_type="application",
        object_id=application.id,
        summary=f"{candidate.name} added to {role.title} at {stage.name}",
        after={"candidate_id": candidate.id, "role_id": role.id, "stage": stage.name},
    )
    return application


def move_application(
    session: Session,
    application: Application,
    to_stage: RoleStage,
    *,
    actor_id: int | None,
    reason: str = "",
) -> StageChange:
    """Move an application to another stage of its role; a move to a rejected stage needs a reason."""
    reason = _check_move(application, to_stage, reason)
    return _apply_move(session, application, to_stage, actor_id=actor_id, reason=reason)


def bulk_move(
    session: Session,
    applications: Sequence[Application],
    to_stage: RoleStage,
    *,
    actor_id: int | None,
    reason: str = "",
) -> list[StageChange]:
    """Move several applications to one stage: every one is checked first, then all move or none."""
    applications = _distinct(applications)
    problems: list[str] = []
    for application in applications:
        try:
            _check_move(application, to_stage, reason)
        except DomainError as error:
            problems.append(f"{application.candidate.name}: {error.message}")
    if problems:
        raise DomainError("Nothing was moved. " + " ".join(problems))
    reason = reason.strip()
    return [_apply_move(session, a, to_stage, actor_id=actor_id, reason=reason) for a in applications]


def bulk_reject(
    session: Session,
    applications: Sequence[Application],
    *,
    actor_id: int | None,
    reason: str,
) -> list[StageChange]:
    """Reject several applications (each to its role's rejected stage) with one reason, all or none."""
    applications = _distinct(applications)
    problems: list[str] = []
    targets: list[tuple[Application, RoleStage, str]] = []
    for application in applications:
        try:
            stage = _rejected_stage(application.role)
            targets.append((application, stage, _check_move(application, stage, reason)))
        except DomainError as error:
            problems.append(f"{application.candidate.name}: {error.message}")
    if problems:
        raise DomainError("Nothing was rejected. " + " ".join(problems))
    return [
        _apply_move(session, application, stage, actor_id=actor_id, reason=checked)
        for application, stage, checked in targets
    ]


# ---------------------------------------------------------------- rules


def _distinct(applications: Sequence[Application]) -> list[Application]:
    unique = list({id(a): a for a in applications}.values())
    if not unique:
        raise DomainError("Select at least one candidate first.")
    return unique


def _rejected_stage(role: JobRole) -> RoleStage:
    stage = next((s for s in role.stages if s.kind is StageKind.REJECTED), None)
    if stage is None:
        raise DomainError(f"The role {role.title} has no rejected stage.")
    return stage


def _check_move(application: Application, to_stage: RoleStage, reason: str) -> str:
    """Return the cleaned reason, or raise if the move breaks a rule (nothing is changed here)."""
    reason = (reason or "").strip()
    if to_stage.role_id != application.role_id:
        raise DomainError(
            f"The stage {to_stage.name} belongs to another role than {application.role.title}."
        )
    if to_stage.id == application.stage_id:
        raise DomainError(f"Already at {to_stage.name}.")
    if to_stage.kind is StageKind.REJECTED and not reason:
        raise DomainError("Give a reason for the rejection.")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    return reason


def _apply_move(
    session: Session,
    application: Application,
    to_stage: RoleStage,
    *,
    actor_id: int | None,
    reason: str,
) -> StageChange:
    from_stage = application.stage
    now = utcnow()
    change = StageChange(
        from_stage_id=from_stage.id,
        to_stage_id=to_stage.id,
        actor_id=actor_id,
        reason=reason,
        created_at=now,
    )
    application.history.append(change)
    application.stage = to_stage
    application.stage_entered_at = now
    application.rejection_reason = reason if to_stage.kind is StageKind.REJECTED else ""
    if to_stage.kind is StageKind.REJECTED:
        action = "application.rejected"
    elif from_stage.kind.terminal:
        action = "application.reopened"
    else:
        action = "application.moved"
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action=action,
        object_type="application",
        object_id=application.id,
        summary=(
            f"{application.candidate.name} ({application.role.title}): "
            f"{from_stage.name} → {to_stage.name}" + (f" — {reason}" if reason else "")
        ),
        before={"stage": from_stage.name},
        after={"stage": to_stage.name, **({"reason": reason} if reason else {})},
    )
    return change
