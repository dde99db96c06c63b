"""AI-use notices and each candidate's consent ledger; per-role "requires AI consent"; the rule that
keeps the LLM judge away from a candidate who has not consented when the role requires it.

The ledger is append-only and is the source of truth: ``Candidate.consent_status`` and
``consent_updated_at`` are the current state derived from it, written in the same transaction.
Each notice version is stored once with its exact text and hash; a ledger row points at the version
that was shown or consented to.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy import ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import record_audit
from core.auth import User
from core.db import Base, get_or_raise, str_enum, utcnow
from core.errors import DomainError
from hiring.models import Application, Candidate, ConsentStatus, JobRole
from interviews.models import InterviewLoop, InterviewRound, Transcript, TranscriptAnswer
from rubrics.models import Answer
from rubrics.services.judge_permission import register_judge_rule

JUDGE_REFUSAL = "the candidate has not consented to AI-assisted evaluation for this role"

DEFAULT_NOTICE_TITLE = "How Loopwise uses AI in your interviews"
DEFAULT_NOTICE_TEXT = (
    "We use AI tools to help evaluate interview answers. Your interview may be transcribed; each "
    "answer is compared with the question's rubric by an embedding model and, for roles that use "
    "it, assessed by a large language model (LLM judge). The AI suggests levels with quoted "
    "evidence; people on the interview panel make every decision and can override any AI score. "
    "The characteristics assessed are the competencies listed in the role's interview plan. "
    "You may decline or withdraw your consent at any time; you will then be evaluated without the "
    "LLM judge. You may ask for a copy of the data we hold about you, or for its erasure; we answer "
    "within 30 days."
)


class ConsentEventKind(enum.StrEnum):
    NOTICE_SHOWN = "notice_shown"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ConsentChannel(enum.StrEnum):
    EMAIL = "email"
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO_CALL = "video_call"
    CAREER_PAGE = "career_page"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


STATUS_AFTER = {
    ConsentEventKind.CONSENT_GIVEN: ConsentStatus.CONSENTED,
    ConsentEventKind.CONSENT_WITHDRAWN: ConsentStatus.WITHDRAWN,
}


class AiNotice(Base):
    """One version of the AI-use notice, with its exact text; never edited (a new version is added)."""

    __tablename__ = "ai_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentEvent(Base):
    """One ledger row: a notice shown, or consent given or withdrawn; by which channel, and who."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[ConsentEventKind] = mapped_column(str_enum(ConsentEventKind))
    notice_id: Mapped[int] = mapped_column(ForeignKey("ai_notices.id"))
    notice_hash: Mapped[str] = mapped_column(String(64))  # the hash of the exact text shown
    channel: Mapped[ConsentChannel] = mapped_column(str_enum(ConsentChannel))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    notice: Mapped[AiNotice] = relationship()
    actor: Mapped[User | None] = relationship()


class RoleAiConsent(Base):
    """A role's setting: does the LLM judge need the candidate's consent? (No row: it does not.)"""

    __tablename__ = "role_ai_consent"

    role_id: Mapped[int] = mapped_column(
        ForeignKey("job_roles.id", ondelete="CASCADE"), primary_key=True
    )
    requires_consent: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# ---------------------------------------------------------------- notices


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def current_notice(session: Session) -> AiNotice:
    """The latest notice version, creating version 1 from the default text on first use."""
    notice = session.scalar(select(AiNotice).order_by(AiNotice.version.desc()).limit(1))
    if notice is None:
        notice = AiNotice(
            version=1,
            title=DEFAULT_NOTICE_TITLE,
            body=DEFAULT_NOTICE_TEXT,
            body_hash=text_hash(DEFAULT_NOTICE_TEXT),
        )
        session.add(notice)
        session.flush()
    return notice


def publish_notice(session: Session, *, title: str, body: str, actor_id: int | None) -> AiNotice:
    """Add a new notice version (the old ones stay, with the ledger rows that point at them)."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise DomainError("A notice needs a title and a text.")
    latest = current_notice(session)
    if latest.body == body and latest.title == title:
        raise DomainError(f"This is the text of version {latest.version} already.")
    notice = AiNotice(
        version=latest.version + 1,
        title=title[:200],
        body=body,
        body_hash=text_hash(body),
        created_by_id=actor_id,
    )
    session.add(notice)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="ai_notice.published",
        object_type="ai_notice",
        object_id=notice.id,
        summary=f"AI-use notice version {notice.version} published",
        after={"version": notice.version, "hash": notice.body_hash},
    )
    return notice


def notice_versions(session: Session) -> list[tuple[AiNotice, int]]:
    """Every notice version, newest first, with the number of ledger rows that point at it."""
    counts = dict(
        session.execute(
            select(ConsentEvent.notice_id, func.count()).group_by(ConsentEvent.notice_id)
        ).all()
    )
    notices = session.scalars(select(AiNotice).order_by(AiNotice.version.desc()))
    return [(notice, counts.get(notice.id, 0)) for notice in notices]


# ---------------------------------------------------------------- the ledger


def consent_ledger(session: Session, candidate_id: int) -> list[ConsentEvent]:
    return list(
        session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.candidate_id == candidate_id)
            .order_by(ConsentEvent.at, ConsentEvent.id)
        )
    )


def record_consent_event(
    session: Session,
    candidate: Candidate,
    event: ConsentEventKind,
    *,
    channel: ConsentChannel,
    actor_id: int | None,
    notice: AiNotice | None = None,
    at: datetime | None = None,
) -> ConsentEvent:
    """Append a ledger row and update the candidate's current consent state in the same transaction.

    Consent counts only for a notice the candidate was shown; only given consent can be withdrawn.
    """
    notice = notice or current_notice(session)
    ledger = consent_ledger(session, candidate.id)
    if event is ConsentEventKind.CONSENT_GIVEN and not any(
        row.event is ConsentEventKind.NOTICE_SHOWN and row.notice_id == notice.id for row in ledger
    ):
        raise DomainError(
            f"Record that notice version {notice.version} was shown first: consent counts only for "
            "a notice the candidate has seen."
        )
    if event is ConsentEventKind.CONSENT_WITHDRAWN and candidate.consent_status is not (
        ConsentStatus.CONSENTED
    ):
        raise DomainError("There is no consent to withdraw: the candidate has not consented.")
    at = at or utcnow()
    row = ConsentEvent(
        candidate_id=candidate.id,
        event=event,
        notice_id=notice.id,
        notice_hash=notice.body_hash,
        channel=channel,
        actor_id=actor_id,
        at=at,
    )
    session.add(row)
    before = candidate.consent_status
    if event is ConsentEventKind.NOTICE_SHOWN:
        if candidate.consent_status is not ConsentStatus.CONSENTED:
            candidate.consent_status = ConsentStatus.NOTICE_SENT
    else:
        candidate.consent_status = STATUS_AFTER[event]
    candidate.consent_updated_at = at
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action=f"consent.{event.value}",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"{event.label} (notice v{notice.version}, {channel.label.lower()})",
        before={"consent_status": before.value},
        after={"consent_status": candidate.consent_status.value, "notice_version": notice.version},
    )
    return row


# ---------------------------------------------------------------- roles and the judge


def role_requires_consent(session: Session, role_id: int) -> bool:
    setting = session.get(RoleAiConsent, role_id)
    return bool(setting and setting.requires_consent)


def set_role_requires_consent(
    session: Session, role: JobRole, requires: bool, *, actor_id: int | None
) -> RoleAiConsent:
    """Turn the consent requirement of a role's LLM judge on or off; audited."""
    setting = session.get(RoleAiConsent, role.id)
    before = bool(setting and setting.requires_consent)
    if setting is None:
        setting = RoleAiConsent(role_id=role.id)
        session.add(setting)
    setting.requires_consent, setting.updated_by_id = requires, actor_id
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="role.ai_consent_set",
        object_type="role",
        object_id=role.id,
        summary=f"{role.title}: the LLM judge {'needs' if requires else 'does not need'} the "
        "candidate's consent",
        before={"requires_consent": before},
        after={"requires_consent": requires},
    )
    return setting


@dataclass(frozen=True)
class JudgeStanding:
    role: JobRole
    requires_consent: bool
    allowed: bool


def judge_standing(session: Session, candidate: Candidate) -> list[JudgeStanding]:
    """For each of the candidate's roles: whether the LLM judge may score their answers now."""
    consented = candidate.consent_status is ConsentStatus.CONSENTED
    standings = []
    for application in candidate.applications:
        requires = role_requires_consent(session, application.role_id)
        standings.append(JudgeStanding(application.role, requires, consented or not requires))
    return standings


def answer_candidates(session: Session, answer: Answer) -> list[tuple[Candidate, int]]:
    """The (candidate, role id) pairs whose transcripts contain this answer."""
    rows = session.execute(
        select(Candidate, Application.role_id)
        .join(Application, Application.candidate_id == Candidate.id)
        .join(InterviewLoop, InterviewLoop.application_id == Application.id)
        .join(InterviewRound, InterviewRound.loop_id == InterviewLoop.id)
        .join(Transcript, Transcript.round_id == InterviewRound.id)
        .join(TranscriptAnswer, TranscriptAnswer.transcript_id == Transcript.id)
        .where(TranscriptAnswer.answer_id == answer.id)
    )
    return [(candidate, role_id) for candidate, role_id in rows]


def judge_consent_rule(session: Session, answer: Answer) -> tuple[bool, str | None]:
    """Refuse the judge when the answer is a candidate's whose role requires consent they lack."""
    for candidate, role_id in answer_candidates(session, answer):
        if candidate.consent_status is not ConsentStatus.CONSENTED and role_requires_consent(
            session, role_id
        ):
            return False, JUDGE_REFUSAL
    return True, None


def register_judge_consent_rule(app: Flask) -> None:
    """Make every scoring path ask the candidate's consent before the LLM judge runs."""
    register_judge_rule(app, judge_consent_rule)


def get_notice(session: Session, notice_id: int) -> AiNotice:
    return get_or_raise(session, AiNotice, notice_id, "No such notice.")
