"""The adverse-impact statistics on a hand-computed fixture: rates, impact ratios, the four-fifths
flag, Fisher's exact test and the z-test, "not enough data" and the reference rules."""

from __future__ import annotations

import math

import pytest

from trust.impact_stats import (
    GroupCount,
    compare_groups,
    fisher_exact_p,
    two_proportion_z_p,
)

# Decided = selected + rejected. Hand-computed expectations below.
FIXTURE = [
    GroupCount("female", selected=3, rejected=9, pending=2),  # 3/12 = 0.25
    GroupCount("male", selected=10, rejected=10, withdrawn=1),  # 10/20 = 0.50: the reference
    GroupCount("non_binary", selected=2, rejected=2),  # n = 4 < 5: not enough data
    GroupCount("declined", selected=6, rejected=0),  # 6/6 = 1.00, highest but never the reference
    GroupCount("not_recorded", selected=4, rejected=6),  # 4/10 = 0.40
]


def hypergeometric_two_sided(a: int, b: int, c: int, d: int) -> float:
    """Fisher's two-sided p by hand: the probability of every table with these margins that is
    no more likely than the observed one."""
    row1, col1, total = a + b, a + c, a + b + c + d

    def prob(x: int) -> float:
        return math.comb(col1, x) * math.comb(total - col1, row1 - x) / math.comb(total, row1)

    observed = prob(a)
    support = range(max(0, row1 + col1 - total), min(row1, col1) + 1)
    return sum(prob(x) for x in support if prob(x) <= observed * (1 + 1e-7))


def by_group(results):
    return {result.group: result for result in results}


def test_rates_ratios_and_the_four_fifths_flag_match_the_hand_computation():
    results, reference, note = compare_groups("gender", FIXTURE)
    groups = by_group(results)
    assert note == ""
    assert reference is groups["male"] and reference.reference
    assert reference.rate == 0.5 and reference.impact_ratio == 1.0 and reference.fisher_p is None

    female = groups["female"]
    assert (female.n, female.selected, female.pending) == (12, 3, 2)
    assert female.rate == 0.25
    assert female.impact_ratio == pytest.approx(0.5)
    assert female.flagged and female.status == "below four fifths"

    # 2x2 table: female 3 selected / 9 not, male 10 / 10.
    assert female.fisher_p == pytest.approx(hypergeometric_two_sided(3, 9, 10, 10), rel=1e-9)
    assert female.fisher_p == pytest.approx(0.2673, abs=1e-4)
    assert not female.significant  # flagged by the four-fifths rule, yet not significant at n = 12
    pooled = 13 / 32
    z = (0.25 - 0.5) / math.sqrt(pooled * (1 - pooled) * (1 / 12 + 1 / 20))
    assert female.z_p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-9)
    assert female.z_p == pytest.approx(0.1633, abs=1e-4)  # z = -1.394


def test_small_groups_say_not_enough_data_instead_of_a_number():
    groups = by_group(compare_groups("gender", FIXTURE)[0])
    small = groups["non_binary"]
    assert not small.enough_data
    assert small.rate is None and small.impact_ratio is None and small.fisher_p is None
    assert not small.flagged
    assert small.status == "not enough data (n = 4)"


def test_declined_and_not_recorded_are_shown_but_never_the_reference_nor_flagged():
    groups = by_group(compare_groups("gender", FIXTURE)[0])
    declined, unknown = groups["declined"], groups["not_recorded"]
    assert declined.rate == 1.0 and not declined.reference and not declined.comparable
    assert declined.impact_ratio == pytest.approx(2.0)
    assert unknown.impact_ratio == pytest.approx(0.8) and not unknown.flagged
    # Display order: the category's own order, then declined, then not recorded.
    assert [r.group for r in compare_groups("gender", FIXTURE)[0]] == [
        "female",
        "male",
        "non_binary",
        "declined",
        "not_recorded",
    ]


def test_exactly_four_fifths_is_not_flagged():
    results, _reference, _note = compare_groups(
        "gender", [GroupCount("female", 4, 6), GroupCount("male", 5, 5)]
    )
    female = by_group(results)["female"]
    assert female.impact_ratio == pytest.approx(0.8) and not female.flagged


def test_without_two_comparable_groups_the_stage_says_not_enough_data():
    _results, reference, note = compare_groups(
        "gender", [GroupCount("female", 1, 2), GroupCount("male", 2, 1), GroupCount("declined", 5, 5)]
    )
    assert reference is None and note.startswith("not enough data")
    _results, reference, note = compare_groups(
        "gender", [GroupCount("female", 3, 3), GroupCount("male", 1, 1)]
    )
    assert reference is not None and reference.group == "female"
    assert note.startswith("not enough data: only one")


def test_nobody_selected_gives_no_ratio():
    results, reference, note = compare_groups(
        "gender", [GroupCount("female", 0, 6), GroupCount("male", 0, 8)]
    )
    assert reference is None and "nobody was selected" in note
    assert all(r.rate == 0.0 and r.impact_ratio is None and not r.flagged for r in results)


def test_tests_on_degenerate_tables():
    assert two_proportion_z_p(5, 5, 7, 7) is None  # everyone selected: no variance
    assert fisher_exact_p(5, 5, 7, 7) == pytest.approx(1.0)
    assert fisher_exact_p(0, 10, 10, 10) < 0.001
