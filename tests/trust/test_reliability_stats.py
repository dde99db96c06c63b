"""Reliability figures over plain data, checked against published worked examples and hand sums."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trust.calibration import leniency_estimate
from trust.reliability import (
    ALL_SAME,
    MIN_UNITS,
    alpha_estimate,
    icc_2_1,
    icc_estimate,
    largest_complete_block,
    reliability_scale,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1-5 with gaps; the published interval α is 0.849. Rows are observers A-D.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# The interval example of the krippendorff package's documentation (three coders, fifteen units).
PACKAGE_EXAMPLE = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]
# Shrout & Fleiss (1979), table 2: six targets rated by four judges; published ICC(2,1) = .29.
SHROUT_FLEISS = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def as_values(rows: list[list[int | None]]) -> dict[tuple[int, str], float]:
    """(unit, rater) → value from an observers × units table with None for a missing rating."""
    return {
        (unit, f"rater-{rater}"): float(value)
        for rater, row in enumerate(rows)
        for unit, value in enumerate(row)
        if value is not None
    }


def test_alpha_reproduces_krippendorffs_worked_example():
    estimate = alpha_estimate(as_values(KRIPPENDORFF_2011))
    assert round(estimate.value, 3) == 0.849
    # Unit 12 has one rating and cannot be paired: 11 units, 40 pairable ratings, 4 observers.
    assert (estimate.n_units, estimate.n_raters, estimate.n_ratings) == (11, 4, 40)
    assert -1 <= estimate.low < estimate.value < estimate.high <= 1
    assert estimate.note == ""


def test_alpha_reproduces_the_package_documentation_example():
    assert round(alpha_estimate(as_values(PACKAGE_EXAMPLE)).value, 6) == 0.810845


def test_alpha_bootstrap_interval_is_seeded_and_narrows_with_more_units():
    values = as_values(KRIPPENDORFF_2011)
    first, again = alpha_estimate(values), alpha_estimate(values)
    assert (first.low, first.high) == (again.low, again.high)
    other_seed = alpha_estimate(values, seed=123)
    assert (other_seed.low, other_seed.high) != (first.low, first.high)
    # The same data four times over: the same α, a narrower interval.
    repeated = {
        ((copy, unit), rater): value for copy in range(4) for (unit, rater), value in values.items()
    }
    wider = alpha_estimate(repeated)
    assert wider.value == pytest.approx(first.value, abs=0.02)
    assert wider.high - wider.low < first.high - first.low


def test_alpha_says_not_enough_data_below_the_minimum():
    values = {(unit, rater): float(unit % 4 + 1) for unit in range(MIN_UNITS - 1) for rater in "ab"}
    values[(99, "a")] = 3.0  # a unit with one rater does not count
    estimate = alpha_estimate(values)
    assert estimate.value is None and not estimate.shown
    assert estimate.note == f"not enough data (n = {MIN_UNITS - 1} candidates)"
    assert (estimate.n_units, estimate.n_raters, estimate.n_ratings) == (MIN_UNITS - 1, 2, 8)


def test_alpha_with_every_rating_the_same_is_not_a_number():
    values = {(unit, rater): 3.0 for unit in range(8) for rater in "abc"}
    estimate = alpha_estimate(values)
    assert estimate.value is None and estimate.note == ALL_SAME
    assert estimate.n_units == 8


def test_icc_2_1_matches_shrout_and_fleiss_and_pingouin():
    icc = icc_2_1(np.array(SHROUT_FLEISS))
    assert round(icc.value, 2) == 0.29  # the published value
    assert icc.value == pytest.approx(0.289764, abs=1e-6)
    # F, degrees of freedom and the McGraw & Wong interval as pingouin 0.7.0 reports them.
    assert icc.f == pytest.approx(11.027248, abs=1e-6)
    assert (icc.df1, icc.df2) == (5, 15)
    assert icc.p == pytest.approx(0.000135, abs=1e-6)
    assert icc.low == pytest.approx(0.018787, abs=1e-5)
    assert icc.high == pytest.approx(0.761084, abs=1e-5)


def test_icc_2_1_penalises_a_constant_offset_by_hand():
    # B = A + 1 on five targets. Mean squares: rows 5, raters 2.5, error 0, so
    # ICC(2,1) = 5 / (5 + 0 + 2 * 2.5 / 5) = 5/6: consistent, but not in absolute agreement.
    table = np.array([[1, 2], [2, 3], [3, 4], [4, 5], [5, 6]])
    icc = icc_2_1(table)
    assert icc.value == pytest.approx(5 / 6)
    assert icc_2_1(np.array([[1, 1], [2, 2], [3, 3], [4, 4], [2, 2]])).value == pytest.approx(1.0)


def test_icc_refuses_gaps_and_tiny_tables():
    with pytest.raises(ValueError):
        icc_2_1(np.array([[1.0, math.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError):
        icc_2_1(np.array([[1.0, 2.0]]))


def test_largest_complete_block_of_an_incomplete_design():
    units = {
        1: {"a": 1, "b": 2, "c": 2},
        2: {"a": 2, "b": 2, "c": 3},
        3: {"a": 3, "b": 4},
        4: {"a": 4, "b": 4},
        5: {"b": 1, "c": 1},
    }
    raters, block = largest_complete_block(units)
    # a+b together rated 4 units (8 ratings); a+b+c only 2 (6 ratings); b+c 3 (6 ratings).
    assert raters == ("a", "b") and block == [1, 2, 3, 4]


def test_icc_estimate_names_the_block_and_counts_what_it_leaves_out():
    values = {(unit, rater): float(unit % 4 + 1) for unit in range(6) for rater in "ab"}
    values[(0, "b")] = 3.0
    values.update({(10, "a"): 2.0, (10, "c"): 3.0, (11, "b"): 1.0, (11, "c"): 1.0})
    estimate = icc_estimate(values)
    assert estimate.raters == ("a", "b")
    assert (estimate.n_units, estimate.n_raters, estimate.n_ratings) == (6, 2, 12)
    assert estimate.units_left_out == 2
    assert estimate.low <= estimate.value <= estimate.high


def test_icc_estimate_says_not_enough_data_when_the_block_is_small():
    values = {(unit, "ab"[unit % 2]): 2.0 for unit in range(10)}  # nobody co-rated
    values.update({(0, "c"): 3.0, (1, "c"): 1.0})
    estimate = icc_estimate(values)
    assert estimate.value is None
    assert estimate.note == "not enough data (n = 1 candidate)"


def test_leniency_of_a_rater_who_rates_one_level_higher():
    # Five candidates: A and B agree, L gives one more. L: +1 each time; A: A - mean(B, L) = -0.5.
    comparisons = [(candidate, 1.0) for candidate in range(5)]
    estimate = leniency_estimate(comparisons)
    assert estimate.value == 1.0 and (estimate.low, estimate.high) == (1.0, 1.0)
    assert (estimate.n_comparisons, estimate.n_candidates) == (5, 5)
    mixed = leniency_estimate([(c, d) for c in range(6) for d in (-0.5, 0.5 if c % 2 else -1.5)])
    assert mixed.value == pytest.approx(-0.5)
    assert mixed.low < mixed.value < mixed.high and mixed.se > 0


def test_leniency_says_not_enough_data_below_five_co_rated_candidates():
    estimate = leniency_estimate([(candidate, 0.5) for candidate in range(4) for _ in range(3)])
    assert estimate.value is None
    assert estimate.note == "not enough data (n = 4 co-rated candidates)"
    assert estimate.n_comparisons == 12


def test_chart_scale_reaches_below_zero_only_when_an_interval_does():
    assert (reliability_scale([]).low, reliability_scale([]).high) == (0.0, 1.0)
    scale = reliability_scale([])
    assert scale.x(0) == scale.left and scale.x(1) == scale.left + scale.width
    assert scale.x(5) == scale.x(1)  # clipped
    assert scale.ticks(0.2) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
