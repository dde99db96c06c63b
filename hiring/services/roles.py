"""Roles (requisitions): creation, edits, status moves, the interview panel and per-role stages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.auth import Role, User, UserRole
from core.db import Page, get_or_raise, paginate, utcnow
from core.errors import ConflictError, DomainError, NotFoundError
from hiring.models import (
    Application,
    JobRole,
    RoleStage,
    RoleStatus,
    StageChange,
    StageKind,
    role_interviewers,
)
from hiring.services.jd_templates import (
    JD_FIELD_LABELS,
    JD_FIELDS,
    JD_LIST_FIELDS,
    clean_jd,
    get_template,
)
from hiring.services.stages import build_default_stages

# The moves a role's status may make; filled and closed are final.
TRANSITIONS: dict[RoleStatus, tuple[RoleStatus, ...]] = {
    RoleStatus.DRAFT: (RoleStatus.OPEN, RoleStatus.CLOSED),
    RoleStatus.OPEN: (RoleStatus.ON_HOLD, RoleStatus.FILLED, RoleStatus.CLOSED),
    RoleStatus.ON_HOLD: (RoleStatus.OPEN, RoleStatus.FILLED, RoleStatus.CLOSED),
    RoleStatus.FILLED: (),
    RoleStatus.CLOSED: (),
}
MAX_HEADCOUNT = 1000
MAX_STAGE_NAME = 80
ROLE_FIELDS = (
    "title",
    "team",
    "location",
    "headcount",
    "hiring_manager_id",
    "recruiter_id",
    "target_start",
    "loop_name",
    "template_key",
    "anonymised_review",
    *JD_FIELDS,
)


# ---------------------------------------------------------------- reading


def get_role(session: Session, role_id: int) -> JobRole:
    return get_or_raise(session, JobRole, role_id, "No such role.")


def get_open_role(session: Session, role_id: int) -> JobRole:
    """A role that is open to applicants; any other role is not found (the careers page)."""
    role = session.get(JobRole, role_id)
    if role is None or role.status != RoleStatus.OPEN:
        raise NotFoundError("This role is not open, or does not exist.")
    return role


def list_roles(
    session: Session, *, page: int, per_page: int, status: RoleStatus | None = None
) -> Page[JobRole]:
    """Roles, newest first, optionally only those with ``status``."""
    statement = select(JobRole).order_by(JobRole.created_at.desc(), JobRole.id.desc())
    if status is not None:
        statement = statement.where(JobRole.status == status)
    return paginate(session, statement, page, per_page)


def users_with_role(session: Session, role: Role) -> list[User]:
    """Active users granted ``role``, by name (the choices for manager, recruiter, panel)."""
    statement = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == role, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return list(session.scalars(statement))


def jd_fields(role: JobRole) -> dict[str, Any]:
    """The role's JD as plain data, with its title (the input of hiring.services.jd_checks)."""
    return {"title": role.title, **{name: getattr(role, name) for name in JD_FIELDS}}


def next_statuses(role: JobRole) -> tuple[RoleStatus, ...]:
    return TRANSITIONS[role.status]


def stage_application_counts(session: Session, role: JobRole) -> dict[int, int]:
    """How many applications sit in each of the role's stages."""
    rows = session.execute(
        select(Application.stage_id, func.count())
        .where(Application.role_id == role.id)
        .group_by(Application.stage_id)
    )
    return {stage_id: count for stage_id, count in rows}


def roles_on_panel(session: Session, user_id: int) -> list[JobRole]:
    """Roles whose interview panel includes the user, open ones first."""
    statement = (
        select(JobRole)
        .join(role_interviewers, role_interviewers.c.role_id == JobRole.id)
        .where(role_interviewers.c.user_id == user_id)
        .order_by(JobRole.status != RoleStatus.OPEN, JobRole.title)
    )
    return list(session.scalars(statement))


def stages_in_history(session: Session, role: JobRole) -> set[int]:
    """Ids of the role's stages that some application's history passes through."""
    stage_ids = [stage.id for stage in role.stages]
    moved_from = select(StageChange.from_stage_id).where(StageChange.from_stage_id.in_(stage_ids))
    moved_to = select(StageChange.to_stage_id).where(StageChange.to_stage_id.in_(stage_ids))
    return set(session.scalars(moved_from.union(moved_to)))


# ---------------------------------------------------------------- creating and editing


def _text(value: Any, label: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(f"{label} must be text.")
    value = value.strip()
    if required and not value:
        raise DomainError(f"Give the role a {label.lower()}.")
    if len(value) > limit:
        raise DomainError(f"{label} is longer than {limit} characters.")
    return value


def _member(session: Session, user_id: int | None, role: Role, label: str) -> int | None:
    if user_id in (None, 0, ""):
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or role not in user.roles:
        raise DomainError(f"The {label} must be an active user with the {role.label.lower()} role.")
    return user.id


def _clean_role_fields(session: Session, fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(ROLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown role fields: {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = clean_jd({k: v for k, v in fields.items() if k in JD_FIELDS})
    for name, label, limit in (("title", "Title", 200), ("team", "Team", 200)):
        if name in fields:
            cleaned[name] = _text(fields[name], label, limit, required=name == "title")
    for name, label, limit in (("location", "Location", 200), ("loop_name", "Interview loop", 200)):
        if name in fields:
            cleaned[name] = _text(fields[name], label, limit)
    if "template_key" in fields:
        cleaned["template_key"] = fields["template_key"] or None
    if "headcount" in fields:
        headcount = fields["headcount"]
        if not isinstance(headcount, int) or isinstance(headcount, bool) or headcount < 1:
            raise DomainError("Headcount must be a whole number of at least 1.")
        if headcount > MAX_HEADCOUNT:
            raise DomainError(f"Headcount must be at most {MAX_HEADCOUNT}.")
        cleaned["headcount"] = headcount
    if "target_start" in fields:
        if fields["target_start"] is not None and not isinstance(fields["target_start"], date):
            raise DomainError("The target start must be a date.")
        cleaned["target_start"] = fields["target_start"]
    if "anonymised_review" in fields:
        if not isinstance(fields["anonymised_review"], bool):
            raise DomainError("Anonymised review is either on or off.")
        cleaned["anonymised_review"] = fields["anonymised_review"]
    if "hiring_manager_id" in fields:
        cleaned["hiring_manager_id"] = _member(
            session, fields["hiring_manager_id"], Role.HIRING_MANAGER, "hiring manager"
        )
    if "recruiter_id" in fields:
        cleaned["recruiter_id"] = _member(session, fields["recruiter_id"], Role.RECRUITER, "recruiter")
    return cleaned


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return list(value) if isinstance(value, list) else value


def create_role(session: Session, *, title: str, actor_id: int | None, **fields: Any) -> JobRole:
    """Create a draft role with the default stages; ``fields`` are any of ROLE_FIELDS."""
    cleaned = _clean_role_fields(session, {"title": title, **fields})
    role = JobRole(status=RoleStatus.DRAFT, stages=build_default_stages(), **cleaned)
    session.add(role)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="role.created",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}" + (f" from template {role.template_key}" if role.template_key else ""),
        after={name: _plain(value) for name, value in cleaned.items()},
    )
    return role


def create_role_from_template(
    session: Session, template_key: str, *, actor_id: int | None, **overrides: Any
) -> JobRole:
    """Create a draft role pre-filled from one of our JD templates; ``overrides`` win."""
    fields = {**get_template(template_key).role_fields(), "template_key": template_key, **overrides}
    return create_role(session, actor_id=actor_id, **fields)


def update_role(session: Session, role: JobRole, *, actor_id: int | None, **fields: Any) -> JobRole:
    """Save edits to a role; saving any JD field marks an LLM draft as reviewed."""
    cleaned = _clean_role_fields(session, fields)
    before, after = {}, {}
    for name, value in cleaned.items():
        if getattr(role, name) != value:
            before[name], after[name] = _plain(getattr(role, name)), _plain(value)
            setattr(role, name, value)
    if role.jd_is_llm_draft and any(name in JD_FIELDS for name in cleaned):
        role.jd_is_llm_draft = False
        before["jd_is_llm_draft"], after["jd_is_llm_draft"] = True, False
    if after:
        record_audit(
            session,
            actor_id=actor_id,
            action="role.updated",
            object_type="role",
            object_id=role.id,
            summary=f"{role.title}: {', '.join(after)}",
            before=before,
            after=after,
        )
    return role


def change_role_status(
    session: Session, role: JobRole, status: RoleStatus, *, actor_id: int | None
) -> JobRole:
    """Move a role along draft → open → on hold → filled/closed, refusing other moves."""
    if status not in TRANSITIONS[role.status]:
        allowed = ", ".join(s.label.lower() for s in TRANSITIONS[role.status])
        raise DomainError(
            f"A role that is {role.status.label.lower()} cannot become {status.label.lower()}; "
            + (f"it can become: {allowed}." if allowed else "that status is final.")
        )
    if status == RoleStatus.OPEN:
        if role.jd_is_llm_draft:
            raise DomainError(
                "The JD is an unreviewed LLM draft: review it and save it on the edit page before "
                "opening the role."
            )
        if not role.summary.strip() or not role.must_have:
            raise DomainError("Write the JD's summary and at least one must-have before opening.")
    before = role.status
    role.status = status
    if status == RoleStatus.OPEN and role.opened_at is None:
        role.opened_at = utcnow()
    record_audit(
        session,
        actor_id=actor_id,
        action="role.status_changed",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}: {before.label} → {status.label}",
        before={"status": before.value},
        after={"status": status.value},
    )
    return role


def set_role_interviewers(
    session: Session, role: JobRole, user_ids: list[int], *, actor_id: int | None
) -> JobRole:
    """Replace the role's interview panel with active users holding the interviewer role."""
    users = [session.get(User, int(user_id)) for user_id in dict.fromkeys(user_ids)]
    for user in users:
        if user is None or not user.active or Role.INTERVIEWER not in user.roles:
            raise DomainError("Only active users with the interviewer role can sit on a panel.")
    before = sorted(user.id for user in role.interviewers)
    after = sorted(user.id for user in users)
    if before == after:
        return role
    role.interviewers = users
    record_audit(
        session,
        actor_id=actor_id,
        action="role.panel_changed",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}: panel of {', '.join(u.name for u in users) or 'nobody'}",
        before={"interviewer_ids": before},
        after={"interviewer_ids": after},
    )
    return role


# ---------------------------------------------------------------- stages


def _stage_name(role: JobRole, name: str, *, renaming: RoleStage | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the stage a name.")
    if len(name) > MAX_STAGE_NAME:
        raise DomainError(f"Stage names are at most {MAX_STAGE_NAME} characters.")
    taken = {s.name.casefold() for s in role.stages if s is not renaming}
    if name.casefold() in taken:
        raise ConflictError(f"This role already has a stage called “{name}”.")
    return name


def _renumber(role: JobRole, active: list[RoleStage]) -> None:
    """Active stages in the given order, then the terminal ones as they were."""
    terminal = [stage for stage in role.stages if stage.kind.terminal]
    for position, stage in enumerate([*active, *terminal]):
        stage.position = position


def _active(role: JobRole) -> list[RoleStage]:
    return sorted((s for s in role.stages if not s.kind.terminal), key=lambda s: s.position)


def _save_stages(session: Session, role: JobRole, before: list[str], *, actor_id: int | None) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # A concurrent edit took the name first (the in-memory check above saw the old stages).
        raise ConflictError(
            "This role already has a stage with that name; reload and try again."
        ) from None
    session.refresh(role, ["stages"])
    after = [stage.name for stage in role.stages]
    record_audit(
        session,
        actor_id=actor_id,
        action="role.stages_changed",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}: {' → '.join(after)}",
        before={"stages": before},
        after={"stages": after},
    )


def _editable(stage: RoleStage) -> None:
    if stage.kind.terminal:
        raise DomainError(f"{stage.name} is an end stage of every pipeline; it stays as it is.")


def add_role_stage(session: Session, role: JobRole, name: str, *, actor_id: int | None) -> RoleStage:
    """Add an active stage after the role's last active stage."""
    before = [stage.name for stage in role.stages]
    stage = RoleStage(name=_stage_name(role, name), kind=StageKind.ACTIVE, position=len(role.stages))
    active = _active(role)
    role.stages.append(stage)
    _renumber(role, [*active, stage])
    _save_stages(session, role, before, actor_id=actor_id)
    return stage


def rename_role_stage(session: Session, stage: RoleStage, name: str, *, actor_id: int | None) -> None:
    """Rename one of a role's active stages."""
    _editable(stage)
    before = [s.name for s in stage.role.stages]
    stage.name = _stage_name(stage.role, name, renaming=stage)
    _save_stages(session, stage.role, before, actor_id=actor_id)


def move_role_stage(session: Session, stage: RoleStage, offset: int, *, actor_id: int | None) -> None:
    """Move an active stage one place earlier (-1) or later (+1) among the active stages."""
    _editable(stage)
    role = stage.role
    active = _active(role)
    index = active.index(stage)
    target = index + (-1 if offset < 0 else 1)
    if not 0 <= target < len(active):
        raise DomainError(f"{stage.name} is already the {'first' if target < 0 else 'last'} stage.")
    before = [s.name for s in role.stages]
    active[index], active[target] = active[target], active[index]
    _renumber(role, active)
    _save_stages(session, role, before, actor_id=actor_id)


def remove_role_stage(session: Session, stage: RoleStage, *, actor_id: int | None) -> None:
    """Remove an active stage that no application is in, or has ever been in."""
    _editable(stage)
    role = stage.role
    in_stage = session.scalar(select(func.count()).where(Application.stage_id == stage.id))
    if in_stage:
        raise DomainError(
            f"{in_stage} application{'s are' if in_stage != 1 else ' is'} in {stage.name}; "
            "move them to another stage first."
        )
    if stage.id in stages_in_history(session, stage.role):
        raise DomainError(
            f"Applications have passed through {stage.name} and their history refers to it; "
            "rename it instead of removing it."
        )
    active = _active(role)
    if len(active) == 1:
        raise DomainError("A pipeline needs at least one active stage.")
    before = [s.name for s in role.stages]
    active.remove(stage)
    role.stages.remove(stage)
    _renumber(role, active)
    _save_stages(session, role, before, actor_id=actor_id)


# ---------------------------------------------------------------- export


def _markdown_text(text: str) -> str:
    """Escape what would turn into HTML when the file is rendered (CommonMark backslash escapes)."""
    return re.sub(r"([<>\\])", r"\\\1", text)


def jd_markdown(role: JobRole) -> str:
    """The role's public JD as a Markdown document (no internal fields)."""
    lines = [f"# {_markdown_text(role.title)}", ""]
    where = " · ".join(_markdown_text(v) for v in (role.team, role.location) if v)
    if where:
        lines += [f"*{where}*", ""]
    for name in JD_FIELDS:
        value = getattr(role, name)
        if not value:
            continue
        lines += [f"## {JD_FIELD_LABELS[name]}", ""]
        if name in JD_LIST_FIELDS:
            lines += [f"- {_markdown_text(item)}" for item in value]
        else:
            lines.append(_markdown_text(value))
        lines.append("")
    return "\n".join(lines)
