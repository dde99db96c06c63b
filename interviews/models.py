"""Interview data: loop templates and each role's loop, loop instances per application with their
rounds, scorecards, transcripts aligned to questions, debriefs with sealed votes, decisions, offers."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth import User
from core.db import Base, str_enum, utcnow
from hiring.models import Application, JobRole
from rubrics.models import Answer, Question


class RoundKind(enum.StrEnum):
    SCREEN = "screen"
    ML_THEORY = "ml_theory"
    SYSTEM_DESIGN = "system_design"
    CODING = "coding"
    BEHAVIOURAL = "behavioural"
    TAKE_HOME = "take_home"  # take-home or case study
    OTHER = "other"

    @property
    def label(self) -> str:
        return ROUND_KIND_LABELS[self]


ROUND_KIND_LABELS = {
    RoundKind.SCREEN: "Recruiter screen",
    RoundKind.ML_THEORY: "ML theory",
    RoundKind.SYSTEM_DESIGN: "System design",
    RoundKind.CODING: "Coding",
    RoundKind.BEHAVIOURAL: "Behavioural",
    RoundKind.TAKE_HOME: "Take-home / case study",
    RoundKind.OTHER: "Other",
}


class BlindMode(enum.StrEnum):
    """When an interviewer may see colleagues' scorecards and AI scores for a candidate."""

    NEVER = "never"  # not blind: visible at any time
    AFTER_OWN_SUBMISSION = "after_own_submission"  # once their own scorecard is submitted
    ALWAYS = "always"  # only once the debrief has opened


class TieBreak(enum.StrEnum):
    HIRING_MANAGER = "hiring_manager"  # the hiring manager decides mixed signals
    BAR_RAISER_VETO = "bar_raiser_veto"  # and a bar raiser's No/Strong No blocks a hire


class TemplateStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class LoopStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    DEBRIEF = "debrief"
    DECIDED = "decided"
    CANCELLED = "cancelled"


class ScorecardStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Recommendation(enum.StrEnum):
    """A scorecard's overall recommendation; the first four are also the debrief vote values."""

    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"
    NO_DECISION = "no_decision"

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self.value]


RECOMMENDATION_LABELS = {
    "strong_no": "Strong No",
    "no": "No",
    "yes": "Yes",
    "strong_yes": "Strong Yes",
    "no_decision": "No decision",
}


class Vote(enum.StrEnum):
    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self.value]


class TranscriptStatus(enum.StrEnum):
    ALIGNED = "aligned"  # segmented and aligned; waiting for the interviewer to check and score
    SCORING = "scoring"
    SCORED = "scored"
    FAILED = "failed"


class DecisionOutcome(enum.StrEnum):
    HIRE = "hire"
    NO_HIRE = "no_hire"
    HOLD = "hold"


class OfferStatus(enum.StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"


round_interviewers = Table(
    "loop_round_interviewers",
    Base.metadata,
    Column("round_id", ForeignKey("loop_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class LoopTemplate(Base):
    """An interview plan: ordered rounds and the competencies they assess.

    Library templates (``role_id`` NULL) ship with Loopwise; a role's own loop is a copy of one,
    edited and published by the hiring manager, with the role's blind mode and decision rules.
    """

    __tablename__ = "loop_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    family: Mapped[str] = mapped_column(String(60), default="")  # the JD template key it suits
    role_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_roles.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[TemplateStatus] = mapped_column(
        str_enum(TemplateStatus), default=TemplateStatus.DRAFT
    )
    # [{"key", "title", "description", "must_haves": [JD must-have lines it assesses]}]
    competencies: Mapped[list[Any]] = mapped_column(default=list)
    blind_mode: Mapped[BlindMode] = mapped_column(
        str_enum(BlindMode, 32), default=BlindMode.AFTER_OWN_SUBMISSION
    )
    tie_break: Mapped[TieBreak] = mapped_column(str_enum(TieBreak), default=TieBreak.HIRING_MANAGER)
    bar_raiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    offer_approver_role: Mapped[str] = mapped_column(String(40), default="admin")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    role: Mapped[JobRole | None] = relationship()
    bar_raiser: Mapped[User | None] = relationship(foreign_keys=[bar_raiser_id])
    rounds: Mapped[list[LoopRound]] = relationship(
        back_populates="template", order_by="LoopRound.position", cascade="all, delete-orphan"
    )


class LoopRound(Base):
    """One round of a loop template: its kind, length, focus competencies, questions, interviewers."""

    __tablename__ = "loop_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("loop_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[RoundKind] = mapped_column(str_enum(RoundKind))
    title: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(default=45)
    competencies: Mapped[list[Any]] = mapped_column(default=list)  # competency keys
    question_ids: Mapped[list[Any]] = mapped_column(default=list)  # rubrics.questions ids, in order
    notes: Mapped[str] = mapped_column(Text, default="")

    template: Mapped[LoopTemplate] = relationship(back_populates="rounds")
    interviewers: Mapped[list[User]] = relationship(secondary=round_interviewers)


class InterviewLoop(Base):
    """A role's loop as run for one application: its rounds, scorecards, debrief and decisions."""

    __tablename__ = "interview_loops"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    template_id: Mapped[int] = mapped_column(ForeignKey("loop_templates.id"), index=True)
    status: Mapped[LoopStatus] = mapped_column(str_enum(LoopStatus), default=LoopStatus.SCHEDULED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship()
    template: Mapped[LoopTemplate] = relationship()
    rounds: Mapped[list[InterviewRound]] = relationship(
        back_populates="loop", order_by="InterviewRound.position", cascade="all, delete-orphan"
    )
    debrief: Mapped[Debrief | None] = relationship(back_populates="loop", cascade="all, delete-orphan")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="loop", order_by="Decision.id", cascade="all, delete-orphan"
    )


class InterviewRound(Base):
    """A scheduled round of a loop instance (a snapshot of its template round, plus date and place)."""

    __tablename__ = "interview_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(
        ForeignKey("interview_loops.id", ondelete="CASCADE"), index=True
    )
    template_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("loop_rounds.id", ondelete="SET NULL")
    )
    position: Mapped[int]
    kind: Mapped[RoundKind] = mapped_column(str_enum(RoundKind))
    title: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(default=45)
    competencies: Mapped[list[Any]] = mapped_column(default=list)
    question_ids: Mapped[list[Any]] = mapped_column(default=list)
    scheduled_at: Mapped[datetime | None]
    location: Mapped[str] = mapped_column(String(300), default="")  # room or video link

    loop: Mapped[InterviewLoop] = relationship(back_populates="rounds")
    scorecards: Mapped[list[Scorecard]] = relationship(
        back_populates="round", order_by="Scorecard.id", cascade="all, delete-orphan"
    )
    transcripts: Mapped[list[Transcript]] = relationship(
        back_populates="round", order_by="Transcript.id", cascade="all, delete-orphan"
    )


class Scorecard(Base):
    """One interviewer's assessment of one round: ratings with evidence notes and a recommendation.

    The row exists from assignment (a draft with nothing filled in) so that "who still owes feedback"
    is a query, and a reminder can point at it.
    """

    __tablename__ = "scorecards"
    __table_args__ = (UniqueConstraint("round_id", "interviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("interview_rounds.id", ondelete="CASCADE"), index=True
    )
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[ScorecardStatus] = mapped_column(
        str_enum(ScorecardStatus), default=ScorecardStatus.DRAFT
    )
    ratings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {competency: {"rating", "note"}}
    takeaways: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[Recommendation | None] = mapped_column(str_enum(Recommendation))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    submitted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[InterviewRound] = relationship(back_populates="scorecards")
    interviewer: Mapped[User] = relationship()
    reminders: Mapped[list[ScorecardReminder]] = relationship(
        back_populates="scorecard", order_by="ScorecardReminder.id", cascade="all, delete-orphan"
    )


class ScorecardReminder(Base):
    """A reminder sent about an overdue scorecard (always in-app; by email when SMTP is configured)."""

    __tablename__ = "scorecard_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(
        ForeignKey("scorecards.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    emailed: Mapped[bool] = mapped_column(default=False)
    email_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    scorecard: Mapped[Scorecard] = relationship(back_populates="reminders")


class Transcript(Base):
    """The text of one round's interview, segmented into answers aligned to the round's questions."""

    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("interview_rounds.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(300), default="")
    source_format: Mapped[str] = mapped_column(String(20), default="txt")  # txt, vtt, srt, docx, paste
    status: Mapped[TranscriptStatus] = mapped_column(
        str_enum(TranscriptStatus), default=TranscriptStatus.ALIGNED
    )
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[InterviewRound] = relationship(back_populates="transcripts")
    answers: Mapped[list[TranscriptAnswer]] = relationship(
        back_populates="transcript", order_by="TranscriptAnswer.index", cascade="all, delete-orphan"
    )


class TranscriptAnswer(Base):
    """One answer segment of a transcript (``body[start:end]``), the question it answers, its score."""

    __tablename__ = "transcript_answers"
    __table_args__ = (UniqueConstraint("transcript_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    alignment_confidence: Mapped[float | None]
    aligned_manually: Mapped[bool] = mapped_column(default=False)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="SET NULL"))

    transcript: Mapped[Transcript] = relationship(back_populates="answers")
    question: Mapped[Question | None] = relationship()
    answer: Mapped[Answer | None] = relationship()


class Debrief(Base):
    """A loop's debrief: opened when every scorecard is in (or early, by the hiring manager)."""

    __tablename__ = "debriefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(
        ForeignKey("interview_loops.id", ondelete="CASCADE"), unique=True
    )
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_early: Mapped[bool] = mapped_column(default=False)
    early_reason: Mapped[str] = mapped_column(Text, default="")
    revealed_at: Mapped[datetime | None]
    revealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]

    loop: Mapped[InterviewLoop] = relationship(back_populates="debrief")
    votes: Mapped[list[DebriefVote]] = relationship(
        back_populates="debrief", order_by="DebriefVote.id", cascade="all, delete-orphan"
    )


class DebriefVote(Base):
    """A panelist's sealed vote: hidden from everyone until the debrief's votes are revealed."""

    __tablename__ = "debrief_votes"
    __table_args__ = (UniqueConstraint("debrief_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debrief_id: Mapped[int] = mapped_column(ForeignKey("debriefs.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    vote: Mapped[Vote] = mapped_column(str_enum(Vote))
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

    debrief: Mapped[Debrief] = relationship(back_populates="votes")
    voter: Mapped[User] = relationship()


class Decision(Base):
    """A hiring decision and its rationale; never edited: a later one supersedes it, with a reason."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    loop_id: Mapped[int] = mapped_column(
        ForeignKey("interview_loops.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[DecisionOutcome] = mapped_column(str_enum(DecisionOutcome))
    rationale: Mapped[str] = mapped_column(Text)
    tie_break: Mapped[str] = mapped_column(String(40), default="")  # the rule applied, for the record
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL"), unique=True
    )
    supersede_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    loop: Mapped[InterviewLoop] = relationship(back_populates="decisions")
    decided_by: Mapped[User | None] = relationship()


class Offer(Base):
    """The offer hand-off of a hire decision: budget and deadline, waiting for an approver."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), unique=True)
    compensation_budget: Mapped[int]  # yearly, in whole units of ``currency``
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    deadline: Mapped[date]
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus, 32), default=OfferStatus.PENDING_APPROVAL
    )
    approver_role: Mapped[str] = mapped_column(String(40))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship()
    decision: Mapped[Decision] = relationship()
