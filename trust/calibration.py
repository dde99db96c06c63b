"""Interviewer calibration: how each interviewer rates, next to the colleagues who saw the same
candidates. Computed from submitted scorecards only (trust.reliability.submitted_cards).

Per interviewer: the distribution of their 1-4 ratings; **leniency**, the mean of (their rating −
the mean of the other interviewers' ratings of the same candidate on the same competency), with a
95 % interval from a bootstrap over candidates (a candidate's comparisons move together); the share
of "No decision" recommendations; evidence-note adherence (ratings whose note has at least
MIN_NOTE_WORDS words: submitting already requires a note, this asks for a real one); and the median
turnaround from the end of the interview to the submission.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interviews.models import Recommendation
from trust.reliability import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    CONFIDENCE,
    RATING_LEVELS,
    Scale,
    SubmittedCard,
    competency_values,
)

MIN_CO_RATED = 5  # candidates shared with colleagues, below which leniency is not shown
MIN_SCORECARDS = 5  # scorecards, below which rates and medians carry a small-sample warning
MIN_NOTE_WORDS = 5  # "Good." or "Solid answer" is not evidence


@dataclass(frozen=True)
class Leniency:
    value: float | None
    low: float | None
    high: float | None
    se: float | None
    n_comparisons: int  # (candidate, competency) pairs compared with colleagues
    n_candidates: int
    note: str = ""

    @property
    def shown(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Share:
    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True)
class InterviewerCalibration:
    interviewer_id: int
    name: str
    n_scorecards: int
    n_candidates: int
    distribution: tuple[int, ...]  # number of ratings 1, 2, 3, 4
    mean_rating: float | None
    leniency: Leniency
    no_decision: Share  # of scorecards
    evidence: Share  # of ratings
    turnaround_hours: float | None  # median
    n_turnaround: int  # scorecards with a scheduled round to measure from
    warnings: tuple[str, ...]

    @property
    def n_ratings(self) -> int:
        return sum(self.distribution)

    @property
    def small_sample(self) -> bool:
        return self.n_scorecards < MIN_SCORECARDS


@dataclass(frozen=True)
class CalibrationReport:
    interviewers: tuple[InterviewerCalibration, ...]
    n_scorecards: int
    n_candidates: int

    @property
    def empty(self) -> bool:
        return not self.interviewers

    @property
    def leniency_scale(self) -> Scale:
        """Symmetric around 0: at least ±1 level, wide enough for every interval shown."""
        bounds = [(row.leniency.low, row.leniency.high) for row in self.interviewers]
        reach = max([1.0] + [abs(bound) for pair in bounds for bound in pair if bound is not None])
        reach = min(3.0, float(np.ceil(reach * 2) / 2))
        return Scale(-reach, reach)


def word_count(text: str) -> int:
    return len(text.split())


def leniency_comparisons(cards: Sequence[SubmittedCard]) -> dict[int, list[tuple[int, float]]]:
    """Interviewer → [(candidate, own rating − mean of the others' ratings)], one per candidate and
    competency that someone else also rated."""
    comparisons: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for values in competency_values(cards).values():
        by_unit: dict[int, dict[int, float]] = defaultdict(dict)
        for (application_id, interviewer_id), value in values.items():
            by_unit[application_id][interviewer_id] = value
        for application_id, raters in by_unit.items():
            if len(raters) < 2:
                continue
            total = sum(raters.values())
            for interviewer_id, value in raters.items():
                others = (total - value) / (len(raters) - 1)
                comparisons[interviewer_id].append((application_id, value - others))
    return comparisons


def leniency_estimate(
    comparisons: Sequence[tuple[int, float]],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Leniency:
    """The mean difference and its interval from a bootstrap that resamples candidates."""
    by_candidate: dict[int, list[float]] = defaultdict(list)
    for application_id, difference in comparisons:
        by_candidate[application_id].append(difference)
    n_candidates, n = len(by_candidate), len(comparisons)
    if n_candidates < MIN_CO_RATED:
        plural = "" if n_candidates == 1 else "s"
        note = f"not enough data (n = {n_candidates} co-rated candidate{plural})"
        return Leniency(None, None, None, None, n, n_candidates, note)
    sums = np.array([sum(values) for values in by_candidate.values()])
    counts = np.array([len(values) for values in by_candidate.values()])
    value = float(sums.sum() / counts.sum())
    draws = np.random.default_rng(seed).integers(0, n_candidates, (resamples, n_candidates))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = (float(x) for x in np.percentile(means, [tail, 100 - tail]))
    return Leniency(value, low, high, float(means.std(ddof=1)), n, n_candidates)


def _hours(card: SubmittedCard) -> float | None:
    if card.round_end is None or card.submitted_at is None:
        return None
    return (card.submitted_at - card.round_end).total_seconds() / 3600


def calibration_report(cards: Sequence[SubmittedCard]) -> CalibrationReport:
    """One row per interviewer with a submitted scorecard, by name."""
    comparisons = leniency_comparisons(cards)
    by_interviewer: dict[int, list[SubmittedCard]] = defaultdict(list)
    for card in cards:
        by_interviewer[card.interviewer_id].append(card)
    rows = []
    for interviewer_id, own in by_interviewer.items():
        ratings = [r for card in own for r in card.ratings if r.rating is not None]
        distribution = tuple(sum(1 for r in ratings if r.rating == level) for level in RATING_LEVELS)
        hours = [h for h in map(_hours, own) if h is not None]
        leniency = leniency_estimate(comparisons.get(interviewer_id, []))
        no_decision = Share(
            sum(1 for card in own if card.recommendation is Recommendation.NO_DECISION), len(own)
        )
        warnings = []
        if len(own) < MIN_SCORECARDS:
            warnings.append(
                f"Small sample: {len(own)} scorecard{'' if len(own) == 1 else 's'}; the rates and "
                "the median can move a lot with the next one."
            )
        if not leniency.shown:
            warnings.append(f"Leniency: {leniency.note}.")
        rows.append(
            InterviewerCalibration(
                interviewer_id=interviewer_id,
                name=own[0].interviewer_name,
                n_scorecards=len(own),
                n_candidates=len({card.application_id for card in own}),
                distribution=distribution,
                mean_rating=statistics.fmean(r.rating for r in ratings) if ratings else None,
                leniency=leniency,
                no_decision=no_decision,
                evidence=Share(
                    sum(1 for r in ratings if word_count(r.note) >= MIN_NOTE_WORDS), len(ratings)
                ),
                turnaround_hours=statistics.median(hours) if hours else None,
                n_turnaround=len(hours),
                warnings=tuple(warnings),
            )
        )
    rows.sort(key=lambda row: (row.name.casefold(), row.interviewer_id))
    return CalibrationReport(
        interviewers=tuple(rows),
        n_scorecards=len(cards),
        n_candidates=len({card.application_id for card in cards}),
    )
