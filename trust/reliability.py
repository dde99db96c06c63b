"""Rater reliability: how far interviewers agree when they rate the same candidates.

Two figures per round and per competency, each with a 95 % confidence interval and the counts behind
it, computed from submitted scorecards only:

- **Krippendorff's α (interval)**, by the ``krippendorff`` package, over every candidate rated by two
  interviewers or more (α takes missing ratings in its stride); its interval is a percentile
  bootstrap over candidates (seeded, so a page shows the same figures on every load).
- **ICC(2,1)** (Shrout & Fleiss 1979: two-way random effects, absolute agreement, one rater), with the
  F-based interval of McGraw & Wong (1996, table 7), the one ``pingouin.intraclass_corr`` reports.
  ICC needs a complete design (every candidate rated by the same interviewers), which panels rarely
  give; it is computed on the largest complete block, the set of interviewers who together rated the
  most candidates, and the row names them and counts the candidates left out.

A *round* is a round of a role's loop as planned (its LoopRound), followed across the candidates
whose loops were started from it; a round whose plan was deleted since is grouped by its loop, kind
and title. A rater's value for a round is the mean of their ratings of its competencies. A
*competency* is a competency of a role's loop, rated in any round that assesses it; a rater who
rated it in two rounds counts once, with the mean.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import krippendorff
import numpy as np
from scipy import stats
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from core.db import as_utc
from hiring.models import Application
from interviews.models import (
    InterviewLoop,
    InterviewRound,
    Recommendation,
    Scorecard,
    ScorecardStatus,
)
from interviews.services.debriefs.evidence import rating_of
from interviews.services.loops import round_end
from interviews.services.scorecards import RATINGS

RATING_LEVELS = tuple(RATINGS)  # 1-4, the rubric levels
MIN_UNITS = 5  # candidates rated by two interviewers or more, below which a figure is not shown
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 7
CONFIDENCE = 0.95

# Reading guides, drawn as reference lines: Krippendorff (2004) accepts α ≥ .800 and draws tentative
# conclusions from α ≥ .667; Koo & Li (2016) call an ICC under .5 poor, .5-.75 moderate, .75-.9 good.
ALPHA_MARKS = (0.667, 0.8)
ICC_MARKS = (0.5, 0.75, 0.9)

ALL_SAME = "every rating is the same: no disagreement to measure"

Values = Mapping[tuple[Hashable, Hashable], float]  # (unit, rater) → rating


# ---------------------------------------------------------------- figures over plain data


@dataclass(frozen=True)
class Estimate:
    """One reliability figure, or the reason there is none (``value`` None, ``note`` says why)."""

    value: float | None
    low: float | None
    high: float | None
    n_units: int  # candidates behind the figure
    n_raters: int  # interviewers behind it
    n_ratings: int
    note: str = ""
    raters: tuple[Hashable, ...] = ()  # ICC: the interviewers of the complete block
    units_left_out: int = 0  # ICC: co-rated candidates outside that block

    @property
    def shown(self) -> bool:
        return self.value is not None


def not_enough_data(n_units: int) -> str:
    return f"not enough data (n = {n_units} candidate{'' if n_units == 1 else 's'})"


def co_rated(values: Values) -> dict[Hashable, dict[Hashable, float]]:
    """Unit → {rater: value}, keeping only units rated by two raters or more."""
    by_unit: dict[Hashable, dict[Hashable, float]] = defaultdict(dict)
    for (unit, rater), value in values.items():
        if value is not None and not math.isnan(value):
            by_unit[unit][rater] = float(value)
    return {unit: raters for unit, raters in by_unit.items() if len(raters) >= 2}


def reliability_matrix(
    units: Mapping[Hashable, Mapping[Hashable, float]],
) -> tuple[np.ndarray, list[Hashable], list[Hashable]]:
    """A raters × units matrix (NaN where a rater did not rate a unit), with its row and column keys."""
    unit_keys = sorted(units, key=repr)
    rater_keys = sorted({rater for raters in units.values() for rater in raters}, key=repr)
    row = {rater: index for index, rater in enumerate(rater_keys)}
    matrix = np.full((len(rater_keys), len(unit_keys)), np.nan)
    for column, unit in enumerate(unit_keys):
        for rater, value in units[unit].items():
            matrix[row[rater], column] = value
    return matrix, rater_keys, unit_keys


def _alpha_from_counts(counts: np.ndarray, domain: np.ndarray) -> float:
    """Interval α from a units × values table of counts; NaN when it is undefined (one value only)."""
    if np.count_nonzero(counts.sum(axis=0)) < 2:
        return math.nan
    return float(
        krippendorff.alpha(value_counts=counts, value_domain=domain, level_of_measurement="interval")
    )


def alpha_estimate(
    values: Values, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> Estimate:
    """Krippendorff's interval α over the co-rated units, with a bootstrap interval over units."""
    units = co_rated(values)
    n_units = len(units)
    n_raters = len({rater for raters in units.values() for rater in raters})
    n_ratings = sum(len(raters) for raters in units.values())
    counts = (n_units, n_raters, n_ratings)
    if n_units < MIN_UNITS:
        return Estimate(None, None, None, *counts, note=not_enough_data(n_units))
    matrix, _raters, _units = reliability_matrix(units)
    domain = np.unique(matrix[~np.isnan(matrix)])
    # The package's own value-counts form: one row per unit, so a bootstrap resamples rows.
    table = np.stack([(matrix == value).sum(axis=0) for value in domain], axis=1)
    value = _alpha_from_counts(table, domain)
    if math.isnan(value):
        return Estimate(None, None, None, *counts, note=ALL_SAME)
    rng = np.random.default_rng(seed)
    draws = np.array(
        [_alpha_from_counts(table[rng.integers(0, n_units, n_units)], domain) for _ in range(resamples)]
    )
    draws = draws[~np.isnan(draws)]
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = (float(x) for x in np.percentile(draws, [tail, 100 - tail]))
    return Estimate(value, low, high, *counts)


@dataclass(frozen=True)
class Icc:
    """ICC(2,1) of a complete targets × raters table, with its F test and confidence interval."""

    value: float
    low: float
    high: float
    f: float
    df1: int
    df2: int
    p: float


def icc_2_1(table: np.ndarray, confidence: float = CONFIDENCE) -> Icc:
    """ICC(2,1) of an n targets × k raters table without gaps (Shrout & Fleiss 1979, case 2, from the
    two-way ANOVA mean squares), and its interval by McGraw & Wong (1996) as pingouin computes it."""
    table = np.asarray(table, dtype=float)
    n, k = table.shape
    if n < 2 or k < 2 or np.isnan(table).any():
        raise ValueError("ICC(2,1) needs at least two targets and two raters, and no missing rating.")
    grand = table.mean()
    ss_rows = k * ((table.mean(axis=1) - grand) ** 2).sum()
    ss_columns = n * ((table.mean(axis=0) - grand) ** 2).sum()
    # Never below 0 in exact arithmetic; rounding can leave -1e-16 for a purely additive table.
    ss_error = max(0.0, ((table - grand) ** 2).sum() - ss_rows - ss_columns)
    df_rows, df_columns, df_error = n - 1, k - 1, (n - 1) * (k - 1)
    ms_rows, ms_columns, ms_error = ss_rows / df_rows, ss_columns / df_columns, ss_error / df_error
    denominator = ms_rows + (k - 1) * ms_error + k * (ms_columns - ms_error) / n
    if denominator <= 0:
        raise ValueError("Every rating is the same: the ICC is undefined.")
    icc = (ms_rows - ms_error) / denominator
    f_value = ms_rows / ms_error if ms_error > 0 else math.inf
    p_value = float(stats.f.sf(f_value, df_rows, df_error)) if ms_error > 0 else 0.0
    # McGraw & Wong (1996), table 7, case 2A: Satterthwaite degrees of freedom for the interval.
    tail = (1 - confidence) / 2
    if ms_error > 0:
        f_columns = ms_columns / ms_error
        centre = n * (1 + (k - 1) * icc) - k * icc
        v = (df_error * (k * icc * f_columns + centre) ** 2) / (
            df_rows * (k * icc * f_columns) ** 2 + centre**2
        )
        f_upper = stats.f.ppf(1 - tail, df_rows, v)
        f_lower = stats.f.ppf(1 - tail, v, df_rows)
        spread = k * ms_columns + (k * n - k - n) * ms_error
        low = n * (ms_rows - f_upper * ms_error) / (f_upper * spread + n * ms_rows)
        high = n * (f_lower * ms_rows - ms_error) / (spread + n * f_lower * ms_rows)
    else:  # perfect agreement: nothing left to estimate an interval from
        low = high = icc
    return Icc(float(icc), float(low), float(high), float(f_value), df_rows, df_error, p_value)


def largest_complete_block(
    units: Mapping[Hashable, Mapping[Hashable, float]],
) -> tuple[tuple[Hashable, ...], list[Hashable]]:
    """The raters (two or more) who together rated the most units, and those units.

    Tried: every pair of raters, and every unit's full set of raters. The block that uses the most
    ratings wins; ties go to more units, then to the rater set that sorts first.
    """
    candidates: set[tuple[Hashable, ...]] = set()
    for raters in units.values():
        names = tuple(sorted(raters, key=repr))
        candidates.add(names)
        candidates.update(itertools.combinations(names, 2))
    best: tuple[tuple[int, int], tuple[Hashable, ...], list[Hashable]] | None = None
    for raters in sorted(candidates, key=repr):
        covered = [unit for unit, rated in units.items() if all(r in rated for r in raters)]
        score = (len(covered) * len(raters), len(covered))
        if best is None or score > best[0]:
            best = (score, raters, covered)
    if best is None:
        return (), []
    return best[1], sorted(best[2], key=repr)


def icc_estimate(values: Values) -> Estimate:
    """ICC(2,1) over the largest complete block of the co-rated units."""
    units = co_rated(values)
    raters, block = largest_complete_block(units)
    left_out = len(units) - len(block)
    counts = (len(block), len(raters), len(block) * len(raters))
    if len(block) < MIN_UNITS:
        return Estimate(None, None, None, *counts, not_enough_data(len(block)), raters, left_out)
    table = np.array([[units[unit][rater] for rater in raters] for unit in block])
    try:
        icc = icc_2_1(table)
    except ValueError:
        return Estimate(None, None, None, *counts, ALL_SAME, raters, left_out)
    return Estimate(icc.value, icc.low, icc.high, *counts, raters=raters, units_left_out=left_out)


# ---------------------------------------------------------------- reading the scorecards


@dataclass(frozen=True)
class ReportFilters:
    role_id: int | None = None
    since: date | None = None  # scorecards submitted on or after this day (UTC)
    until: date | None = None  # ... and on or before this one


@dataclass(frozen=True)
class CardRating:
    key: str
    title: str
    rating: int | None
    note: str


@dataclass(frozen=True)
class SubmittedCard:
    """A submitted scorecard as plain data: who rated which candidate in which round, and how."""

    scorecard_id: int
    application_id: int
    candidate_name: str
    role_id: int
    role_title: str
    template_id: int
    round_key: tuple[Any, ...]
    round_title: str
    round_position: int
    interviewer_id: int
    interviewer_name: str
    recommendation: Recommendation | None
    round_end: datetime | None
    submitted_at: datetime | None
    ratings: tuple[CardRating, ...]
    competency_order: tuple[str, ...] = field(default=())  # the loop's competency keys, in order


def round_key(round_: InterviewRound) -> tuple[Any, ...]:
    """Rounds started from the same planned round are one round of the report."""
    if round_.template_round_id is not None:
        return ("planned", round_.template_round_id)
    return ("adhoc", round_.loop.template_id, round_.kind.value, round_.title)


def submitted_cards(session: Session, filters: ReportFilters = ReportFilters()) -> list[SubmittedCard]:
    """Every submitted scorecard that the filters keep, as plain data."""
    statement = (
        select(Scorecard)
        .join(InterviewRound, InterviewRound.id == Scorecard.round_id)
        .join(InterviewLoop, InterviewLoop.id == InterviewRound.loop_id)
        .join(Application, Application.id == InterviewLoop.application_id)
        .where(Scorecard.status == ScorecardStatus.SUBMITTED)
        .options(
            joinedload(Scorecard.interviewer),
            joinedload(Scorecard.round)
            .joinedload(InterviewRound.loop)
            .options(
                joinedload(InterviewLoop.template),
                joinedload(InterviewLoop.application).options(
                    joinedload(Application.role), joinedload(Application.candidate)
                ),
            ),
            selectinload(Scorecard.reminders).raiseload("*"),
        )
        .order_by(Scorecard.id)
    )
    if filters.role_id is not None:
        statement = statement.where(Application.role_id == filters.role_id)
    if filters.since is not None:
        start = datetime.combine(filters.since, time(), UTC)
        statement = statement.where(Scorecard.submitted_at >= start)
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        statement = statement.where(Scorecard.submitted_at < end)
    return [_plain(card) for card in session.scalars(statement).unique()]


def _plain(card: Scorecard) -> SubmittedCard:
    round_ = card.round
    loop = round_.loop
    titles = {c["key"]: c.get("title") or c["key"] for c in loop.template.competencies if "key" in c}
    ratings = []
    for key in round_.competencies:
        rating, note = rating_of(card, key)
        ratings.append(CardRating(key, titles.get(key, key), rating, note))
    return SubmittedCard(
        scorecard_id=card.id,
        application_id=loop.application_id,
        candidate_name=loop.application.candidate.name,
        role_id=loop.application.role_id,
        role_title=loop.application.role.title,
        template_id=loop.template_id,
        round_key=round_key(round_),
        round_title=round_.title,
        round_position=round_.position,
        interviewer_id=card.interviewer_id,
        interviewer_name=card.interviewer.name,
        recommendation=card.recommendation,
        round_end=round_end(round_),
        submitted_at=None if card.submitted_at is None else as_utc(card.submitted_at),
        ratings=tuple(ratings),
        competency_order=tuple(titles),
    )


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ReliabilityRow:
    role_title: str
    label: str
    alpha: Estimate
    icc: Estimate
    icc_raters: tuple[str, ...]  # names


@dataclass(frozen=True)
class ReliabilityReport:
    rounds: tuple[ReliabilityRow, ...]
    competencies: tuple[ReliabilityRow, ...]
    n_scorecards: int
    n_candidates: int
    n_interviewers: int
    several_roles: bool

    @property
    def empty(self) -> bool:
        return self.n_scorecards == 0

    @property
    def any_figure(self) -> bool:
        return any(row.alpha.shown or row.icc.shown for row in (*self.rounds, *self.competencies))


def _mean(numbers: Sequence[float]) -> float:
    return sum(numbers) / len(numbers)


def round_values(cards: Iterable[SubmittedCard]) -> dict[tuple[Any, ...], dict[tuple[int, int], float]]:
    """Round → {(application, interviewer): mean of the interviewer's ratings in that round}."""
    collected: dict[tuple[Any, ...], dict[tuple[int, int], list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for card in cards:
        rated = [r.rating for r in card.ratings if r.rating is not None]
        if rated:
            collected[card.round_key][(card.application_id, card.interviewer_id)].append(_mean(rated))
    return {
        key: {pair: _mean(values) for pair, values in pairs.items()} for key, pairs in collected.items()
    }


def competency_values(
    cards: Iterable[SubmittedCard],
) -> dict[tuple[int, str], dict[tuple[int, int], float]]:
    """(loop template, competency) → {(application, interviewer): their rating, averaged over the
    rounds in which they rated it}."""
    collected: dict[tuple[int, str], dict[tuple[int, int], list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for card in cards:
        for rating in card.ratings:
            if rating.rating is not None:
                pair = (card.application_id, card.interviewer_id)
                collected[(card.template_id, rating.key)][pair].append(float(rating.rating))
    return {
        key: {pair: _mean(values) for pair, values in pairs.items()} for key, pairs in collected.items()
    }


def reliability_report(cards: Sequence[SubmittedCard]) -> ReliabilityReport:
    """α and ICC(2,1) per round and per competency of the given scorecards."""
    names = {card.interviewer_id: card.interviewer_name for card in cards}
    several_roles = len({card.role_id for card in cards}) > 1

    def row(role_title: str, label: str, values: Mapping[tuple[int, int], float]) -> ReliabilityRow:
        # The keys are (application, interviewer): units are candidates, raters are interviewers.
        icc = icc_estimate(values)
        return ReliabilityRow(
            role_title, label, alpha_estimate(values), icc, tuple(names[r] for r in icc.raters)
        )

    round_info: dict[tuple[Any, ...], SubmittedCard] = {}
    competency_info: dict[tuple[int, str], tuple[SubmittedCard, str, int]] = {}
    for card in cards:
        round_info.setdefault(card.round_key, card)
        for rating in card.ratings:
            order = (
                card.competency_order.index(rating.key)
                if rating.key in card.competency_order
                else len(card.competency_order)
            )
            competency_info.setdefault((card.template_id, rating.key), (card, rating.title, order))

    rounds = []
    for key, values in round_values(cards).items():
        info = round_info[key]
        order = (info.role_title, info.round_position, info.round_title)
        rounds.append((order, row(info.role_title, info.round_title, values)))
    competencies = []
    for key, values in competency_values(cards).items():
        info, title, order = competency_info[key]
        competencies.append(((info.role_title, order, title), row(info.role_title, title, values)))
    return ReliabilityReport(
        rounds=tuple(r for _k, r in sorted(rounds, key=lambda item: item[0])),
        competencies=tuple(r for _k, r in sorted(competencies, key=lambda item: item[0])),
        n_scorecards=len(cards),
        n_candidates=len({card.application_id for card in cards}),
        n_interviewers=len(names),
        several_roles=several_roles,
    )


# ---------------------------------------------------------------- chart scale


@dataclass(frozen=True)
class Scale:
    """Maps values onto the x axis of a chart ``width`` px wide that starts at ``left``."""

    low: float
    high: float
    left: float = 180
    width: float = 420

    def x(self, value: float) -> float:
        clipped = min(max(value, self.low), self.high)
        return round(self.left + (clipped - self.low) / (self.high - self.low) * self.width, 1)

    def ticks(self, step: float) -> list[float]:
        first = math.ceil(self.low / step - 1e-9)
        last = math.floor(self.high / step + 1e-9)
        return [round(i * step, 6) for i in range(first, last + 1)]


def reliability_scale(rows: Iterable[ReliabilityRow]) -> Scale:
    """From 0 (or below, to the lowest interval bound, in steps of .2, never below -1) to 1."""
    lows = [e.low for row in rows for e in (row.alpha, row.icc) if e.shown and e.low is not None]
    low = min([0.0, *lows])
    return Scale(max(-1.0, math.floor(low * 5) / 5), 1.0)
