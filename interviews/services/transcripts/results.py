"""What a scored transcript shows: per answer both scorers, their evidence located in the transcript
text, and flags for people to look at. Pure helpers are shared by the pages and the CLI."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from interviews.models import Transcript, TranscriptAnswer
from rubrics.content import parse_content
from rubrics.models import ScoreStatus
from rubrics.scoring.combine import CombinedScore
from rubrics.scoring.types import ScorerResult
from rubrics.services.scoring import AnswerScores, effective_result, scores_for

LOW_ALIGNMENT = 0.5  # below this alignment confidence, a person should check the question

FLAG_TEXT = {
    "unaligned": "Matches none of the loop's questions well; align it by hand to score it.",
    "low_alignment": "The alignment is uncertain: check that this is the right question.",
    "insufficient_evidence": "Too short or off-topic for the question: no level.",
    "disagreement": "The embedding match and the LLM judge differ by 1.5 levels or more.",
    "judge_unavailable": "The LLM judge could not be reached; the embedding score stands alone.",
    "injection": "The answer contains text addressed to the grader; it cannot raise the score.",
    "padding": "Much of the answer is repeated or off-topic; that part earns nothing.",
    "invented_quotes": "The LLM judge quoted text that is not in the answer: its levels were lowered.",
    "unsupported_level": "The LLM judge gave a level without quoting evidence; it was lowered.",
    "too_short": "The answer is too short to judge.",
    "off_topic": "The answer is off-topic for this question.",
    "human_override": "A person overrode part of a score.",
}


@dataclass(frozen=True)
class Quote:
    """An evidence quote located in a text: ``text[start:end]`` (``start`` None when not found)."""

    quote: str
    start: int | None
    end: int | None
    scorer: str


@dataclass(frozen=True)
class Piece:
    """A run of text, and the scorers whose evidence covers it (empty: not evidence)."""

    text: str
    scorers: tuple[str, ...] = ()


def locate_quotes(result: ScorerResult | None, answer: str, offset: int = 0) -> list[Quote]:
    """The result's evidence quotes (all criteria, without repeats), located verbatim in ``answer``
    and shifted by ``offset`` into the surrounding text; unverified quotes get no place."""
    if result is None or result.status is not ScoreStatus.SCORED:
        return []
    quotes: dict[str, Quote] = {}
    for criterion in result.criteria:
        for evidence in criterion.evidence:
            text = evidence.quote.strip()
            if not text or text in quotes:
                continue
            start = None
            if evidence.verified:
                if evidence.start is not None and answer.startswith(text, evidence.start):
                    start = evidence.start
                else:
                    found = answer.find(text)
                    start = found if found >= 0 else None
            quotes[text] = Quote(
                quote=text,
                start=None if start is None else start + offset,
                end=None if start is None else start + offset + len(text),
                scorer=result.scorer,
            )
    return sorted(quotes.values(), key=lambda q: (q.start is None, q.start or 0))


def highlight(text: str, quotes: Iterable[Quote], offset: int = 0) -> list[Piece]:
    """Cut ``text`` (which starts at ``offset`` of the coordinates of the quotes) into pieces, each
    marked with the scorers whose quotes cover it; the template wraps marked pieces in <mark>."""
    cuts = {0, len(text)}
    spans = []
    for quote in quotes:
        if quote.start is None or quote.end is None:
            continue
        start, end = max(0, quote.start - offset), min(len(text), quote.end - offset)
        if start < end:
            spans.append((start, end, quote.scorer))
            cuts.update((start, end))
    points = sorted(cuts)
    pieces = []
    for start, end in zip(points, points[1:], strict=False):
        scorers = tuple(sorted({s for a, b, s in spans if a <= start and end <= b}))
        if pieces and pieces[-1].scorers == scorers:
            pieces[-1] = Piece(pieces[-1].text + text[start:end], scorers)
        else:
            pieces.append(Piece(text[start:end], scorers))
    return pieces


def answer_flags(
    *,
    aligned: bool,
    confidence: float | None,
    embedding: ScorerResult | None,
    judge: ScorerResult | None,
    combined: CombinedScore | None,
    manual: bool = False,
) -> list[str]:
    """Flags of one answer, most important first."""
    if not aligned:
        return ["unaligned"]
    flags = []
    if not manual and confidence is not None and confidence < LOW_ALIGNMENT:
        flags.append("low_alignment")
    if (embedding and embedding.status is ScoreStatus.INSUFFICIENT_EVIDENCE) or (
        combined and combined.status is ScoreStatus.INSUFFICIENT_EVIDENCE
    ):
        flags.append("insufficient_evidence")
    if combined and combined.disagreement:
        flags.append("disagreement")
    if judge is not None and judge.status is ScoreStatus.UNAVAILABLE:
        flags.append("judge_unavailable")
    for result in (embedding, judge):
        for flag in result.flags if result else ():
            if flag not in flags:
                flags.append(flag)
    return flags


def _level(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def scorer_summary(result: ScorerResult | None, answer: str) -> dict[str, Any] | None:
    """A scorer's verdict as plain data: level, status, verbatim evidence quotes (and judge details)."""
    if result is None:
        return None
    summary: dict[str, Any] = {
        "level": _level(result.level) if result.status is ScoreStatus.SCORED else None,
        "evidence": [q.quote for q in locate_quotes(result, answer) if q.start is not None],
    }
    if result.scorer != "embedding":
        summary.update(status=result.status.value, model=result.model, error=result.error)
    return summary


def cli_entry(
    *,
    index: int,
    answer: str,
    question_key: str | None,
    question_title: str | None,
    confidence: float | None,
    embedding: ScorerResult | None,
    judge: ScorerResult | None,
    combined: CombinedScore | None,
) -> dict[str, Any]:
    """One answer of the `flask interviews score-transcript` JSON (the documented contract)."""
    aligned = question_key is not None
    return {
        "index": index,
        "excerpt": answer[:80],
        "question_id": question_key,
        "question": question_title,
        "alignment": None if confidence is None else round(confidence, 3),
        "embedding": scorer_summary(embedding, answer) or {"level": None, "evidence": []},
        "judge": scorer_summary(judge, answer),
        "overall": _level(combined.level) if combined and combined.level is not None else None,
        "flags": answer_flags(
            aligned=aligned, confidence=confidence, embedding=embedding, judge=judge, combined=combined
        ),
    }


# ---------------------------------------------------------------- a stored transcript


@dataclass(frozen=True)
class AnswerResult:
    """One answer of a stored transcript with its scores (None: not scored yet)."""

    row: TranscriptAnswer
    scores: AnswerScores | None
    embedding: ScorerResult | None
    judge: ScorerResult | None
    quotes: tuple[Quote, ...]  # in transcript-body coordinates
    pieces: tuple[Piece, ...]  # the answer's text, cut at its evidence
    flags: tuple[str, ...]


def transcript_results(
    session: Session, transcript: Transcript, *, with_scores: bool = True
) -> list[AnswerResult]:
    """Every answer with its alignment, located evidence and flags, and its scores unless
    ``with_scores`` is False (a user still blind to AI scores gets the alignment only)."""
    results = []
    for row in transcript.answers:
        scores = embedding = judge = None
        answer = row.answer if with_scores else None
        if answer is not None and row.question is not None and answer.question_id == row.question_id:
            version = row.question.rubric.latest_version
            stored = [s.rubric_version for s in answer.scores]
            version = max(stored, key=lambda v: v.number) if stored else version
            if version is not None:
                scores = scores_for(session, answer, version)
                content = parse_content(version.content)
                embedding = effective_result(scores.embedding, content) if scores.embedding else None
                judge = effective_result(scores.judge, content) if scores.judge else None
        quotes = tuple(
            locate_quotes(embedding, row.text, row.start) + locate_quotes(judge, row.text, row.start)
        )
        flags = answer_flags(
            aligned=row.question_id is not None,
            confidence=row.alignment_confidence,
            embedding=embedding,
            judge=judge,
            combined=scores.combined if scores else None,
            manual=row.aligned_manually,
        )
        results.append(
            AnswerResult(
                row=row,
                scores=scores,
                embedding=embedding,
                judge=judge,
                quotes=quotes,
                pieces=tuple(highlight(row.text, quotes, row.start)),
                flags=tuple(flags),
            )
        )
    return results


def body_pieces(transcript: Transcript, results: Sequence[AnswerResult]) -> list[Piece]:
    """The whole transcript body cut at every answer's evidence."""
    return highlight(transcript.body, [q for result in results for q in result.quotes])
