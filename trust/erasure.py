"""Erasure of a candidate's personal data, on request or by the retention rule.

The candidate row is anonymised in place rather than deleted, so that the funnel's anonymous counts
stay true: applications and their stage history, loops, rounds, scorecard ratings, votes and
decisions remain, stripped of every text about the person. Removed outright: documents,
touchpoints, pool memberships, transcripts with their answers, the scored answers with their scores
and evidence, the profile vector, the embedding-cache rows of their texts, rows of any other table
with a ``candidate_id`` column (found by reflection), and the rq job hashes in Redis that mention
them. Job runs and audit events keep their action, object and time, with personal text replaced by
``[erased]``. A ``candidate_erasures`` row records who erased whom, when, and counts only.

Erasure first locks the candidate's row, as the transcript scoring job does, so a job that is
running finishes before the erasure reads what to remove, and a job that starts later finds the
transcript gone. Erasing twice is a no-op.
"""

from __future__ import annotations

import enum
import json
import logging
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
from flask import current_app, has_app_context
from sqlalchemy import ForeignKey, String, Text, cast, delete, inspect, or_, select, update
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.audit import AuditEvent, record_audit
from core.db import Base, str_enum, utcnow
from core.errors import DomainError, NotFoundError
from core.jobs import JobRun, get_redis
from hiring.models import (
    Application,
    Candidate,
    CandidateDocument,
    CandidateMerge,
    StageChange,
    Touchpoint,
    pool_members,
)
from interviews.models import (
    Debrief,
    DebriefVote,
    Decision,
    InterviewLoop,
    InterviewRound,
    Offer,
    Scorecard,
    ScorecardReminder,
    Transcript,
    TranscriptAnswer,
)
from interviews.services.transcripts.segmentation import segment_transcript
from matching.models import CandidateVector
from matching.profiles import chunk
from rubrics.models import Answer, EmbeddingCacheEntry, Score, ScoreOverride
from rubrics.scoring.cache import embedding_key
from rubrics.scoring.text import split_sentences

log = logging.getLogger(__name__)

ERASED = "[erased]"
ERASED_NAME = "Erased candidate"
REQUEST_DAYS = 30  # answer an erasure request within this many days (Illinois AIVIA: 30)
KEPT_TABLES = frozenset({"applications", "consent_events", "erasure_requests", "candidate_erasures"})
# Audit events of these actions carry no personal data and are the proof of what was done.
KEPT_ACTIONS = ("consent.", "erasure.")


class ErasureReason(enum.StrEnum):
    REQUEST = "request"
    RETENTION = "retention"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class ErasureRequest(Base):
    """A candidate's request to erase their data: when it came, and by when it must be done."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), default=RequestStatus.OPEN)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None]

    def overdue(self, now: datetime) -> bool:
        return self.status is RequestStatus.OPEN and _aware(self.due_at) < now


class CandidateErasure(Base):
    """The record that a candidate was erased: when, by whom, why, and counts of what was removed."""

    __tablename__ = "candidate_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[ErasureReason] = mapped_column(str_enum(ErasureReason))
    erased_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")  # e.g. "Redis unreachable: keys left"


@dataclass(frozen=True)
class ErasureOutcome:
    erasure: CandidateErasure
    already: bool  # the candidate had been erased before: nothing was done

    @property
    def message(self) -> str:
        if self.already:
            return (
                f"Candidate #{self.erasure.candidate_id} was already erased on "
                f"{_aware(self.erasure.erased_at):%Y-%m-%d}; there is nothing left to remove."
            )
        removed = sum(v for v in self.erasure.counts.values() if isinstance(v, int))
        return f"Candidate #{self.erasure.candidate_id} erased: {removed} records removed or cleared."


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they are UTC."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------- requests


def find_erasure(session: Session, candidate_id: int) -> CandidateErasure | None:
    return session.scalar(select(CandidateErasure).where(CandidateErasure.candidate_id == candidate_id))


def erasure_requests(session: Session, candidate_id: int) -> list[ErasureRequest]:
    return list(
        session.scalars(
            select(ErasureRequest)
            .where(ErasureRequest.candidate_id == candidate_id)
            .order_by(ErasureRequest.requested_at)
        )
    )


def record_erasure_request(
    session: Session,
    candidate: Candidate,
    *,
    channel: str,
    actor_id: int | None,
    requested_at: datetime | None = None,
    days: int | None = None,
) -> ErasureRequest:
    """Log a candidate's request for erasure, due ``days`` (default 30) after it was received."""
    if find_erasure(session, candidate.id) is not None:
        raise DomainError("This candidate has already been erased; there is nothing left to remove.")
    requested_at = requested_at or utcnow()
    days = days if days is not None else _request_days()
    request = ErasureRequest(
        candidate_id=candidate.id,
        requested_at=requested_at,
        due_at=requested_at + timedelta(days=days),
        channel=(channel or "")[:40],
        recorded_by_id=actor_id,
    )
    session.add(request)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="erasure.requested",
        object_type="candidate",
        object_id=candidate.id,
        summary=f"Erasure requested for candidate #{candidate.id}, due {request.due_at:%Y-%m-%d}",
        after={"request_id": request.id, "due_at": request.due_at.isoformat()},
    )
    return request


def _request_days() -> int:
    if has_app_context():
        return int(current_app.config.get("ERASURE_REQUEST_DAYS") or REQUEST_DAYS)
    return REQUEST_DAYS


# ---------------------------------------------------------------- erasure


def erase_candidate(
    session: Session,
    candidate_id: int,
    *,
    actor_id: int | None,
    reason: ErasureReason = ErasureReason.REQUEST,
) -> ErasureOutcome:
    """Erase a candidate's personal data everywhere, keeping anonymous counts; a no-op if done before."""
    # The lock a running scoring job holds (interviews.services.transcripts.scoring); wait for it.
    session.execute(select(Candidate.id).where(Candidate.id == candidate_id).with_for_update())
    candidate = session.get(Candidate, candidate_id, populate_existing=True)
    if candidate is None:
        raise NotFoundError("No such candidate.")
    done = find_erasure(session, candidate_id)
    if done is not None:
        return ErasureOutcome(done, already=True)

    counts: Counter[str] = Counter()
    duplicates = list(session.scalars(select(Candidate).where(Candidate.merged_into_id == candidate_id)))
    personal, texts, related = set(), [], _Related()
    for person in [candidate, *duplicates]:
        personal |= personal_strings(person)
        texts += _collect(session, person, related)
    keys_by_text = _embedding_texts(texts, candidate.name)

    _clear_interview_texts(session, related, counts)
    _remove_answers(session, related, counts)
    counts["embedding_cache"] += _remove_cache_rows(session, keys_by_text)
    for person in [candidate, *duplicates]:
        _remove_profile_rows(session, person.id, counts)
        _anonymise(person)
    counts["candidates"] = 1 + len(duplicates)
    note = ""
    counts["job_runs"] += _scrub_job_runs(session, personal, related)
    counts["audit_events"] += _scrub_audit(session, personal, related)
    redis_keys, note = _scrub_redis(personal, related.rq_job_ids)
    counts["redis_keys"] += redis_keys

    erasure = CandidateErasure(
        candidate_id=candidate_id,
        reason=reason,
        erased_by_id=actor_id,
        counts=dict(sorted(counts.items())),
        note=note,
    )
    session.add(erasure)
    for request in erasure_requests(session, candidate_id):
        if request.status is RequestStatus.OPEN:
            request.status, request.completed_at = RequestStatus.DONE, utcnow()
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="erasure.done",
        object_type="candidate",
        object_id=candidate_id,
        summary=f"Candidate #{candidate_id} erased ({reason.value})",
        after={"erasure_id": erasure.id, **erasure.counts},
    )
    return ErasureOutcome(erasure, already=False)


def personal_strings(candidate: Candidate) -> set[str]:
    """The strings that identify the person, searched for in free text (job runs, audit, Redis)."""
    values = [candidate.name, candidate.referrer_name, *candidate.emails, *candidate.phones]
    values += [str(link) for link in candidate.links or []]
    return {value.strip() for value in values if isinstance(value, str) and len(value.strip()) >= 4}


@dataclass
class _Related:
    candidates: set[int] | None = None
    applications: set[int] | None = None
    loops: set[int] | None = None
    rounds: set[int] | None = None
    transcripts: set[int] | None = None
    answers: set[int] | None = None
    rq_job_ids: set[str] | None = None

    def __post_init__(self) -> None:
        for name in (
            "candidates",
            "applications",
            "loops",
            "rounds",
            "transcripts",
            "answers",
            "rq_job_ids",
        ):
            setattr(self, name, set())


def _ids(session: Session, statement: Any) -> set[int]:
    return set(session.scalars(statement))


def _collect(session: Session, candidate: Candidate, related: _Related) -> list[str]:
    """Gather the ids of what is about the candidate, and every text of theirs that may be embedded."""
    applications = _ids(session, select(Application.id).where(Application.candidate_id == candidate.id))
    loops = _ids(session, select(InterviewLoop.id).where(InterviewLoop.application_id.in_(applications)))
    rounds = _ids(session, select(InterviewRound.id).where(InterviewRound.loop_id.in_(loops)))
    transcripts = list(session.scalars(select(Transcript).where(Transcript.round_id.in_(rounds))))
    answer_ids = {row.answer_id for t in transcripts for row in t.answers if row.answer_id is not None}
    related.candidates.add(candidate.id)
    related.applications |= applications
    related.loops |= loops
    related.rounds |= rounds
    related.transcripts |= {t.id for t in transcripts}
    related.answers |= answer_ids
    texts = [candidate.headline, candidate.summary]
    texts += [
        ", ".join(str(entry[key]) for key in ("title", "company") if entry.get(key))
        for entry in candidate.work_history or []
        if isinstance(entry, dict)
    ]
    texts += [document.body for document in candidate.documents]
    texts += [t.body for t in transcripts] + [row.text for t in transcripts for row in t.answers]
    texts += list(session.scalars(select(Answer.text).where(Answer.id.in_(answer_ids))))
    return [text for text in texts if text]


def _embedding_texts(texts: Iterable[str], name: str) -> set[str]:
    """Every unit of these texts that the scorers, the aligner or matching may have embedded."""
    units: set[str] = set()
    for text in texts:
        units.add(text)
        units.add(text.strip())
        units.update(sentence.text for sentence in split_sentences(text))
        units.update(passage.text for passage in chunk(text, "erasure"))
        try:
            segments = segment_transcript(text, candidate_name=name)
        except Exception:  # noqa: BLE001 - a text that is no transcript has no segments to add
            segments = []
        for segment in segments:
            units.update(sentence.text for sentence in split_sentences(segment.text))
            if segment.spoken_question.strip():
                units.add(segment.spoken_question.strip())
    return {unit for unit in units if unit}


def _remove_cache_rows(session: Session, units: set[str]) -> int:
    models = list(session.scalars(select(EmbeddingCacheEntry.model).distinct()))
    keys = [embedding_key(model, unit) for model in models for unit in units]
    removed = 0
    for first in range(0, len(keys), 500):
        result = session.execute(
            delete(EmbeddingCacheEntry).where(
                EmbeddingCacheEntry.text_hash.in_(keys[first : first + 500])
            )
        )
        removed += result.rowcount or 0
    return removed


def _clear_interview_texts(session: Session, related: _Related, counts: Counter[str]) -> None:
    """Delete transcripts; keep ratings, votes and decisions but clear every text written about them."""
    for transcript in session.scalars(select(Transcript).where(Transcript.id.in_(related.transcripts))):
        counts["transcript_answers"] += len(transcript.answers)
        session.delete(transcript)
        counts["transcripts"] += 1
    for card in session.scalars(select(Scorecard).where(Scorecard.round_id.in_(related.rounds))):
        card.ratings = {
            key: {**value, "note": ""} if isinstance(value, dict) else value
            for key, value in (card.ratings or {}).items()
        }
        card.takeaways = ""
        counts["scorecards_cleared"] += 1
    cards = select(Scorecard.id).where(Scorecard.round_id.in_(related.rounds))
    counts["reminders_cleared"] += (
        session.execute(
            update(ScorecardReminder)
            .where(ScorecardReminder.scorecard_id.in_(cards))
            .values(message=ERASED, email_error="")
        ).rowcount
        or 0
    )
    debriefs = select(Debrief.id).where(Debrief.loop_id.in_(related.loops))
    session.execute(
        update(Debrief)
        .where(Debrief.id.in_(debriefs), Debrief.early_reason != "")
        .values(early_reason=ERASED)
    )
    counts["votes_cleared"] += (
        session.execute(
            update(DebriefVote).where(DebriefVote.debrief_id.in_(debriefs)).values(comment="")
        ).rowcount
        or 0
    )
    counts["decisions_cleared"] += (
        session.execute(
            update(Decision).where(Decision.loop_id.in_(related.loops)).values(rationale=ERASED)
        ).rowcount
        or 0
    )
    session.execute(
        update(Decision)
        .where(Decision.loop_id.in_(related.loops), Decision.supersede_reason != "")
        .values(supersede_reason=ERASED)
    )
    session.execute(
        update(Offer).where(Offer.application_id.in_(related.applications)).values(review_note="")
    )
    session.execute(
        update(Application)
        .where(Application.id.in_(related.applications), Application.rejection_reason != "")
        .values(rejection_reason=ERASED)
    )
    session.execute(
        update(StageChange)
        .where(StageChange.application_id.in_(related.applications), StageChange.reason != "")
        .values(reason=ERASED)
    )
    session.flush()


def _remove_answers(session: Session, related: _Related, counts: Counter[str]) -> None:
    """Delete the scored answers with their scores, evidence and overrides, unless another
    candidate's transcript holds the very same answer (answers are shared by identical text)."""
    shared = _ids(
        session,
        select(TranscriptAnswer.answer_id).where(TranscriptAnswer.answer_id.in_(related.answers)),
    )
    doomed = sorted(related.answers - shared)
    if not doomed:
        return
    scores = select(Score.id).where(Score.answer_id.in_(doomed))
    session.execute(delete(ScoreOverride).where(ScoreOverride.score_id.in_(scores)))
    counts["scores"] += session.execute(delete(Score).where(Score.answer_id.in_(doomed))).rowcount or 0
    counts["answers"] += session.execute(delete(Answer).where(Answer.id.in_(doomed))).rowcount or 0


def _remove_profile_rows(session: Session, candidate_id: int, counts: Counter[str]) -> None:
    counts["documents"] += (
        session.execute(
            delete(CandidateDocument).where(CandidateDocument.candidate_id == candidate_id)
        ).rowcount
        or 0
    )
    counts["touchpoints"] += (
        session.execute(delete(Touchpoint).where(Touchpoint.candidate_id == candidate_id)).rowcount or 0
    )
    counts["pool_memberships"] += (
        session.execute(delete(pool_members).where(pool_members.c.candidate_id == candidate_id)).rowcount
        or 0
    )
    counts["match_vectors"] += (
        session.execute(
            delete(CandidateVector).where(CandidateVector.candidate_id == candidate_id)
        ).rowcount
        or 0
    )
    session.execute(
        update(CandidateMerge)
        .where(
            or_(CandidateMerge.primary_id == candidate_id, CandidateMerge.duplicate_id == candidate_id)
        )
        .values(snapshot={})
    )
    # Tables of other packages (e.g. self-identification) tied to the candidate: found by reflection.
    inspector = inspect(session.connection())
    for name in inspector.get_table_names():
        if name in KEPT_TABLES or name in {"candidate_documents", "touchpoints", "pool_members"}:
            continue
        columns = {column["name"] for column in inspector.get_columns(name)}
        if "candidate_id" in columns and name != "candidate_vectors":
            other = sql_table(name, sql_column("candidate_id"))
            removed = session.execute(delete(other).where(other.c.candidate_id == candidate_id)).rowcount
            if removed:
                counts[name] += removed
    session.flush()
    session.expire_all()  # the candidate's collections changed behind the ORM's back


def _anonymise(candidate: Candidate) -> None:
    candidate.name = ERASED_NAME
    candidate.emails, candidate.phones, candidate.links = [], [], []
    candidate.location = candidate.headline = candidate.summary = ""
    candidate.work_history, candidate.skills, candidate.tags = [], [], []
    candidate.source_detail = candidate.referrer_name = ""
    candidate.not_looking_until = candidate.next_reengage_on = None


# ---------------------------------------------------------------- job runs, audit, Redis


def _replace(value: Any, personal: set[str]) -> Any:
    """``value`` (a JSON value) with every personal string in its text replaced by [erased]."""
    if isinstance(value, str):
        for needle in sorted(personal, key=len, reverse=True):
            value = value.replace(needle, ERASED)
        return value
    if isinstance(value, list):
        return [_replace(item, personal) for item in value]
    if isinstance(value, dict):
        return {key: _replace(item, personal) for key, item in value.items()}
    return value


def _mentions(columns: list[Any], personal: set[str]) -> Any:
    needles = personal | {json.dumps(p)[1:-1] for p in personal}
    return or_(*(cast(c, Text).contains(n, autoescape=True) for c in columns for n in needles))


def _scrub_job_runs(session: Session, personal: set[str], related: _Related) -> int:
    if not personal:
        return 0
    runs = session.scalars(
        select(JobRun).where(
            _mentions(
                [JobRun.arguments, JobRun.result, JobRun.message, JobRun.error, JobRun.title], personal
            )
        )
    ).all()
    for run in runs:
        run.arguments = _replace(run.arguments, personal)
        run.result = _replace(run.result, personal)
        run.message = _replace(run.message, personal)
        run.error = _replace(run.error, personal)
        run.title = _replace(run.title, personal)
        if run.done:  # a queued run's rq job carries only its id: it must still reach a worker
            related.rq_job_ids.add(run.rq_job_id)
    return len(runs)


def _scrub_audit(session: Session, personal: set[str], related: _Related) -> int:
    """Events about the candidate lose their details; other events lose the personal strings."""
    pairs = _pairs(related)
    conditions = [
        (AuditEvent.object_type == kind) & AuditEvent.object_id.in_([str(i) for i in ids])
        for kind, ids in pairs
        if ids
    ]
    if personal:
        conditions.append(_mentions([AuditEvent.summary, AuditEvent.before, AuditEvent.after], personal))
    if not conditions:
        return 0
    events = session.scalars(select(AuditEvent).where(or_(*conditions))).all()
    about = {(kind, str(i)) for kind, ids in pairs for i in ids}
    changed = 0
    for event in events:
        if event.action.startswith(KEPT_ACTIONS):
            continue
        if (event.object_type, event.object_id) in about:
            event.summary = ERASED
            event.before = {"details": ERASED} if event.before is not None else None
            event.after = {"details": ERASED} if event.after is not None else None
        else:
            event.summary = _replace(event.summary, personal)
            event.before = _replace(event.before, personal)
            event.after = _replace(event.after, personal)
        changed += 1
    return changed


def _pairs(related: _Related) -> list[tuple[str, set[int]]]:
    return [
        ("candidate", related.candidates),
        ("application", related.applications),
        ("interview_loop", related.loops),
        ("interview_round", related.rounds),
        ("transcript", related.transcripts),
        ("answer", related.answers),
    ]


def _scrub_redis(personal: set[str], rq_job_ids: set[str]) -> tuple[int, str]:
    """Delete rq job hashes of the candidate's job runs, or whose data mentions them."""
    if not has_app_context():
        return 0, ""
    needles = [p.encode() for p in personal]
    try:
        connection = get_redis(current_app._get_current_object())  # type: ignore[attr-defined]
        doomed = [f"rq:job:{job_id}".encode() for job_id in rq_job_ids]
        for key in connection.scan_iter(match="rq:*", count=500):
            if connection.type(key) != b"hash":
                continue
            values = connection.hvals(key)
            blob = b"\0".join(_readable(value) for value in values)
            if any(needle in blob for needle in needles):
                doomed.append(key)
        removed = 0
        for key in doomed:
            job_id = key.decode().removeprefix("rq:job:")
            removed += connection.delete(key, f"rq:results:{job_id}".encode())
        return removed, ""
    except redis.RedisError as error:
        log.warning("Erasure could not reach Redis: %s", error)
        return 0, "Redis was unreachable: rq job hashes were not checked."


def _readable(value: bytes) -> bytes:
    """rq stores a job's data zlib-compressed; look inside it too."""
    try:
        return value + b"\0" + zlib.decompress(value)
    except zlib.error:
        return value
