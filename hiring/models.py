"""Hiring data: roles (requisitions) with structured JDs, candidates and prospects, pipelines, CRM."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth import User
from core.db import Base, str_enum, utcnow


class RoleStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    ON_HOLD = "on_hold"
    FILLED = "filled"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class StageKind(enum.StrEnum):
    ACTIVE = "active"  # a step of the funnel, in order
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def terminal(self) -> bool:
        return self is not StageKind.ACTIVE


class CandidateSource(enum.StrEnum):
    APPLIED = "applied"
    SOURCED = "sourced"
    REFERRAL = "referral"
    EVENT = "event"
    AGENCY = "agency"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ConsentStatus(enum.StrEnum):
    UNKNOWN = "unknown"
    NOTICE_SENT = "notice_sent"
    CONSENTED = "consented"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class DocumentKind(enum.StrEnum):
    TRANSCRIPT = "transcript"  # interview answers imported with a profile, scored by interviews/
    PORTFOLIO = "portfolio"  # blog posts, essays, self-introductions
    RESUME = "resume"
    NOTE = "note"


class TouchpointKind(enum.StrEnum):
    EMAIL = "email"
    CALL = "call"
    MEETING = "meeting"
    NOTE = "note"


role_interviewers = Table(
    "role_interviewers",
    Base.metadata,
    Column("role_id", ForeignKey("job_roles.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

pool_members = Table(
    "pool_members",
    Base.metadata,
    Column("pool_id", ForeignKey("talent_pools.id", ondelete="CASCADE"), primary_key=True),
    Column("candidate_id", ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True),
)


class JobRole(Base):
    """A requisition: an opening to fill, with its structured job description and its stages."""

    __tablename__ = "job_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[RoleStatus] = mapped_column(
        str_enum(RoleStatus), default=RoleStatus.DRAFT, index=True
    )
    headcount: Mapped[int] = mapped_column(default=1)
    hiring_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recruiter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    target_start: Mapped[date | None]
    template_key: Mapped[str | None] = mapped_column(String(60))
    loop_name: Mapped[str] = mapped_column(String(200), default="")

    # The structured job description.
    summary: Mapped[str] = mapped_column(Text, default="")
    use_cases: Mapped[str] = mapped_column(Text, default="")
    must_have: Mapped[list[Any]] = mapped_column(default=list)
    nice_to_have: Mapped[list[Any]] = mapped_column(default=list)
    tech_stack: Mapped[list[Any]] = mapped_column(default=list)
    day_to_day: Mapped[str] = mapped_column(Text, default="")
    interview_process: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[Any]] = mapped_column(default=list)
    jd_is_llm_draft: Mapped[bool] = mapped_column(default=False)
    # Interviewers (and both AI scorers) see this role's candidates under a pseudonym, with names,
    # contact details, pronouns, ages and schools redacted (interviews.services.anonymity).
    anonymised_review: Mapped[bool] = mapped_column(default=False)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    opened_at: Mapped[datetime | None]

    hiring_manager: Mapped[User | None] = relationship(foreign_keys=[hiring_manager_id])
    recruiter: Mapped[User | None] = relationship(foreign_keys=[recruiter_id])
    interviewers: Mapped[list[User]] = relationship(secondary=role_interviewers)
    stages: Mapped[list[RoleStage]] = relationship(
        back_populates="role", order_by="RoleStage.position", cascade="all, delete-orphan"
    )
    applications: Mapped[list[Application]] = relationship(back_populates="role")


class RoleStage(Base):
    """One stage of a role's pipeline; each role has its own copy of the default stages."""

    __tablename__ = "role_stages"
    __table_args__ = (UniqueConstraint("role_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    kind: Mapped[StageKind] = mapped_column(str_enum(StageKind), default=StageKind.ACTIVE)

    role: Mapped[JobRole] = relationship(back_populates="stages")


class Candidate(Base):
    """A person: an applicant, or a passive prospect who is not on the market (is_prospect)."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    emails: Mapped[list[Any]] = mapped_column(default=list)
    phones: Mapped[list[Any]] = mapped_column(default=list)
    location: Mapped[str] = mapped_column(String(200), default="")
    links: Mapped[list[Any]] = mapped_column(default=list)  # GitHub, blog, LinkedIn, ... as URLs
    headline: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    work_history: Mapped[list[Any]] = mapped_column(default=list)  # [{"title", "company"}]
    skills: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[CandidateSource] = mapped_column(
        str_enum(CandidateSource), default=CandidateSource.APPLIED
    )
    source_detail: Mapped[str] = mapped_column(String(200), default="")  # event, agency, ...
    referrer_name: Mapped[str] = mapped_column(String(200), default="")
    consent_status: Mapped[ConsentStatus] = mapped_column(
        str_enum(ConsentStatus), default=ConsentStatus.UNKNOWN
    )
    consent_updated_at: Mapped[datetime | None]

    # Passive-candidate CRM.
    is_prospect: Mapped[bool] = mapped_column(default=False, index=True)
    not_looking_until: Mapped[date | None]
    next_reengage_on: Mapped[date | None] = mapped_column(index=True)

    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    applications: Mapped[list[Application]] = relationship(back_populates="candidate")
    documents: Mapped[list[CandidateDocument]] = relationship(
        back_populates="candidate", order_by="CandidateDocument.id"
    )
    touchpoints: Mapped[list[Touchpoint]] = relationship(
        back_populates="candidate", order_by="Touchpoint.happened_on.desc()"
    )
    pools: Mapped[list[TalentPool]] = relationship(secondary=pool_members, back_populates="members")


class CandidateDocument(Base):
    """Text kept about a candidate: an imported transcript, portfolio writing, a resume, a note."""

    __tablename__ = "candidate_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(300), default="")  # uploaded file name
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="documents")


class Application(Base):
    """A candidate in a role's pipeline, at one stage."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("candidate_id", "role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id", ondelete="CASCADE"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("role_stages.id"), index=True)
    rejection_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="applications")
    role: Mapped[JobRole] = relationship(back_populates="applications")
    stage: Mapped[RoleStage] = relationship()
    history: Mapped[list[StageChange]] = relationship(
        back_populates="application", order_by="StageChange.id", cascade="all, delete-orphan"
    )


class StageChange(Base):
    """One move of an application between stages (from_stage is None when it entered the pipeline)."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("role_stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("role_stages.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    application: Mapped[Application] = relationship(back_populates="history")
    from_stage: Mapped[RoleStage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[RoleStage] = relationship(foreign_keys=[to_stage_id])
    actor: Mapped[User | None] = relationship()


class TalentPool(Base):
    """A named group of prospects, e.g. "LLM infra researchers" or "silver medalists"."""

    __tablename__ = "talent_pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[Candidate]] = relationship(secondary=pool_members, back_populates="pools")


class Touchpoint(Base):
    """A contact with a prospect: an email, a call, a meeting or a note, on a date."""

    __tablename__ = "touchpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[TouchpointKind] = mapped_column(str_enum(TouchpointKind))
    happened_on: Mapped[date]
    summary: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="touchpoints")
    author: Mapped[User | None] = relationship()


class CandidateMerge(Base):
    """A merge of a duplicate into a primary candidate, with what is needed to undo it exactly."""

    __tablename__ = "candidate_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    primary_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    duplicate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    snapshot: Mapped[dict[str, Any]]  # the primary's fields before, and the rows moved over
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    primary: Mapped[Candidate] = relationship(foreign_keys=[primary_id])
    duplicate: Mapped[Candidate] = relationship(foreign_keys=[duplicate_id])
