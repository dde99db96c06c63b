"""What the panel discusses: "who said what", the disagreement map and the evidence-first agenda.

Everything here reads through ``interviews.services.visibility``: a user sees the scorecards it
allows, and AI scores only when ``feedback_visible``. AI levels come from the scored transcript
answers (the rubrics engine's combined embedding + judge level), grouped under the round that asks
each answer's question, and count for every competency that round assesses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from sqlalchemy.orm import Session

from core.auth import User
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    Recommendation,
    Scorecard,
    ScorecardStatus,
)
from interviews.services.visibility import feedback_visible, visible_scorecards
from rubrics.services.scoring import scores_for

SPLIT_LEVELS = 2  # a spread (max - min) this large is a disagreement the panel must discuss
YES_SIDE = frozenset({Recommendation.YES, Recommendation.STRONG_YES})
NO_SIDE = frozenset({Recommendation.NO, Recommendation.STRONG_NO})


# ---------------------------------------------------------------- shared reading


def competency_titles(loop: InterviewLoop) -> dict[str, str]:
    """Competency key → title: the template's in its order, then any other key the rounds use."""
    titles = {item["key"]: item.get("title") or item["key"] for item in loop.template.competencies}
    for round_ in loop.rounds:
        for key in round_.competencies:
            titles.setdefault(key, key)
    return titles


def rating_of(card: Scorecard, key: str) -> tuple[int | None, str]:
    """The (rating, evidence note) a scorecard gives a competency; (None, "") when not rated."""
    entry = (card.ratings or {}).get(key)
    if isinstance(entry, dict):
        rating, note = entry.get("rating"), entry.get("note") or ""
    else:
        rating, note = entry, ""
    try:
        rating = int(rating) if rating not in (None, "") else None
    except (TypeError, ValueError):
        rating = None
    return rating, str(note)


def submitted(cards: list[Scorecard]) -> list[Scorecard]:
    return [card for card in cards if card.status is ScorecardStatus.SUBMITTED]


def _all_cards(loop: InterviewLoop) -> list[Scorecard]:
    return [card for round_ in loop.rounds for card in round_.scorecards]


def _spread(levels: list[float]) -> float | None:
    return max(levels) - min(levels) if len(levels) >= 2 else (0.0 if levels else None)


# ---------------------------------------------------------------- AI scores


@dataclass(frozen=True)
class AnswerLevel:
    transcript_id: int
    index: int  # TranscriptAnswer.index: the transcript page's #answer-<index> anchor
    question: str
    level: float
    question_id: int | None = None


def round_answer_levels(session: Session, round_: InterviewRound) -> list[AnswerLevel]:
    """The combined AI level of every scored answer of the round's transcripts."""
    levels = []
    for transcript in round_.transcripts:
        for segment in transcript.answers:
            answer = segment.answer
            if answer is None or answer.question is None or not answer.scores:
                continue
            version = answer.scores[-1].rubric_version  # the version it was last scored under
            combined = scores_for(session, answer, version).combined
            if combined is None or combined.level is None:
                continue
            question = segment.question.title if segment.question else answer.question.title
            question_id = segment.question_id or answer.question_id
            levels.append(
                AnswerLevel(transcript.id, segment.index, question, combined.level, question_id)
            )
    return levels


def answer_levels_by_asking_round(
    session: Session, loop: InterviewLoop
) -> list[tuple[InterviewRound, list[AnswerLevel]]]:
    """The AI levels of the loop's transcript answers, under the round that asks each question (the
    transcript's own round when none does): a whole-onsite transcript kept on one round still counts
    each answer for the competencies of the round its question belongs to."""
    asked_in: dict[int, InterviewRound] = {}
    for round_ in loop.rounds:
        for question_id in round_.question_ids:
            asked_in.setdefault(question_id, round_)
    grouped: dict[int, list[AnswerLevel]] = {round_.id: [] for round_ in loop.rounds}
    for round_ in loop.rounds:
        for item in round_answer_levels(session, round_):
            grouped[asked_in.get(item.question_id, round_).id].append(item)
    return [(round_, grouped[round_.id]) for round_ in loop.rounds if grouped[round_.id]]


def ai_overall(session: Session, loop: InterviewLoop) -> float | None:
    """The mean AI level over every scored answer of the loop (None when nothing is scored)."""
    levels = [item.level for r in loop.rounds for item in round_answer_levels(session, r)]
    return round(fmean(levels), 2) if levels else None


# ---------------------------------------------------------------- who said what


@dataclass(frozen=True)
class RatingLine:
    key: str
    title: str
    rating: int | None
    note: str


@dataclass(frozen=True)
class Testimony:
    """One scorecard in the "who said what" grid (content blank while a colleague's is a draft)."""

    scorecard_id: int
    interviewer: User
    round_title: str
    submitted: bool
    recommendation: Recommendation | None
    ratings: tuple[RatingLine, ...]
    takeaways: str

    @property
    def anchor(self) -> str:
        return f"scorecard-{self.scorecard_id}"


def who_said_what(loop: InterviewLoop, user: Any) -> list[Testimony]:
    """One row per scorecard the user may read: recommendation, ratings with notes, take-aways."""
    titles = competency_titles(loop)
    rows = []
    for card in visible_scorecards(user, loop):
        done = card.status is ScorecardStatus.SUBMITTED
        readable = done or card.interviewer_id == user.id
        keys = [key for key in titles if key in card.round.competencies or key in (card.ratings or {})]
        ratings = tuple(RatingLine(key, titles[key], *rating_of(card, key)) for key in keys)
        rows.append(
            Testimony(
                scorecard_id=card.id,
                interviewer=card.interviewer,
                round_title=card.round.title,
                submitted=done,
                recommendation=card.recommendation if readable else None,
                ratings=ratings if readable else (),
                takeaways=card.takeaways if readable else "",
            )
        )
    return rows


# ---------------------------------------------------------------- disagreement map


@dataclass(frozen=True)
class MapColumn:
    key: str
    source: str  # "human" | "ai"
    label: str  # the interviewer's name, or "AI"
    round_title: str


@dataclass(frozen=True)
class EvidenceLink:
    """Where a level's evidence is: a scorecard on the debrief page, or a transcript answer."""

    label: str
    scorecard_id: int | None = None
    transcript_id: int | None = None
    answer_index: int | None = None

    @property
    def anchor(self) -> str:
        if self.scorecard_id is not None:
            return f"scorecard-{self.scorecard_id}"
        return f"answer-{self.answer_index}"


@dataclass(frozen=True)
class MapCell:
    level: float
    note: str  # the evidence note (human) or the questions answered (AI)
    links: tuple[EvidenceLink, ...]

    @property
    def shade(self) -> int:
        """The colour step 1-4 of the level."""
        return min(4, max(1, int(self.level + 0.5)))


@dataclass(frozen=True)
class CompetencyRow:
    key: str
    title: str
    cells: tuple[MapCell | None, ...]  # aligned with DisagreementMap.columns
    spread: float | None  # max - min of the levels shown; None when nothing rated it

    @property
    def split(self) -> bool:
        return self.spread is not None and self.spread >= SPLIT_LEVELS

    @property
    def anchor(self) -> str:
        return f"map-{self.key}"


@dataclass(frozen=True)
class DisagreementMap:
    columns: tuple[MapColumn, ...]
    rows: tuple[CompetencyRow, ...]
    ai_visible: bool


def disagreement_map(session: Session, loop: InterviewLoop, user: Any) -> DisagreementMap:
    """Per competency, each interviewer's rating and the AI's level side by side, with the spread."""
    cards = submitted(visible_scorecards(user, loop))
    ai_visible = feedback_visible(user, loop)
    columns: list[MapColumn] = [
        MapColumn(f"scorecard-{card.id}", "human", card.interviewer.name, card.round.title)
        for card in cards
    ]
    ai_rounds = answer_levels_by_asking_round(session, loop) if ai_visible else []
    for round_, _levels in ai_rounds:
        columns.append(MapColumn(f"ai-round-{round_.id}", "ai", "AI", round_.title))
    rows = []
    for key, title in competency_titles(loop).items():
        cells: list[MapCell | None] = []
        for card in cards:
            rating, note = rating_of(card, key)
            link = EvidenceLink(f"{card.interviewer.name}'s scorecard", scorecard_id=card.id)
            cells.append(MapCell(float(rating), note, (link,)) if rating is not None else None)
        for round_, levels in ai_rounds:
            if key not in round_.competencies:
                cells.append(None)
                continue
            links = tuple(
                EvidenceLink(
                    f"Answer {item.index + 1}", transcript_id=item.transcript_id, answer_index=item.index
                )
                for item in levels
            )
            questions = "; ".join(dict.fromkeys(item.question for item in levels))
            cells.append(MapCell(round(fmean(item.level for item in levels), 2), questions, links))
        shown = [cell.level for cell in cells if cell is not None]
        rows.append(CompetencyRow(key, title, tuple(cells), _spread(shown)))
    return DisagreementMap(columns=tuple(columns), rows=tuple(rows), ai_visible=ai_visible)


# ---------------------------------------------------------------- agenda


@dataclass(frozen=True)
class AgendaItem:
    kind: str  # "competency" | "recommendations"
    signal: str  # "split" | "differs" | "mixed" | "unanimous" | "no evidence"
    title: str
    detail: str
    anchor: str


def _recommendation_item(cards: list[Scorecard]) -> AgendaItem | None:
    said = [card.recommendation for card in cards if card.recommendation is not None]
    if not said:
        return None
    counts = Counter(said)
    summary = ", ".join(f"{counts[r]} {r.label}" for r in Recommendation if counts.get(r))
    sides = {("yes" if r in YES_SIDE else "no") for r in said if r in YES_SIDE | NO_SIDE}
    if len(sides) > 1 or Recommendation.NO_DECISION in counts:
        return AgendaItem(
            "recommendations",
            "mixed",
            "Mixed recommendations",
            f"{summary}. Hear the dissenting interviewers first; this needs judgment.",
            "who-said-what",
        )
    return AgendaItem(
        "recommendations",
        "unanimous",
        "Unanimous recommendation",
        f"{summary}. A unanimous signal: confirm it quickly.",
        "who-said-what",
    )


def agenda(loop: InterviewLoop) -> list[AgendaItem]:
    """Order the discussion evidence first: the competencies with the largest rating spread, then
    mixed recommendations, then what the panel agrees on (quick to confirm), then gaps."""
    cards = submitted(_all_cards(loop))
    split: list[tuple[float, AgendaItem]] = []
    agreed: list[AgendaItem] = []
    gaps: list[AgendaItem] = []
    for key, title in competency_titles(loop).items():
        rated = [(card, rating_of(card, key)[0]) for card in cards]
        rated = [(card, rating) for card, rating in rated if rating is not None]
        if not rated:
            gaps.append(
                AgendaItem("competency", "no evidence", title, "Nobody rated it yet.", f"map-{key}")
            )
            continue
        levels = [rating for _, rating in rated]
        spread = max(levels) - min(levels)
        ratings = ", ".join(f"{card.interviewer.name} {rating}" for card, rating in rated)
        if spread > 0:
            signal = "split" if spread >= SPLIT_LEVELS else "differs"
            detail = f"Ratings span {min(levels)}–{max(levels)} ({ratings}): compare the evidence notes."
            split.append((spread, AgendaItem("competency", signal, title, detail, f"map-{key}")))
        else:
            detail = f"Everyone rated it {levels[0]} ({ratings})."
            agreed.append(AgendaItem("competency", "unanimous", title, detail, f"map-{key}"))
    recommendation = _recommendation_item(cards)
    items = [item for _, item in sorted(split, key=lambda pair: -pair[0])]
    if recommendation is not None and recommendation.signal == "mixed":
        items.append(recommendation)
    items.extend(agreed)
    if recommendation is not None and recommendation.signal == "unanimous":
        items.append(recommendation)
    return items + gaps
