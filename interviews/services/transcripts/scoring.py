"""Transcripts of a round: store one segmented and aligned, let people fix the alignment, and
score its answers with the rubrics engine (the scoring itself runs in an rq job)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record_audit
from core.db import Page, get_or_raise, paginate
from core.errors import ConflictError, DomainError, NotFoundError
from core.jobs import JobRun, JobStatus, enqueue_after_commit, reconcile_run
from hiring.models import Candidate, CandidateDocument, DocumentKind
from interviews.models import InterviewRound, Transcript, TranscriptAnswer, TranscriptStatus
from interviews.services import anonymity, visibility
from interviews.services.transcripts.alignment import Encoder, QuestionTarget, align_answers
from interviews.services.transcripts.formats import TranscriptText, read_pasted_transcript
from interviews.services.transcripts.segmentation import segment_transcript
from rubrics.models import Question
from rubrics.services.judge_permission import judge_permission
from rubrics.services.scoring import MAX_ANSWER_CHARS, Scorer, record_answer, score_answer

Progress = Callable[[int, str], None]


def can_edit_transcripts(user: Any, round_: InterviewRound) -> bool:
    """Loop runners and the round's own interviewers may add transcripts, fix alignments, score."""
    if not visibility.can_view_loop(user, round_.loop):
        return False
    mine = any(card.interviewer_id == user.id for card in round_.scorecards)
    return bool(user.roles & visibility.LOOP_RUNNERS) or mine


def get_transcript(session: Session, transcript_id: int) -> Transcript:
    return get_or_raise(session, Transcript, transcript_id, "No such transcript.")


def lock_transcript_candidate(session: Session, transcript_id: int) -> Transcript | None:
    """The transcript read again after locking its candidate's row (on PostgreSQL, until the
    transaction ends), or None once it is gone. An erasure of the candidate takes the same lock, so
    a scoring job never writes back what was erased while it ran."""
    transcript = session.get(Transcript, transcript_id)
    if transcript is None:
        return None
    candidate_id = transcript.round.loop.application.candidate_id
    session.execute(select(Candidate.id).where(Candidate.id == candidate_id).with_for_update())
    return session.get(Transcript, transcript_id, populate_existing=True)


def get_interview_round(session: Session, round_id: int) -> InterviewRound:
    return get_or_raise(session, InterviewRound, round_id, "No such interview round.")


def loop_questions(session: Session, round_: InterviewRound) -> list[tuple[Question, InterviewRound]]:
    """Every question of the round's loop, round by round in order, with the round that asks it."""
    ids = [qid for r in round_.loop.rounds for qid in r.question_ids]
    found = {q.id: q for q in session.scalars(select(Question).where(Question.id.in_(ids)))}
    return [(found[qid], r) for r in round_.loop.rounds for qid in r.question_ids if qid in found]


def question_targets(session: Session, round_: InterviewRound) -> list[tuple[Question, QuestionTarget]]:
    """The loop's questions as alignment targets; the round's own questions are preferred."""
    targets = []
    for question, asked_in in loop_questions(session, round_):
        version = question.rubric.latest_version
        content = version.content if version is not None else question.rubric.draft
        targets.append(
            (
                question,
                QuestionTarget(
                    key=question.key,
                    title=question.title,
                    prompt=question.prompt,
                    reference_answer=(content or {}).get("reference_answer", ""),
                    in_round=asked_in.id == round_.id,
                    round_index=asked_in.position,
                ),
            )
        )
    return targets


def list_round_transcripts(
    session: Session, round_: InterviewRound, *, page: int, per_page: int
) -> Page[Transcript]:
    """The round's transcripts, newest first."""
    statement = select(Transcript).where(Transcript.round_id == round_.id).order_by(Transcript.id.desc())
    return paginate(session, statement, page, per_page)


def embedding_encoder(session: Session) -> Encoder:
    """The sentence encoder of the embedding scorer, through the database embedding cache."""
    from core.embeddings import get_model
    from rubrics.scoring.cache import EmbeddingCache
    from rubrics.scoring.embedding import EmbeddingScorer

    return EmbeddingScorer(get_model(), cache=EmbeddingCache(session)).encode


# ---------------------------------------------------------------- storing transcripts


def create_transcript(
    session: Session,
    round_: InterviewRound,
    text: TranscriptText,
    *,
    actor_id: int | None,
    encode: Encoder,
    action: str = "transcript.uploaded",
) -> Transcript:
    """Store a transcript of a round, segmented into answers aligned to the loop's questions."""
    candidate = round_.loop.application.candidate
    segments = segment_transcript(text.body, candidate_name=candidate.name)
    if not segments:
        raise DomainError(
            "No answers were found in this transcript: it needs paragraphs of the candidate's speech, "
            "or speaker-labelled turns. Nothing was saved."
        )
    too_long = [s.index + 1 for s in segments if len(s.text) > MAX_ANSWER_CHARS]
    if too_long:
        raise DomainError(
            f"Answer {too_long[0]} is longer than {MAX_ANSWER_CHARS:,} characters, more than one "
            "answer can be: separate the answers by blank lines or speaker labels. Nothing was saved."
        )
    targets = question_targets(session, round_)
    alignments = align_answers(
        [s.text for s in segments],
        [target for _, target in targets],
        encode,
        spoken_questions=[s.spoken_question for s in segments],
    )
    transcript = Transcript(
        round=round_,
        body=text.body,
        source_name=text.source_name[:300],
        source_format=text.source_format,
        status=TranscriptStatus.ALIGNED,
        uploaded_by_id=actor_id,
    )
    for segment, alignment in zip(segments, alignments, strict=True):
        question = targets[alignment.target][0] if alignment.target is not None else None
        transcript.answers.append(
            TranscriptAnswer(
                index=segment.index,
                start=segment.start,
                end=segment.end,
                text=segment.text,
                question_id=question.id if question else None,
                alignment_confidence=alignment.confidence,
            )
        )
    session.add(transcript)
    session.flush()
    aligned = sum(1 for a in transcript.answers if a.question_id is not None)
    record_audit(
        session,
        actor_id=actor_id,
        action=action,
        object_type="transcript",
        object_id=transcript.id,
        summary=f"Transcript of {round_.title} for {candidate.name}: {len(segments)} answers, "
        f"{aligned} aligned to questions ({text.source_format}{', ' if text.source_name else ''}"
        f"{text.source_name})",
        after={"round_id": round_.id, "answers": len(segments), "aligned": aligned},
    )
    return transcript


def candidate_transcripts(round_: InterviewRound) -> list[CandidateDocument]:
    """The transcripts imported with the candidate's profile."""
    documents = round_.loop.application.candidate.documents
    return [d for d in documents if d.kind is DocumentKind.TRANSCRIPT]


def import_candidate_transcript(
    session: Session, round_: InterviewRound, document_id: int, *, actor_id: int | None, encode: Encoder
) -> Transcript:
    """Use a transcript imported with the candidate's profile as this round's transcript."""
    document = next((d for d in candidate_transcripts(round_) if d.id == document_id), None)
    if document is None:
        raise NotFoundError("That transcript is not among this candidate's imported transcripts.")
    text = read_pasted_transcript(document.body)
    name = document.source_name or document.title or f"document {document.id}"
    text = TranscriptText(body=text.body, source_format="txt", source_name=name)
    return create_transcript(
        session, round_, text, actor_id=actor_id, encode=encode, action="transcript.imported"
    )


def delete_transcript(session: Session, transcript: Transcript, *, actor_id: int | None) -> None:
    """Remove a transcript and its answers (scores already made stay in the rubrics records)."""
    if transcript.status is TranscriptStatus.SCORING:
        raise ConflictError("The transcript is being scored; wait for the job to finish.")
    record_audit(
        session,
        actor_id=actor_id,
        action="transcript.deleted",
        object_type="transcript",
        object_id=transcript.id,
        summary=f"Transcript {transcript.id} of {transcript.round.title} removed",
        before={"round_id": transcript.round_id, "answers": len(transcript.answers)},
    )
    session.delete(transcript)
    session.flush()


# ---------------------------------------------------------------- fixing the alignment


def set_answer_question(
    session: Session,
    transcript: Transcript,
    answer_row_id: int,
    question_id: int | None,
    *,
    actor_id: int | None,
) -> TranscriptAnswer:
    """Align one answer by hand (None: it answers none of the questions); audited."""
    if transcript.status is TranscriptStatus.SCORING:
        raise ConflictError("The transcript is being scored; fix the alignment once the job is done.")
    row = next((a for a in transcript.answers if a.id == answer_row_id), None)
    if row is None:
        raise NotFoundError("That answer is not part of this transcript.")
    allowed = {q.id: q for q, _ in loop_questions(session, transcript.round)}
    if question_id is not None and question_id not in allowed:
        raise DomainError("Choose one of the questions of this loop.")
    before = {"question_id": row.question_id, "confidence": row.alignment_confidence}
    if row.question_id != question_id:
        row.answer_id = None  # the old score belongs to another question's rubric
        if transcript.status is TranscriptStatus.SCORED:
            transcript.status = TranscriptStatus.ALIGNED
    row.question_id = question_id
    row.alignment_confidence = 1.0
    row.aligned_manually = True
    title = allowed[question_id].title if question_id is not None else "no question"
    record_audit(
        session,
        actor_id=actor_id,
        action="transcript.alignment_fixed",
        object_type="transcript",
        object_id=transcript.id,
        summary=f"Answer {row.index + 1} of transcript {transcript.id} aligned to {title}",
        before=before,
        after={"question_id": question_id, "answer_index": row.index},
    )
    return row


# ---------------------------------------------------------------- scoring


def start_scoring(
    session: Session, transcript: Transcript, *, actor_id: int | None, judge_runs: int = 1
) -> JobRun:
    """Queue the scoring of the transcript's aligned answers (after commit)."""
    from interviews.jobs.transcripts import score_transcript_job

    refresh_status(session, transcript)
    if transcript.status is TranscriptStatus.SCORING:
        raise ConflictError("This transcript is already being scored.")
    aligned = [a for a in transcript.answers if a.question is not None]
    if not aligned:
        raise DomainError(
            "No answer is aligned to a question, so there is nothing to score: align answers first."
        )
    unpublished = sorted({a.question.title for a in aligned if a.question.rubric.latest_version is None})
    if unpublished:
        raise DomainError(
            f"These questions have no published rubric yet: {', '.join(unpublished)}. Publish them, "
            "or align their answers to other questions."
        )
    run = enqueue_after_commit(
        session,
        score_transcript_job,
        created_by_id=actor_id,
        transcript_id=transcript.id,
        judge_runs=max(1, min(5, judge_runs)),
    )
    transcript.status, transcript.job_run_id = TranscriptStatus.SCORING, run.id
    record_audit(
        session,
        actor_id=actor_id,
        action="transcript.scoring_started",
        object_type="transcript",
        object_id=transcript.id,
        summary=f"Scoring {len(aligned)} answers of transcript {transcript.id}",
        after={"job_run_id": run.id, "answers": len(aligned)},
    )
    return run


def refresh_status(session: Session, transcript: Transcript) -> Transcript:
    """Mark a transcript FAILED when its scoring job failed or its worker died (it can be retried).

    The job cannot record this itself: a failed job's writes are rolled back with it. Pages and
    the status endpoint call this when they look, like ``core.jobs.reconcile_run``.
    """
    if transcript.status is not TranscriptStatus.SCORING or transcript.job_run_id is None:
        return transcript
    run = session.get(JobRun, transcript.job_run_id)
    if run is not None:
        reconcile_run(session, run)
    if run is None or run.status is JobStatus.FAILED:
        transcript.status = TranscriptStatus.FAILED
    return transcript


def score_transcript(
    session: Session,
    transcript: Transcript,
    *,
    embedding_scorer: Scorer,
    judge_scorer: Scorer | None = None,
    judge_runs: int = 1,
    actor_id: int | None = None,
    progress: Progress = lambda percent, message: None,
) -> dict[str, Any]:
    """Score every aligned answer (stored verdicts are reused) and link the answers; idempotent."""
    rows = [row for row in transcript.answers if row.question is not None]
    share = 90 / max(1, len(rows))
    refusals: set[str] = set()
    for number, row in enumerate(rows):
        progress(5 + int(number * share), f"Answer {number + 1} of {len(rows)}: {row.question.title}")
        text = anonymity.scoring_text(transcript.round.loop.application, row.text)
        answer = record_answer(session, question=row.question, text=text, actor_id=actor_id)
        row.answer_id = answer.id  # linked first: the judge's permission rules follow the link
        allowed, refusal = judge_permission(session, answer)
        if not allowed:
            refusals.add(refusal or "refused")
        score_answer(
            session,
            answer,
            embedding_scorer=embedding_scorer,
            judge_scorer=judge_scorer if allowed else None,
            judge_runs=judge_runs,
            progress=lambda percent, message, start=5 + number * share, shown=row.index + 1: progress(
                int(start + share * percent / 100), f"Answer {shown}: {message}"
            ),
        )
    transcript.status = TranscriptStatus.SCORED
    progress(98, "Saving")
    summary: dict[str, Any] = {
        "transcript_id": transcript.id,
        "answers_scored": len(rows),
        "unaligned": len(transcript.answers) - len(rows),
    }
    if refusals:
        summary["judge_not_run"] = "; ".join(sorted(refusals))
    # Counts only, never levels: the audit trail feeds webhooks (the scores.ready event).
    record_audit(
        session,
        actor_id=actor_id,
        action="transcript.scored",
        object_type="transcript",
        object_id=transcript.id,
        summary=f"Scored {len(rows)} answers of transcript {transcript.id}",
        after={
            "answers_scored": len(rows),
            "unaligned": summary["unaligned"],
            "round_id": transcript.round_id,
            "application_id": transcript.round.loop.application_id,
        },
    )
    return summary
