"""The JSON API under /api/v1: roles, candidates, applications and stage moves."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from pydantic import BaseModel
from spectree import Response
from werkzeug.exceptions import BadRequest

from api import queries
from api.auth import check_token_access, current_principal, open_document, token_required
from api.errors import API_PREFIX, ApiError, register_error_handlers
from api.idempotency import Outcome, request_hash, run_once
from api.schemas import (
    MAX_ID,
    ApplicationOut,
    ApplicationPage,
    ApplicationQuery,
    CandidateCreate,
    CandidateOut,
    CandidatePage,
    CandidateQuery,
    ErrorBody,
    IdempotencyHeaders,
    MoveCreate,
    MoveOut,
    OpenApiDocument,
    RoleOut,
    RolePage,
    RoleQuery,
)
from api.spec import spec
from core.auth import Role
from core.db import get_session
from core.errors import DomainError
from hiring.models import Application, RoleStage
from hiring.services import candidates as candidate_service
from hiring.services import pipeline, roles
from hiring.services.access import can_view_candidate, can_view_role

bp = Blueprint("api_v1", __name__, url_prefix=API_PREFIX)
register_error_handlers(bp)

EDITORS = (Role.HIRING_MANAGER, Role.RECRUITER)
DEFAULT_MAX_BODY = 1024 * 1024
READ_ERRORS = ("HTTP_400", "HTTP_401", "HTTP_403", "HTTP_422")


def errors(*codes: str) -> dict[str, type[BaseModel]]:
    return {code: ErrorBody for code in codes}


@bp.before_request
def authenticate_and_check_body() -> None:
    """Authenticate first (nothing is read for a refused token), then accept JSON bodies only."""
    check_token_access()
    _refuse_ids_out_of_range()
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    request.max_content_length = current_app.config.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY)
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        body = request.get_json()
    except (BadRequest, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(422, "validation_failed", "The body must be a JSON object.")


def _refuse_ids_out_of_range() -> None:
    """An <int:...> path id past the id columns' range names nothing: 404 before any query sees it."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise ApiError(404, "not_found", "There is no record with that id.")


def _dump(model: type[BaseModel], obj: Any) -> dict[str, Any]:
    return model.model_validate(obj).model_dump(mode="json")


def _application(application: Application) -> dict[str, Any]:
    return ApplicationOut(
        **{
            name: getattr(application, name)
            for name in ApplicationOut.model_fields
            if name != "stage_name"
        },
        stage_name=application.stage.name,
    ).model_dump(mode="json")


def _forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise ApiError(403, "forbidden", "This token's roles do not give access to that record.")


def _idempotent(write: Any) -> tuple[dict[str, Any], int, dict[str, str]]:
    headers = request.context.headers  # type: ignore[attr-defined]
    outcome = run_once(
        get_session(),
        token_id=current_principal().token.id,
        key=headers.idempotency_key,
        fingerprint=request_hash(request.method, request.path, request.get_json()),
        write=write,
    )
    return outcome.body, outcome.status, {"Idempotent-Replayed": "true" if outcome.replayed else "false"}


@bp.get("/openapi.json")
@open_document
@spec.validate(resp=Response(HTTP_200=OpenApiDocument), tags=["meta"], security=[], skip_validation=True)
def openapi_document():
    """The OpenAPI 3.1 document of this API, generated from the code."""
    return jsonify(spec.spec)


@bp.get("/roles")
@token_required()
@spec.validate(query=RoleQuery, resp=Response(HTTP_200=RolePage, **errors(*READ_ERRORS)), tags=["roles"])
def list_roles():
    """List roles by id; interviewers see the roles whose panel they are on."""
    query: RoleQuery = request.context.query  # type: ignore[attr-defined]
    page = queries.list_roles(
        get_session(), current_principal(), status=query.status, cursor=query.cursor, limit=query.limit
    )
    return {"items": [_dump(RoleOut, r) for r in page.items], "next_cursor": page.next_cursor}


@bp.get("/roles/<int:role_id>")
@token_required()
@spec.validate(
    resp=Response(HTTP_200=RoleOut, **errors("HTTP_401", "HTTP_403", "HTTP_404")), tags=["roles"]
)
def get_role(role_id: int):
    """Show one role with its stages."""
    role = roles.get_role(get_session(), role_id)
    _forbid_unless(can_view_role(current_principal(), role))
    return _dump(RoleOut, role)


@bp.get("/candidates")
@token_required()
@spec.validate(
    query=CandidateQuery,
    resp=Response(HTTP_200=CandidatePage, **errors(*READ_ERRORS)),
    tags=["candidates"],
)
def list_candidates():
    """List candidates by id, filtered by name, source or prospect."""
    query: CandidateQuery = request.context.query  # type: ignore[attr-defined]
    page = queries.list_candidates(
        get_session(),
        current_principal(),
        q=query.q,
        source=query.source,
        prospect=query.prospect,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": [_dump(CandidateOut, c) for c in page.items], "next_cursor": page.next_cursor}


@bp.get("/candidates/<int:candidate_id>")
@token_required()
@spec.validate(
    resp=Response(HTTP_200=CandidateOut, **errors("HTTP_401", "HTTP_403", "HTTP_404")),
    tags=["candidates"],
)
def get_candidate(candidate_id: int):
    """Show one candidate."""
    candidate = candidate_service.get_candidate(get_session(), candidate_id)
    _forbid_unless(can_view_candidate(current_principal(), candidate))
    return _dump(CandidateOut, candidate)


@bp.post("/candidates")
@token_required(*EDITORS)
@spec.validate(
    json=CandidateCreate,
    headers=IdempotencyHeaders,
    resp=Response(
        HTTP_201=CandidateOut,
        **errors("HTTP_400", "HTTP_401", "HTTP_403", "HTTP_409", "HTTP_413", "HTTP_415"),
    ),
    tags=["candidates"],
)
def create_candidate():
    """Create a candidate (audited); send an Idempotency-Key to retry safely."""
    body: CandidateCreate = request.context.json  # type: ignore[attr-defined]
    session = get_session()

    def write() -> Outcome:
        fields = body.model_dump()
        candidate = candidate_service.create_candidate(
            session, actor_id=current_principal().id, **fields
        )
        return Outcome(201, _dump(CandidateOut, candidate))

    return _idempotent(write)


@bp.get("/applications")
@token_required()
@spec.validate(
    query=ApplicationQuery,
    resp=Response(HTTP_200=ApplicationPage, **errors(*READ_ERRORS)),
    tags=["applications"],
)
def list_applications():
    """List applications by id, filtered by role or stage name."""
    query: ApplicationQuery = request.context.query  # type: ignore[attr-defined]
    page = queries.list_applications(
        get_session(),
        current_principal(),
        role_id=query.role_id,
        stage=query.stage,
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": [_application(a) for a in page.items], "next_cursor": page.next_cursor}


@bp.post("/applications/<int:application_id>/moves")
@token_required(*EDITORS)
@spec.validate(
    json=MoveCreate,
    headers=IdempotencyHeaders,
    resp=Response(
        HTTP_201=MoveOut,
        **errors("HTTP_400", "HTTP_401", "HTTP_403", "HTTP_404", "HTTP_409", "HTTP_413", "HTTP_415"),
    ),
    tags=["applications"],
)
def move_application(application_id: int):
    """Move an application to another stage of its role (audited); a rejection needs a reason."""
    body: MoveCreate = request.context.json  # type: ignore[attr-defined]
    session = get_session()
    application = pipeline.get_application(session, application_id)
    _forbid_unless(can_view_role(current_principal(), application.role))

    def write() -> Outcome:
        stage = session.get(RoleStage, body.to_stage_id)
        if stage is None:
            raise DomainError("No such stage.")
        change = pipeline.move_application(
            session, application, stage, actor_id=current_principal().id, reason=body.reason
        )
        return Outcome(
            201,
            MoveOut(
                id=change.id,
                from_stage_id=change.from_stage_id,
                to_stage_id=change.to_stage_id,
                reason=change.reason,
                created_at=change.created_at,
                application=_application(application),
            ).model_dump(mode="json"),
        )

    return _idempotent(write)
