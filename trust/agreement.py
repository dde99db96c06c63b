"""Human–AI agreement: how well each AI scorer's levels follow the interviewers' ratings.

The join is the debrief's (``interviews.services.debriefs.evidence``): a transcript answer counts
under the round that asks its question (the transcript's own round when none does), and for every
competency that round assesses. So an interviewer's submitted rating of competency C in round R
pairs with each AI scorer's level on the answers counted under R: the mean level of those answers
(all of them for the competency's row, those scored with one rubric for the rubric's row).

Each scorer's own level is used (its latest verdict on the answer, first run), never the
combination or a person's override; "insufficient evidence" counts as level 1, and an unavailable
or failed verdict is left out. Figures per scorer: n pairs, quadratic weighted κ (the AI level
rounded to the nearest whole level, 1-4) and Spearman's ρ; under ``MIN_PAIRS`` pairs a figure is
"not enough data".
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import fmean

from sklearn.metrics import cohen_kappa_score
from sqlalchemy import select
from sqlalchemy.orm import Session

from interviews.models import InterviewLoop, InterviewRound, ScorecardStatus, Transcript
from interviews.services.debriefs.evidence import competency_titles, rating_of
from rubrics.evaluation import spearman
from rubrics.models import Answer, ScoreStatus

MIN_PAIRS = 10
AI_SCORERS = ("embedding", "judge")
SCORER_LABELS = {"embedding": "Embedding match", "judge": "LLM judge"}
LEVELS = (1, 2, 3, 4)
ALL_RUBRICS = ""  # the rubric key of a competency's row over every question of the round


@dataclass(frozen=True)
class Pair:
    """An interviewer's rating of a competency beside one AI scorer's mean level on the answers."""

    competency: str
    rubric: str  # a rubric key, or ALL_RUBRICS
    scorer: str
    human: int
    ai: float
    scorecard_id: int


@dataclass(frozen=True)
class ScorerAgreement:
    scorer: str
    n: int
    kappa: float | None  # None: not enough data, or undefined (one level only on both sides)
    spearman: float | None

    @property
    def label(self) -> str:
        return SCORER_LABELS.get(self.scorer, self.scorer)

    @property
    def enough(self) -> bool:
        return self.n >= MIN_PAIRS

    @property
    def not_enough_text(self) -> str:
        return f"not enough data (n = {self.n})"


@dataclass(frozen=True)
class AgreementRow:
    competency: str
    title: str  # the competency's title, or the rubric's for a rubric row
    rubric: str
    scorers: tuple[ScorerAgreement, ...]  # one per AI_SCORERS, in that order

    @property
    def n(self) -> int:
        return max((s.n for s in self.scorers), default=0)


@dataclass(frozen=True)
class CompetencyBlock:
    row: AgreementRow  # every question of the rounds that assess it
    rubrics: tuple[AgreementRow, ...]  # one per rubric of those questions


@dataclass(frozen=True)
class AgreementReport:
    overall: AgreementRow
    competencies: tuple[CompetencyBlock, ...]
    rubrics: tuple[AgreementRow, ...]  # each rubric over every competency of the rounds asking it
    loops: int
    scorecards: int
    answers: int
    min_pairs: int = MIN_PAIRS


# ---------------------------------------------------------------- figures


def nearest_level(level: float) -> int:
    """A fractional AI level as the whole level it is closest to (halves round up), 1-4."""
    return min(LEVELS[-1], max(LEVELS[0], int(math.floor(level + 0.5))))


def weighted_kappa(human: Sequence[int], ai: Sequence[float]) -> float | None:
    """Quadratic weighted κ of interviewers' ratings and AI levels (rounded), on the levels 1-4."""
    rounded = [nearest_level(level) for level in ai]
    if len(human) < 2 or (len(set(human)) < 2 and len(set(rounded)) < 2):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(list(human), rounded, weights="quadratic", labels=list(LEVELS))
    return None if math.isnan(value) else round(float(value), 3)


def scorer_agreement(scorer: str, pairs: Sequence[Pair]) -> ScorerAgreement:
    """n, κ and ρ of one scorer's pairs; no figure under MIN_PAIRS pairs."""
    if len(pairs) < MIN_PAIRS:
        return ScorerAgreement(scorer, len(pairs), None, None)
    human = [p.human for p in pairs]
    ai = [p.ai for p in pairs]
    rho = spearman([float(h) for h in human], ai)
    return ScorerAgreement(
        scorer, len(pairs), weighted_kappa(human, ai), None if math.isnan(rho) else round(rho, 3)
    )


def agreement_row(competency: str, title: str, rubric: str, pairs: Iterable[Pair]) -> AgreementRow:
    by_scorer: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        by_scorer[pair.scorer].append(pair)
    scorers = tuple(scorer_agreement(name, by_scorer.get(name, [])) for name in AI_SCORERS)
    return AgreementRow(competency, title, rubric, scorers)


# ---------------------------------------------------------------- pairs


def scorer_levels(answer: Answer) -> dict[str, float]:
    """Each AI scorer's own level on an answer: its latest first-run verdict, without overrides."""
    levels: dict[str, float] = {}
    for score in answer.scores:  # in the order they were made
        if score.run != 0 or score.scorer not in AI_SCORERS:
            continue
        if score.status is ScoreStatus.SCORED and score.level is not None:
            levels[score.scorer] = score.level
        elif score.status is ScoreStatus.INSUFFICIENT_EVIDENCE:
            levels[score.scorer] = 1.0
        else:
            levels.pop(score.scorer, None)  # the latest verdict is unavailable: no level
    return levels


def _round_levels(loop: InterviewLoop) -> dict[int, dict[str, dict[str, list[float]]]]:
    """round id → rubric key → scorer → levels of the answers counted under that round."""
    asked_in: dict[int, InterviewRound] = {}
    for round_ in loop.rounds:
        for question_id in round_.question_ids:
            asked_in.setdefault(question_id, round_)
    levels: dict[int, dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for round_ in loop.rounds:
        for transcript in round_.transcripts:
            for segment in transcript.answers:
                answer = segment.answer
                if answer is None or answer.question is None:
                    continue
                target = asked_in.get(segment.question_id or answer.question_id, round_)
                for scorer, level in scorer_levels(answer).items():
                    levels[target.id][answer.question.rubric.key][scorer].append(level)
    return levels


def loop_pairs(loop: InterviewLoop) -> list[Pair]:
    """The loop's pairs: per submitted rating and AI scorer, over the round's answers and per rubric."""
    levels = _round_levels(loop)
    pairs = []
    for round_ in loop.rounds:
        by_rubric = levels.get(round_.id)
        if not by_rubric:
            continue
        every: dict[str, list[float]] = defaultdict(list)
        for by_scorer in by_rubric.values():
            for scorer, values in by_scorer.items():
                every[scorer] += values
        for card in round_.scorecards:
            if card.status is not ScorecardStatus.SUBMITTED:
                continue
            for competency in round_.competencies:
                rating, _note = rating_of(card, competency)
                if rating is None:
                    continue
                for scorer, values in every.items():
                    pairs.append(Pair(competency, ALL_RUBRICS, scorer, rating, fmean(values), card.id))
                for rubric, by_scorer in by_rubric.items():
                    for scorer, values in by_scorer.items():
                        pairs.append(Pair(competency, rubric, scorer, rating, fmean(values), card.id))
    return pairs


def loops_with_transcripts(session: Session) -> list[InterviewLoop]:
    rounds_with_transcripts = select(InterviewRound.loop_id).join(Transcript).distinct()
    return list(
        session.scalars(
            select(InterviewLoop)
            .where(InterviewLoop.id.in_(rounds_with_transcripts))
            .order_by(InterviewLoop.id)
        )
    )


# ---------------------------------------------------------------- the report


def agreement_report(session: Session) -> AgreementReport:
    """Per competency, and per rubric within it, each AI scorer's agreement with the interviewers."""
    loops = loops_with_transcripts(session)
    pairs: list[Pair] = []
    titles: dict[str, str] = {}
    rubric_titles: dict[str, str] = {}
    answers = 0
    for loop in loops:
        for key, title in competency_titles(loop).items():
            titles.setdefault(key, title)
        for round_ in loop.rounds:
            for transcript in round_.transcripts:
                for segment in transcript.answers:
                    if segment.answer is not None and segment.answer.question is not None:
                        answers += 1
                        rubric = segment.answer.question.rubric
                        rubric_titles.setdefault(rubric.key, rubric.title)
        pairs += loop_pairs(loop)
    whole = [p for p in pairs if p.rubric == ALL_RUBRICS]
    blocks = []
    for competency in sorted({p.competency for p in whole}, key=lambda key: titles.get(key, key)):
        mine = [p for p in pairs if p.competency == competency]
        rows = tuple(
            agreement_row(
                competency,
                rubric_titles.get(rubric, rubric),
                rubric,
                [p for p in mine if p.rubric == rubric],
            )
            for rubric in sorted({p.rubric for p in mine if p.rubric != ALL_RUBRICS})
        )
        head = agreement_row(
            competency,
            titles.get(competency, competency),
            ALL_RUBRICS,
            [p for p in mine if p.rubric == ALL_RUBRICS],
        )
        blocks.append(CompetencyBlock(head, rows))
    by_rubric = tuple(
        agreement_row(
            "", rubric_titles.get(rubric, rubric), rubric, [p for p in pairs if p.rubric == rubric]
        )
        for rubric in sorted({p.rubric for p in pairs if p.rubric != ALL_RUBRICS})
    )
    return AgreementReport(
        overall=agreement_row("", "All competencies", ALL_RUBRICS, whole),
        competencies=tuple(blocks),
        rubrics=by_rubric,
        loops=len(loops),
        scorecards=len({p.scorecard_id for p in whole}),
        answers=answers,
    )
