"""The API's request and response shapes (pydantic); spectree validates and documents them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
)

from core.db import as_utc
from hiring.models import CandidateSource, RoleStatus, StageKind

MAX_LIMIT = 100
DEFAULT_LIMIT = 25
# Ids are PostgreSQL `integer` columns: a larger number can name no row, and the database would
# refuse to compare with it (SQLite: overflow) instead of answering "none".
MAX_ID = 2**31 - 1


def storable_text(value: str) -> str:
    """Refuse text no database column can hold: NUL characters (PostgreSQL) and lone surrogates."""
    if "\x00" in value:
        raise ValueError("Text may not contain NUL (\\u0000) characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text must be valid Unicode (this has a lone surrogate).") from None
    return value


# Use these for every string and id a client sends, and every datetime the API answers with.
Text = Annotated[StrictStr, AfterValidator(storable_text)]
QueryText = Annotated[str, AfterValidator(storable_text)]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class Strict(BaseModel):
    """Unknown fields are refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_validator("*", mode="after")
    @classmethod
    def _utc_datetimes(cls, value: Any) -> Any:
        return as_utc(value) if isinstance(value, datetime) else value


# ---------------------------------------------------------------- errors


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable machine-readable code, e.g. validation_failed.")
    message: str = Field(description="What went wrong, for people.")
    details: Any = Field(None, description="Field errors or other specifics, when there are any.")


class ErrorBody(BaseModel):
    """Every API error (400, 401, 403, 404, 409, 413, 415, 422, 500) has this shape."""

    error: ErrorDetail


class OpenApiDocument(BaseModel):
    """This API's OpenAPI 3.1 document."""

    model_config = ConfigDict(extra="allow")

    openapi: str


# ---------------------------------------------------------------- query strings


class PageQuery(Strict):
    cursor: QueryText | None = Field(
        None, max_length=200, description="next_cursor of the previous page."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class RoleQuery(PageQuery):
    status: RoleStatus | None = None


class CandidateQuery(PageQuery):
    q: QueryText | None = Field(None, max_length=200, description="Part of the candidate's name.")
    source: CandidateSource | None = None
    prospect: bool | None = None


class ApplicationQuery(PageQuery):
    role_id: QueryId | None = None
    stage: QueryText | None = Field(None, max_length=80, description="A stage name, e.g. Applied.")


class IdempotencyHeaders(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    idempotency_key: str | None = Field(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Repeat a write safely: the same key and body replay the stored response.",
    )


# ---------------------------------------------------------------- bodies

Text200 = Annotated[Text, Field(max_length=200)]
Label = Annotated[Text, Field(max_length=100)]


class CandidateCreate(Strict):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    emails: list[Annotated[Text, Field(max_length=254)]] = Field(default_factory=list, max_length=20)
    phones: list[Text200] = Field(default_factory=list, max_length=20)
    location: Text200 = ""
    links: list[Annotated[Text, Field(max_length=500)]] = Field(default_factory=list, max_length=50)
    headline: Annotated[Text, Field(max_length=300)] = ""
    summary: Annotated[Text, Field(max_length=20_000)] = ""
    skills: list[Label] = Field(default_factory=list, max_length=200)
    tags: list[Label] = Field(default_factory=list, max_length=100)
    source: CandidateSource = CandidateSource.APPLIED
    source_detail: Text200 = ""
    referrer_name: Text200 = ""
    is_prospect: StrictBool = False
    allow_duplicate_email: StrictBool = Field(
        False, description="Create it even if another candidate has one of these emails."
    )


class MoveCreate(Strict):
    to_stage_id: Id
    reason: Annotated[Text, Field(max_length=300)] = ""


# ---------------------------------------------------------------- responses


class StageOut(Out):
    id: int
    name: str
    position: int
    kind: StageKind


class RoleOut(Out):
    id: int
    title: str
    team: str
    location: str
    status: RoleStatus
    headcount: int
    hiring_manager_id: int | None
    recruiter_id: int | None
    anonymised_review: bool
    created_at: datetime
    opened_at: datetime | None
    stages: list[StageOut]


class CandidateOut(Out):
    id: int
    name: str
    emails: list[str]
    phones: list[str]
    location: str
    links: list[str]
    headline: str
    summary: str
    skills: list[str]
    tags: list[str]
    source: CandidateSource
    source_detail: str
    referrer_name: str
    is_prospect: bool
    merged_into_id: int | None
    created_at: datetime
    updated_at: datetime


class ApplicationOut(Out):
    id: int
    candidate_id: int
    role_id: int
    stage_id: int
    stage_name: str
    rejection_reason: str
    created_at: datetime
    stage_entered_at: datetime


class MoveOut(Out):
    id: int
    from_stage_id: int | None
    to_stage_id: int
    reason: str
    created_at: datetime
    application: ApplicationOut


class RolePage(BaseModel):
    items: list[RoleOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last.")


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    next_cursor: str | None


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None
