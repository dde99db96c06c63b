"""The interview side of the API's shapes: loops, scorecards, transcripts, scores, debriefs, decisions.

Feedback that the caller may not see yet (blind until submitted, sealed votes) is never put in a
response: those fields are null, and ``hidden_reason`` says why.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StrictInt

from api.schemas import Out, PageQuery, QueryId, Strict, Text, UtcDatetime
from core.jobs import JobStatus
from interviews.models import (
    BlindMode,
    DecisionOutcome,
    LoopStatus,
    Recommendation,
    RoundKind,
    ScorecardStatus,
    TranscriptStatus,
    Vote,
)
from interviews.services.debriefs import MAX_TEXT_CHARS
from interviews.services.decisions import MAX_RATIONALE_CHARS
from interviews.services.scorecards import MAX_NOTE, MAX_TAKEAWAYS
from interviews.services.transcripts.formats import MAX_TRANSCRIPT_BYTES

HIDDEN_REASON = "Why the fields above are null for this caller; null when nothing is hidden."

# ---------------------------------------------------------------- query strings


class LoopQuery(PageQuery):
    role_id: QueryId | None = None
    status: LoopStatus | None = None


class TranscriptQuery(PageQuery):
    pass


# ---------------------------------------------------------------- bodies


class RatingIn(Strict):
    rating: StrictInt | None = Field(None, ge=1, le=4, description="1 to 4; null while undecided.")
    note: Annotated[Text, Field(max_length=MAX_NOTE)] = ""


class ScorecardSave(Strict):
    """The whole scorecard: competencies left out are saved as unrated, without evidence."""

    ratings: dict[Annotated[Text, Field(max_length=120)], RatingIn] = Field(
        default_factory=dict, max_length=50, description="By competency key of the round."
    )
    takeaways: Annotated[Text, Field(max_length=MAX_TAKEAWAYS)] = ""
    recommendation: Recommendation | None = None
    submit: StrictBool = Field(
        False, description="Submit it (it must be complete); false saves a draft."
    )


class TranscriptCreate(Strict):
    text: Annotated[Text, Field(max_length=MAX_TRANSCRIPT_BYTES)] = Field(
        description="The transcript as plain text: paragraphs or speaker-labelled turns."
    )
    source_name: Annotated[Text, Field(max_length=300)] = ""


class ScoringStart(Strict):
    judge_runs: StrictInt = Field(1, ge=1, le=5, description="How many times the LLM judge is asked.")


class VoteCreate(Strict):
    vote: Vote
    comment: Annotated[Text, Field(max_length=MAX_TEXT_CHARS)] = ""


class RevealCreate(Strict):
    pass


class DecisionCreate(Strict):
    outcome: DecisionOutcome
    rationale: Annotated[Text, Field(min_length=1, max_length=MAX_RATIONALE_CHARS)]
    supersede_reason: Annotated[Text, Field(max_length=MAX_RATIONALE_CHARS)] = Field(
        "", description="Required when a decision is already recorded: why this one replaces it."
    )


# ---------------------------------------------------------------- loops


class PersonOut(Out):
    id: int
    name: str


class ScorecardStateOut(BaseModel):
    """Who owes feedback on a round: status only, never ratings."""

    id: int
    interviewer: PersonOut
    status: ScorecardStatus
    submitted_at: UtcDatetime | None
    due_at: UtcDatetime | None


class RoundOut(BaseModel):
    id: int
    position: int
    kind: RoundKind
    title: str
    duration_minutes: int
    scheduled_at: UtcDatetime | None
    location: str
    interviewers: list[PersonOut]
    scorecards: list[ScorecardStateOut]


class LoopOut(BaseModel):
    id: int
    application_id: int
    role_id: int
    candidate: str = Field(description="The candidate's name, or a pseudonym on anonymised review.")
    status: LoopStatus
    blind_mode: BlindMode
    debrief_open: bool
    created_at: UtcDatetime


class LoopDetailOut(LoopOut):
    rounds: list[RoundOut]


class LoopPage(BaseModel):
    items: list[LoopOut]
    next_cursor: str | None


# ---------------------------------------------------------------- scorecards


class RatingOut(BaseModel):
    competency: str
    title: str
    rating: int | None
    note: str


class ScorecardOut(BaseModel):
    id: int
    loop_id: int
    round_id: int
    round_title: str
    interviewer: PersonOut
    is_own: bool
    status: ScorecardStatus
    submitted_at: UtcDatetime | None
    due_at: UtcDatetime | None
    editable: bool = Field(description="The caller's own scorecard, on a loop still taking feedback.")
    ratings: list[RatingOut] | None
    takeaways: str | None
    recommendation: Recommendation | None
    hidden_reason: str | None = Field(description=HIDDEN_REASON)


class ScorecardList(BaseModel):
    loop_id: int
    feedback_visible: bool
    hidden_reason: str | None = Field(description="Why colleagues' feedback is hidden, if it is.")
    items: list[ScorecardOut]


# ---------------------------------------------------------------- transcripts and scores


class AlignedAnswerOut(BaseModel):
    index: int
    question_id: int | None
    question_title: str | None
    alignment_confidence: float | None
    aligned_manually: bool


class JobRunOut(Out):
    id: int
    title: str
    status: JobStatus
    progress: int
    message: str
    created_at: UtcDatetime


class TranscriptOut(BaseModel):
    id: int
    round_id: int
    status: TranscriptStatus
    source_format: str
    source_name: str
    created_at: UtcDatetime
    answers: list[AlignedAnswerOut]
    job_run: JobRunOut | None


class TranscriptPage(BaseModel):
    items: list[TranscriptOut]
    next_cursor: str | None


class ScoringStarted(BaseModel):
    transcript_id: int
    transcript_status: TranscriptStatus
    job_run: JobRunOut


class EvidenceOut(BaseModel):
    quote: str
    located: bool = Field(description="Whether the quote was found verbatim in the answer.")


class ScorerOut(BaseModel):
    scorer: str
    status: str
    level: float | None
    model: str
    flags: list[str]
    error: str | None
    evidence: list[EvidenceOut]


class CriterionOut(BaseModel):
    key: str
    title: str
    embedding: float | None
    judge: float | None
    level: float | None
    disagreement: bool


class AnswerScoreOut(BaseModel):
    index: int
    text: str = Field(
        description="The answer as the caller may read it (redacted on anonymised review)."
    )
    question_id: int | None
    question_title: str | None
    alignment_confidence: float | None
    flags: list[str]
    embedding: ScorerOut | None
    judge: ScorerOut | None
    overall: float | None
    disagreement: bool | None = Field(
        description="The embedding match and the judge differ by 1.5 levels or more (overall or on "
        "a criterion); null while the answer is not scored or its scores are hidden."
    )
    criteria: list[CriterionOut]


class TranscriptScoresOut(BaseModel):
    transcript_id: int
    round_id: int
    status: TranscriptStatus
    scores_visible: bool
    hidden_reason: str | None = Field(description=HIDDEN_REASON)
    answers: list[AnswerScoreOut]


# ---------------------------------------------------------------- debriefs and decisions


class BallotOut(BaseModel):
    voter: PersonOut
    voted: bool
    vote: Vote | None = Field(description="Null while the votes are sealed (except one's own).")
    comment: str
    cast_at: UtcDatetime | None
    is_own: bool


class DebriefOut(BaseModel):
    loop_id: int
    status: str = Field(description="not_open, open, revealed or closed.")
    opened_at: UtcDatetime | None
    opened_early: bool
    revealed_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    voted_count: int
    ballots: list[BallotOut]
    tally: dict[str, int] = Field(description="Votes per option; empty until revealed.")
    hidden_reason: str | None = Field(description=HIDDEN_REASON)


class DecisionOut(Out):
    id: int
    loop_id: int
    outcome: DecisionOutcome
    rationale: str
    tie_break: str
    decided_by_id: int | None
    supersedes_id: int | None
    supersede_reason: str
    created_at: UtcDatetime


class DecisionList(BaseModel):
    loop_id: int
    current_id: int | None = Field(description="The decision in force (the latest not superseded).")
    items: list[DecisionOut] = Field(description="Newest first.")
