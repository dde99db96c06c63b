"""Applications from CSV: a dry run that says, row by row, what would happen; then the import.

Each row names a candidate (candidate_id or candidate_email), a role (role_id or role title, or
the role the upload page was opened from) and optionally a stage of that role. A candidate not
yet in the role is added (at the stage, default "Applied" or the first active one); one already
in it is moved to the stage. The import checks everything again and saves through
hiring.services.pipeline, so the audit trail and webhooks see every change.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.errors import DomainError
from hiring.models import Application, Candidate, JobRole, RoleStage, StageChange, StageKind
from hiring.services import pipeline
from hiring.services.candidates import find_candidates_by_emails
from hiring.services.csv_exchange import APPLICATION_EXPORT_COLUMNS, read_csv

COLUMNS = ("candidate_id", "candidate_email", "role_id", "role", "stage", "note")
# An applications export re-imports: its other columns are read-only here, and its rejection
# reason is the note of a move.
INFORMATIONAL_COLUMNS = tuple(
    c for c in APPLICATION_EXPORT_COLUMNS if c not in COLUMNS and c != "rejection_reason"
)
ALIASES = {"rejection_reason": "note"}

EMAIL_BATCH = 200  # emails per query: each is one LIKE, and SQLite limits an expression's depth

T = TypeVar("T")


class RowAction(enum.StrEnum):
    CREATE = "create"
    MOVE = "move"
    ERROR = "error"


@dataclass(frozen=True)
class ApplicationRow:
    line: int
    candidate: str  # the candidate's name if found, else as the row names them
    email: str
    role: str
    stage: str
    action: RowAction
    message: str  # what will happen, for valid rows
    errors: tuple[str, ...] = ()
    candidate_id: int | None = None
    role_id: int | None = None
    stage_id: int | None = None  # None on a CREATE row: the role's entry stage
    application_id: int | None = None
    note: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ApplicationPreview:
    rows: tuple[ApplicationRow, ...]

    @property
    def valid_rows(self) -> tuple[ApplicationRow, ...]:
        return tuple(row for row in self.rows if row.valid)

    @property
    def error_rows(self) -> tuple[ApplicationRow, ...]:
        return tuple(row for row in self.rows if not row.valid)

    def count(self, action: RowAction) -> int:
        return sum(1 for row in self.rows if row.action is action)


def as_id(text: str) -> int | None:
    """A row id from a cell ("12"), or None for anything a database id cannot be."""
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


class _Lookups:
    """Every candidate, role and application the file names, loaded in a few queries."""

    def __init__(self, session: Session, cells: list[dict[str, str]]) -> None:
        emails = sorted({c["candidate_email"].lower() for c in cells if c.get("candidate_email")})
        self.by_email: dict[str, list[Candidate]] = {}
        for start in range(0, len(emails), EMAIL_BATCH):
            batch = set(emails[start : start + EMAIL_BATCH])
            for candidate in find_candidates_by_emails(session, batch):
                for email in {e.lower() for e in candidate.emails} & batch:
                    self.by_email.setdefault(email, []).append(candidate)
        ids = {as_id(c.get("candidate_id", "")) for c in cells} - {None}
        self.by_id = {c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_(ids)))}
        role_ids = {as_id(c.get("role_id", "")) for c in cells} - {None}
        # Titles are matched in Python (casefold), as SQL lower() differs between databases.
        by_title = any(c.get("role") for c in cells)
        roles = session.scalars(
            select(JobRole) if by_title else select(JobRole).where(JobRole.id.in_(role_ids))
        ).all()
        self.roles_by_id = {role.id: role for role in roles}
        self.roles_by_title: dict[str, list[JobRole]] = {}
        for role in roles:
            self.roles_by_title.setdefault(role.title.casefold(), []).append(role)
        self.session = session

    def applications(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Application]:
        wanted = set(pairs)
        candidate_ids = {c for c, _ in wanted}
        role_ids = {r for _, r in wanted}
        statement = select(Application).where(
            Application.candidate_id.in_(candidate_ids), Application.role_id.in_(role_ids)
        )
        return {(a.candidate_id, a.role_id): a for a in self.session.scalars(statement)}


def _find_candidate(cells: dict[str, str], lookups: _Lookups) -> Candidate:
    given_id, email = cells.get("candidate_id", ""), cells.get("candidate_email", "").lower()
    if given_id:
        if as_id(given_id) is None:
            raise DomainError(f"The candidate_id “{given_id}” is not a candidate number.")
        candidate = lookups.by_id.get(as_id(given_id))
        if candidate is None:
            raise DomainError(f"Unknown candidate: there is no candidate #{given_id}.")
        if email and email not in {e.lower() for e in candidate.emails}:
            raise DomainError(f"Candidate #{given_id} does not have the email {email}.")
    elif email:
        found = lookups.by_email.get(email, [])
        if not found:
            raise DomainError(f"Unknown candidate: no candidate has the email {email}.")
        if len(found) > 1:
            raise DomainError(f"{len(found)} candidates have the email {email}: use candidate_id.")
        candidate = found[0]
    else:
        raise DomainError("Unknown candidate: give candidate_email or candidate_id.")
    if candidate.merged_into_id is not None:
        raise DomainError(
            f"{candidate.name} was merged into candidate #{candidate.merged_into_id}; use that one."
        )
    return candidate


def _find_role(cells: dict[str, str], lookups: _Lookups, default: JobRole | None) -> JobRole:
    given_id, title = cells.get("role_id", ""), cells.get("role", "")
    if given_id:
        if as_id(given_id) is None:
            raise DomainError(f"The role_id “{given_id}” is not a role number.")
        role = lookups.roles_by_id.get(as_id(given_id))
        if role is None:
            raise DomainError(f"Unknown role: there is no role #{given_id}.")
        if title and title.casefold() != role.title.casefold():
            raise DomainError(f"Role #{given_id} is {role.title}, not “{title}”.")
        return role
    if title:
        found = lookups.roles_by_title.get(title.casefold(), [])
        if not found:
            raise DomainError(f"Unknown role: no role is called “{title}”.")
        if len(found) > 1:
            raise DomainError(f"{len(found)} roles are called “{title}”: use role_id.")
        return found[0]
    if default is None:
        raise DomainError("Unknown role: give role_id or role.")
    return default


def _find_stage(role: JobRole, name: str) -> RoleStage | None:
    if not name:
        return None
    stage = next((s for s in role.stages if s.name.casefold() == name.casefold()), None)
    if stage is None:
        names = ", ".join(s.name for s in sorted(role.stages, key=lambda s: s.position))
        raise DomainError(f"Unknown stage: {role.title} has no stage “{name}” (it has {names}).")
    return stage


def _plan(
    candidate: Candidate,
    role: JobRole,
    stage: RoleStage | None,
    existing: Application | None,
    note: str,
) -> tuple[RowAction, str, RoleStage]:
    """What the row would do, by the rules of pipeline.add_application / move_application."""
    if len(note) > pipeline.MAX_REASON_LENGTH:
        raise DomainError(f"Keep the note under {pipeline.MAX_REASON_LENGTH} characters.")
    if existing is None:
        if role.status not in pipeline.ACCEPTING_STATUSES:
            raise DomainError(
                f"The role {role.title} is {role.status.label.lower()}: only open or on-hold roles "
                "take new candidates."
            )
        if stage is not None and stage.kind is not StageKind.ACTIVE:
            raise DomainError(
                f"{stage.name} is not an active stage: add candidates at one, then move them."
            )
        stage = stage or pipeline.entry_stage(role)
        return RowAction.CREATE, f"will be added to {role.title} at {stage.name}", stage
    if stage is None or stage.id == existing.stage_id:
        raise DomainError(
            f"Duplicate application: {candidate.name} is already in {role.title} "
            f"at {existing.stage.name}."
        )
    if stage.kind is StageKind.REJECTED and not note:
        raise DomainError(f"Moving to {stage.name} needs a reason in the note column.")
    return RowAction.MOVE, f"will move from {existing.stage.name} to {stage.name}", stage


def _named(candidate_id: str) -> str:
    return f"#{candidate_id}" if candidate_id else ""


def _collect(errors: list[str], find: Callable[..., T], *args: Any) -> T | None:
    """``find(*args)``, or None with its DomainError's message added to ``errors``."""
    try:
        return find(*args)
    except DomainError as error:
        errors.append(error.message)
        return None


def preview_applications_csv(
    session: Session, text: str, *, default_role: JobRole | None = None
) -> ApplicationPreview:
    """The dry run: for every row, what would happen or what is wrong (nothing is changed)."""
    lines = read_csv(
        text,
        columns=(*COLUMNS, *INFORMATIONAL_COLUMNS),
        required=[("candidate_email", "candidate_id")],
        header_hint="candidate_email (or candidate_id), role_id (or role), stage, note",
        aliases=ALIASES,
    )
    lookups = _Lookups(session, [line.cells for line in lines])
    found: list[tuple[Candidate | None, JobRole | None, RoleStage | None, list[str]]] = []
    for line in lines:
        errors: list[str] = []
        candidate = _collect(errors, _find_candidate, line.cells, lookups)
        role = _collect(errors, _find_role, line.cells, lookups, default_role)
        stage = _collect(errors, _find_stage, role, line.cells.get("stage", "")) if role else None
        if line.too_many_cells:
            errors.append("The row has more cells than the header.")
        found.append((candidate, role, stage, errors))

    existing = lookups.applications((c.id, r.id) for c, r, _, _ in found if c and r)
    seen: dict[tuple[int, int], int] = {}
    rows: list[ApplicationRow] = []
    for line, (candidate, role, stage, errors) in zip(lines, found, strict=True):
        note = line.cells.get("note", "")
        action, message, target = RowAction.ERROR, "", stage
        if candidate is not None and role is not None:
            pair = (candidate.id, role.id)
            if pair in seen:
                errors.append(
                    f"Duplicate application: {candidate.name} and {role.title} are also on "
                    f"line {seen[pair]} of this file."
                )
            seen.setdefault(pair, line.line)
            if not errors:
                try:
                    action, message, target = _plan(candidate, role, stage, existing.get(pair), note)
                except DomainError as error:
                    errors.append(error.message)
        application = existing.get((candidate.id, role.id)) if candidate and role else None
        rows.append(
            ApplicationRow(
                line=line.line,
                candidate=candidate.name if candidate else _named(line.cells.get("candidate_id", "")),
                email=line.cells.get("candidate_email", ""),
                role=role.title if role else line.cells.get("role") or line.cells.get("role_id", ""),
                stage=target.name if target else line.cells.get("stage", ""),
                action=RowAction.ERROR if errors else action,
                message="" if errors else message,
                errors=tuple(errors),
                candidate_id=candidate.id if candidate else None,
                role_id=role.id if role else None,
                stage_id=target.id if target and not errors else None,
                application_id=application.id if application else None,
                note=note,
            )
        )
    return ApplicationPreview(rows=tuple(rows))


def import_applications_csv(
    session: Session, text: str, *, actor_id: int | None, default_role: JobRole | None = None
) -> tuple[list[Application], list[StageChange], ApplicationPreview]:
    """Add and move what the valid rows say (checked again now); return the changes and the preview.

    A DomainError from the pipeline (the data changed under us) propagates: the caller rolls back.
    """
    preview = preview_applications_csv(session, text, default_role=default_role)
    created: list[Application] = []
    moved: list[StageChange] = []
    for row in preview.valid_rows:
        stage = session.get(RoleStage, row.stage_id)
        if row.action is RowAction.CREATE:
            created.append(
                pipeline.add_application(
                    session,
                    candidate=session.get(Candidate, row.candidate_id),
                    role=session.get(JobRole, row.role_id),
                    stage=stage,
                    actor_id=actor_id,
                )
            )
        else:
            application = session.get(Application, row.application_id)
            moved.append(
                pipeline.move_application(
                    session, application, stage, actor_id=actor_id, reason=row.note
                )
            )
    if created or moved:
        skipped = len(preview.error_rows)
        record_audit(
            session,
            actor_id=actor_id,
            action="applications.imported",
            object_type="application",
            object_id=None,
            summary=(
                f"Imported applications from CSV: {len(created)} added, {len(moved)} moved, "
                f"{skipped} row(s) skipped"
            ),
            after={"created": len(created), "moved": len(moved), "skipped": skipped},
        )
    return created, moved, preview
