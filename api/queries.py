"""Cursor-paginated reads, narrowed to what the caller may see (as hiring.services.access rules)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.schemas import MAX_ID
from core.db import escape_like
from hiring.models import (
    Application,
    Candidate,
    CandidateSource,
    JobRole,
    RoleStage,
    RoleStatus,
    role_interviewers,
)
from hiring.services.access import can_edit
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    LoopStatus,
    Scorecard,
    Transcript,
)
from interviews.services.visibility import LOOP_RUNNERS


@dataclass(frozen=True)
class CursorPage:
    items: Sequence[Any]
    next_cursor: str | None


def encode_cursor(listing: str, after_id: int) -> str:
    raw = json.dumps({"l": listing, "a": after_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(listing: str, cursor: str | None) -> int:
    """The id after which the page starts (0 for the first page); a foreign or broken cursor is 400."""
    if cursor is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["a"]
        if (
            data["l"] != listing
            or not isinstance(after, int)
            or isinstance(after, bool)
            or not 0 <= after <= MAX_ID
        ):
            raise ValueError
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError(400, "invalid_cursor", "The cursor is not one this listing handed out.") from None
    return after


def cursor_page(
    session: Session,
    statement: Select[Any],
    id_column: Any,
    listing: str,
    cursor: str | None,
    limit: int,
) -> CursorPage:
    """Keyset pagination by ascending id: stable while rows are added, each row exactly once."""
    after = decode_cursor(listing, cursor)
    rows = list(session.scalars(statement.where(id_column > after).order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return CursorPage(rows, encode_cursor(listing, rows[-1].id) if more else None)


def _panel_role_ids(user_id: int) -> Select[Any]:
    return select(role_interviewers.c.role_id).where(role_interviewers.c.user_id == user_id)


def list_roles(
    session: Session, principal: Any, *, status: RoleStatus | None, cursor: str | None, limit: int
) -> CursorPage:
    """Roles by id; interviewers see only the roles whose panel they are on."""
    statement = select(JobRole)
    if not can_edit(principal):
        statement = statement.where(JobRole.id.in_(_panel_role_ids(principal.id)))
    if status is not None:
        statement = statement.where(JobRole.status == status)
    return cursor_page(session, statement, JobRole.id, "roles", cursor, limit)


def list_candidates(
    session: Session,
    principal: Any,
    *,
    q: str | None,
    source: CandidateSource | None,
    prospect: bool | None,
    cursor: str | None,
    limit: int,
) -> CursorPage:
    """Candidates (never merged-away ones) by id; interviewers see those of their panels' roles,
    except on roles reviewed anonymously (hiring.services.access.can_view_candidate)."""
    statement = select(Candidate).where(Candidate.merged_into_id.is_(None))
    if not can_edit(principal):
        visible = (
            select(Application.candidate_id)
            .join(JobRole, JobRole.id == Application.role_id)
            .where(JobRole.id.in_(_panel_role_ids(principal.id)), JobRole.anonymised_review.is_(False))
        )
        statement = statement.where(Candidate.id.in_(visible))
    if q and q.strip():
        pattern = f"%{escape_like(q.strip().lower())}%"
        statement = statement.where(func.lower(Candidate.name).like(pattern, escape="\\"))
    if source is not None:
        statement = statement.where(Candidate.source == source)
    if prospect is not None:
        statement = statement.where(Candidate.is_prospect.is_(prospect))
    return cursor_page(session, statement, Candidate.id, "candidates", cursor, limit)


def list_applications(
    session: Session,
    principal: Any,
    *,
    role_id: int | None,
    stage: str | None,
    cursor: str | None,
    limit: int,
) -> CursorPage:
    """Applications by id; interviewers see those of their panels' roles that are not anonymised."""
    statement = select(Application)
    if not can_edit(principal):
        statement = statement.where(
            Application.role_id.in_(_panel_role_ids(principal.id)),
            Application.role_id.in_(select(JobRole.id).where(JobRole.anonymised_review.is_(False))),
        )
    if role_id is not None:
        statement = statement.where(Application.role_id == role_id)
    if stage and stage.strip():
        stage_ids = select(RoleStage.id).where(func.lower(RoleStage.name) == stage.strip().lower())
        statement = statement.where(Application.stage_id.in_(stage_ids))
    return cursor_page(session, statement, Application.id, "applications", cursor, limit)


def list_loops(
    session: Session,
    principal: Any,
    *,
    role_id: int | None,
    status: LoopStatus | None,
    cursor: str | None,
    limit: int,
) -> CursorPage:
    """Interview loops by id; interviewers see only the loops they have a scorecard on
    (interviews.services.visibility.can_view_loop)."""
    statement = select(InterviewLoop)
    if not principal.roles & LOOP_RUNNERS:
        own = (
            select(InterviewRound.loop_id)
            .join(Scorecard, Scorecard.round_id == InterviewRound.id)
            .where(Scorecard.interviewer_id == principal.id)
        )
        statement = statement.where(InterviewLoop.id.in_(own))
    if role_id is not None:
        role_loops = select(Application.id).where(Application.role_id == role_id)
        statement = statement.where(InterviewLoop.application_id.in_(role_loops))
    if status is not None:
        statement = statement.where(InterviewLoop.status == status)
    return cursor_page(session, statement, InterviewLoop.id, "loops", cursor, limit)


def list_round_transcripts(
    session: Session, round_id: int, *, cursor: str | None, limit: int
) -> CursorPage:
    """A round's transcripts by id (the caller was checked against the round's loop)."""
    statement = select(Transcript).where(Transcript.round_id == round_id)
    return cursor_page(session, statement, Transcript.id, f"transcripts-{round_id}", cursor, limit)
