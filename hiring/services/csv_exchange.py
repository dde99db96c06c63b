"""CSV in and out: the parts every import and export shares, and the candidate/application exports.

A cell that a spreadsheet would run as a formula (one starting with = + - @, a tab or a carriage
return) is written with a leading apostrophe; the importers take that apostrophe off again, so an
export re-imports unchanged. Nothing else is escaped: the csv module quotes what needs quoting.
Size and encoding of the incoming text are checked by core.uploads before it gets here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.audit import record_audit
from core.errors import DomainError
from hiring.models import Application, Candidate, JobRole, RoleStage
from hiring.services.candidates import list_candidates

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
MAX_CSV_ROWS = 2000
LIST_SEPARATOR = ";"
EXPORT_PAGE_SIZE = 500

CANDIDATE_COLUMNS = (
    "name",
    "email",
    "phone",
    "location",
    "headline",
    "links",
    "skills",
    "tags",
    "source",
    "referrer",
)
APPLICATION_EXPORT_COLUMNS = (
    "candidate_id",
    "candidate_name",
    "candidate_email",
    "role_id",
    "role",
    "stage",
    "source",
    "entered_stage_at",
    "created_at",
    "rejection_reason",
)


# ---------------------------------------------------------------- cells


def guard_cell(value: Any) -> str:
    """The cell's text, with an apostrophe in front if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def unguard_cell(text: str) -> str:
    """Undo ``guard_cell``: drop an apostrophe that only stands in front of a formula character."""
    if text.startswith(GUARD) and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def utc_text(moment: datetime | None) -> str:
    """An ISO 8601 UTC timestamp ("2026-01-31T09:30:00Z"); naive datetimes are taken as UTC."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV document (RFC 4180 line ends) with every cell guarded against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([guard_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class CsvLine:
    line: int  # the line of the file where the row ends (as the csv module counts)
    cells: dict[str, str]  # header name -> unguarded cell text ("" for a missing cell)
    too_many_cells: bool


def read_csv(
    text: str,
    *,
    columns: Sequence[str],
    required: Sequence[Sequence[str]],
    header_hint: str,
    aliases: dict[str, str] | None = None,
) -> list[CsvLine]:
    """Read the rows of a CSV whose first line is a header of ``columns`` (any order, any case).

    Every group in ``required`` needs at least one of its columns in the header; ``aliases`` map
    other accepted header names onto ``columns``. Empty rows are skipped. Raises DomainError for a
    file-level problem (header, unknown columns, malformed quoting, no rows, too many rows).
    """
    aliases = aliases or {}
    reader = csv.DictReader(io.StringIO(text), restval="", restkey="_extra")
    header = [aliases.get(name, name) for name in (n.strip().lower() for n in reader.fieldnames or [])]
    if not all(set(group) & set(header) for group in required):
        raise DomainError(f"The first line must be the header: {header_hint}. Nothing was saved.")
    unknown = [name for name in header if name not in columns]
    if unknown:
        raise DomainError(
            f"Unknown columns: {', '.join(unknown)}. Use: {','.join(columns)}. Nothing was saved."
        )
    reader.fieldnames = header
    lines: list[CsvLine] = []
    try:
        for raw in reader:
            cells = {
                key: unguard_cell((value or "").strip()) for key, value in raw.items() if key != "_extra"
            }
            if not any(cells.values()):
                continue
            if len(lines) >= MAX_CSV_ROWS:
                raise DomainError(f"Import at most {MAX_CSV_ROWS} rows at a time. Nothing was saved.")
            lines.append(CsvLine(reader.line_num, cells, bool(raw.get("_extra"))))
    except csv.Error as error:
        raise DomainError(
            f"The CSV is malformed near line {reader.line_num}: {error}. Nothing was saved."
        ) from None
    if not lines:
        raise DomainError("The CSV has a header but no rows. Nothing was saved.")
    return lines


# ---------------------------------------------------------------- exports


def _joined(values: Iterable[Any]) -> str:
    return LIST_SEPARATOR.join(str(value) for value in values)


def candidate_cells(candidate: Candidate) -> list[str]:
    """A candidate as a row of CANDIDATE_COLUMNS, the way parse_candidates_csv reads it back."""
    return [
        candidate.name,
        _joined(candidate.emails),
        _joined(candidate.phones),
        candidate.location,
        candidate.headline,
        _joined(candidate.links),
        _joined(candidate.skills),
        _joined(candidate.tags),
        candidate.source.value,
        candidate.referrer_name,
    ]


def _all_pages(session: Session, **filters: Any) -> Iterator[Candidate]:
    page_number = 1
    while True:
        page = list_candidates(session, page=page_number, per_page=EXPORT_PAGE_SIZE, **filters)
        yield from page.items
        if not page.has_next:
            return
        page_number += 1


def export_candidates_csv(
    session: Session,
    *,
    actor_id: int | None,
    query: str = "",
    prospects: bool | None = None,
    tag: str = "",
) -> tuple[str, int]:
    """The candidates that the list shows for these filters, as CSV; audited. Returns (csv, count)."""
    rows = [candidate_cells(c) for c in _all_pages(session, query=query, prospects=prospects, tag=tag)]
    kind = {None: "everyone", False: "applicants", True: "prospects"}[prospects]
    record_audit(
        session,
        actor_id=actor_id,
        action="candidates.exported",
        object_type="candidate",
        object_id=None,
        summary=f"Exported {len(rows)} candidate(s) to CSV",
        # Which filters were used, not their text: a search may be a name or an email.
        after={"count": len(rows), "kind": kind, "searched": bool(query.strip()), "tag": bool(tag)},
    )
    return write_csv(CANDIDATE_COLUMNS, rows), len(rows)


def application_cells(application: Application) -> list[Any]:
    """An application as a row of APPLICATION_EXPORT_COLUMNS."""
    candidate = application.candidate
    return [
        candidate.id,
        candidate.name,
        candidate.emails[0] if candidate.emails else "",
        application.role_id,
        application.role.title,
        application.stage.name,
        candidate.source.value,
        utc_text(application.stage_entered_at),
        utc_text(application.created_at),
        application.rejection_reason,
    ]


def export_applications_csv(
    session: Session, *, actor_id: int | None, role: JobRole | None = None
) -> tuple[str, int]:
    """The applications of one role (or of every role), as CSV; audited. Returns (csv, count)."""
    statement = (
        select(Application)
        .join(Application.role)
        .join(Application.stage)
        .options(
            selectinload(Application.candidate),
            selectinload(Application.role),
            selectinload(Application.stage),
        )
        .order_by(
            JobRole.title, JobRole.id, RoleStage.position, Application.stage_entered_at, Application.id
        )
    )
    if role is not None:
        statement = statement.where(Application.role_id == role.id)
    rows = [application_cells(a) for a in session.scalars(statement)]
    scope = role.title if role is not None else "all roles"
    record_audit(
        session,
        actor_id=actor_id,
        action="applications.exported",
        object_type="job_role",
        object_id=role.id if role is not None else None,
        summary=f"Exported {len(rows)} application(s) of {scope} to CSV",
        after={"count": len(rows), "role_id": role.id if role is not None else None},
    )
    return write_csv(APPLICATION_EXPORT_COLUMNS, rows), len(rows)
