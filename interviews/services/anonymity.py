"""Anonymised review on the interviews pages and for the AI scorers.

When an application's role has ``anonymised_review`` on, a user who is only an interviewer sees the
candidate as a pseudonym ("Candidate C-<application id>") and every profile text, portfolio
document and transcript redacted by ``core.redaction``, each redaction marked; hiring managers,
recruiters and admins see the real text with the same spans marked as hidden from interviewers.
Both AI scorers are given the redacted text of a transcript answer (``scoring_text``), so the
rubrics Answer, its scores and its evidence quotes never hold what was redacted.

Every interviews template prints a candidate's name or text through the template globals that
interviews.views.anonymity registers on these functions, never ``candidate.name`` directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.redaction import Redaction, redact, redact_label
from hiring.models import Application, Candidate
from hiring.services.anonymised import candidate_label, identity_hidden, pseudonym
from interviews.services.transcripts.results import AnswerResult, Quote, locate_quotes

__all__ = [
    "ReviewMode",
    "Segment",
    "Shown",
    "candidate_label",
    "pseudonym",
    "review_mode",
    "scoring_text",
    "show_text",
]

KIND_LABELS = {
    "name": ("name", "names"),
    "email": ("email", "emails"),
    "phone": ("phone number", "phone numbers"),
    "url": ("link", "links"),
    "pronoun": ("pronoun", "pronouns"),
    "age": ("age", "ages"),
    "school": ("school", "schools"),
}


@dataclass(frozen=True)
class ReviewMode:
    """How one user reviews one application: ``anonymised`` (the role's flag) and ``hidden``
    (this user sees the pseudonym and redacted text)."""

    anonymised: bool
    hidden: bool
    label: str  # what this user calls the candidate
    pseudonym: str  # what interviewers call the candidate
    known_names: tuple[str, ...]

    @property
    def banner(self) -> str:
        if not self.anonymised:
            return ""
        if self.hidden:
            return (
                "Anonymised review: this role hides candidates' names, contact details, links, "
                "pronouns, ages and schools from interviewers. Judge the answers, not the person."
            )
        return (
            f"Anonymised for interviewers: they see this candidate as {self.pseudonym}, with the "
            "marked details redacted; you see the real data."
        )


def known_names(candidate: Candidate) -> tuple[str, ...]:
    """The names whose parts are redacted wherever they appear in the candidate's texts."""
    return tuple(name for name in (candidate.name,) if name)


def review_mode(user: Any, application: Application) -> ReviewMode:
    """How ``user`` sees ``application``'s candidate on the interviews pages."""
    anonymised = bool(application.role.anonymised_review)
    hidden = identity_hidden(user, application.role)
    return ReviewMode(
        anonymised=anonymised,
        hidden=hidden,
        label=candidate_label(user, application),
        pseudonym=pseudonym(application),
        known_names=known_names(application.candidate),
    )


def redact_for(application: Application, text: str) -> Redaction:
    return redact(text, known_names=known_names(application.candidate))


def scoring_text(application: Application, text: str) -> str:
    """The text both AI scorers are given for a candidate's answer: redacted on an anonymised role."""
    if not application.role.anonymised_review:
        return text
    return redact_for(application, text).text


# ---------------------------------------------------------------- shown text


@dataclass(frozen=True)
class Segment:
    """A run of shown text: evidence of some scorers, and/or a redaction of some kind."""

    text: str
    scorers: tuple[str, ...] = ()
    redacted: str = ""  # the kind hidden ("name", "email", ...), "" when not a redaction
    original: str = ""  # the redacted words, only for those allowed to see them


@dataclass(frozen=True)
class Shown:
    """A text as one user may see it, cut into segments, with the redactions counted by kind."""

    segments: tuple[Segment, ...]
    counts: dict[str, int] = field(default_factory=dict)
    hidden: bool = False  # placeholders shown instead of the words
    anonymised: bool = False

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)

    @property
    def summary(self) -> str:
        """The redactions in words, e.g. "2 names, 1 email" ("" when nothing was redacted)."""
        parts = []
        for kind, count in self.counts.items():
            one, many = KIND_LABELS[kind]
            parts.append(f"{count} {one if count == 1 else many}")
        return ", ".join(parts)


def cut_segments(
    text: str,
    quotes: Iterable[tuple[int, int, str]],
    redactions: Iterable[tuple[int, int, str, str]] = (),
) -> list[Segment]:
    """Cut ``text`` at evidence ranges (start, end, scorer) and redacted ranges (start, end, kind,
    original); each segment carries the scorers whose evidence covers it and its redaction."""
    quotes = [(max(0, a), min(len(text), b), s) for a, b, s in quotes if a < b]
    redactions = [(a, b, k, o) for a, b, k, o in redactions if a < b]
    cuts = {0, len(text)}
    for start, end, *_ in (*quotes, *redactions):
        cuts.update((start, end))
    points = sorted(point for point in cuts if 0 <= point <= len(text))
    segments: list[Segment] = []
    for start, end in zip(points, points[1:], strict=False):
        scorers = tuple(sorted({s for a, b, s in quotes if a <= start and end <= b}))
        covering = next(((k, o) for a, b, k, o in redactions if a <= start and end <= b), ("", ""))
        segment = Segment(text[start:end], scorers, *covering)
        previous = segments[-1] if segments else None
        if (
            previous
            and (previous.scorers, previous.redacted) == (scorers, segment.redacted)
            and (not segment.redacted)
        ):
            segments[-1] = Segment(previous.text + segment.text, scorers)
        else:
            segments.append(segment)
    return segments


def show_redaction(
    redaction: Redaction | None,
    mode: ReviewMode,
    quotes: Sequence[tuple[int, int, str]] = (),
) -> Shown:
    """The text of ``redaction`` as ``mode`` allows, with evidence ``quotes`` given in the
    original text's coordinates."""
    if redaction is None:
        return Shown(tuple(), {}, mode.hidden, mode.anonymised)
    if not mode.anonymised:
        return Shown(tuple(cut_segments(redaction.original, quotes)), {}, False, False)
    if mode.hidden:
        mapped = [
            (redaction.to_redacted(a), redaction.to_redacted(b, end=True), s) for a, b, s in quotes
        ]
        marks = [(s.out_start, s.out_end, s.kind, "") for s in redaction.spans]
        segments = cut_segments(redaction.text, mapped, marks)
    else:
        marks = [(s.start, s.end, s.kind, s.original) for s in redaction.spans]
        segments = cut_segments(redaction.original, quotes, marks)
    return Shown(tuple(segments), redaction.counts(), mode.hidden, True)


def show_text(mode: ReviewMode, text: str, quotes: Sequence[tuple[int, int, str]] = ()) -> Shown:
    """A candidate's text (profile, document, transcript) as ``mode`` allows."""
    if not mode.anonymised:
        return Shown(tuple(cut_segments(text or "", quotes)), {}, False, False)
    return show_redaction(redact(text or "", known_names=mode.known_names), mode, quotes)


def show_label(mode: ReviewMode, text: str) -> str:
    """A short label about the candidate (a file name, a document title) as ``mode`` allows."""
    if not mode.hidden:
        return text
    return redact_label(text, known_names=mode.known_names)


# ---------------------------------------------------------------- a transcript


@dataclass(frozen=True)
class ShownAnswer:
    result: AnswerResult
    shown: Shown
    quotes: tuple[Quote, ...]  # for the scorer panels: shown text, start None when not found


@dataclass(frozen=True)
class ShownTranscript:
    answers: tuple[ShownAnswer, ...]
    body: Shown
    source_name: str


def _row_quotes(
    result: AnswerResult, redaction: Redaction | None
) -> list[tuple[str, int | None, int | None, str]]:
    """Each evidence quote of the answer's scorers located in the answer's original text:
    (quote, start, end, scorer). A quote from the redacted text is mapped back to the original."""
    located = []
    for scorer_result in (result.embedding, result.judge):
        in_original = locate_quotes(scorer_result, result.row.text)
        in_redacted = locate_quotes(scorer_result, redaction.text) if redaction else []
        by_quote = {quote.quote: quote for quote in in_redacted if quote.start is not None}
        for quote in in_original:
            if quote.start is not None:
                located.append((quote.quote, quote.start, quote.end, quote.scorer))
            elif quote.quote in by_quote and redaction is not None:
                mapped = by_quote[quote.quote]
                start = redaction.to_original(mapped.start or 0)
                end = redaction.to_original(mapped.end or 0, end=True)
                located.append((quote.quote, start, end, quote.scorer))
            else:
                located.append((quote.quote, None, None, quote.scorer))
    return located


def show_transcript(
    mode: ReviewMode, transcript: Any, results: Sequence[AnswerResult], *, with_evidence: bool
) -> ShownTranscript:
    """A transcript's answers and body as ``mode`` allows, evidence highlighted when visible.

    Evidence quoted from the redacted text the scorers were given is located in the original and
    then shown in whichever text the user sees; a quote found in neither is listed as not found."""
    answers = []
    body_quotes: list[tuple[int, int, str]] = []
    for result in results:
        row = result.row
        redaction = redact(row.text, known_names=mode.known_names) if mode.anonymised else None
        located = _row_quotes(result, redaction) if with_evidence else []
        spans = [(a, b, s) for _, a, b, s in located if a is not None and b is not None]
        body_quotes += [(row.start + a, row.start + b, s) for a, b, s in spans]
        if redaction is None:
            redaction = Redaction(row.text, row.text, ())
        panel_quotes = tuple(
            Quote(
                quote=show_text(mode, quote).text if mode.hidden else quote,
                start=a,
                end=b,
                scorer=scorer,
            )
            for quote, a, b, scorer in located
        )
        answers.append(ShownAnswer(result, show_redaction(redaction, mode, spans), panel_quotes))
    body = show_text(mode, transcript.body, body_quotes if with_evidence else ())
    source = show_label(mode, transcript.source_name or "")
    return ShownTranscript(tuple(answers), body, source)
