"""The statistics of the adverse-impact report, pure functions over counts: selection rates per
group, impact ratios against the highest-rate self-identified group, the four-fifths rule,
Fisher's exact test and the two-proportion z-test, and "not enough data" below a minimum n."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from scipy.stats import fisher_exact, norm

from trust.self_id import DECLINED, NOT_RECORDED, group_label, group_order

MIN_GROUP_SIZE = 5  # fewer decided applications than this in a group: "not enough data"
FOUR_FIFTHS = 0.8
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class GroupCount:
    group: str
    selected: int = 0
    rejected: int = 0
    pending: int = 0
    withdrawn: int = 0

    @property
    def n(self) -> int:
        """Decided applications: selected or rejected at the stage."""
        return self.selected + self.rejected


@dataclass(frozen=True)
class GroupResult:
    group: str
    label: str
    n: int
    selected: int
    pending: int
    withdrawn: int
    comparable: bool  # False for "Declined to answer" and "Not recorded": never the reference
    enough_data: bool
    rate: float | None = None  # None: not enough data
    impact_ratio: float | None = None
    flagged: bool = False  # impact ratio below four fifths
    fisher_p: float | None = None
    z_p: float | None = None
    reference: bool = False

    @property
    def significant(self) -> bool:
        return self.fisher_p is not None and self.fisher_p < SIGNIFICANCE

    @property
    def status(self) -> str:
        if not self.enough_data:
            return f"not enough data (n = {self.n})"
        if self.reference:
            return "reference (highest rate)"
        if self.flagged:
            return "below four fifths"
        return "ok" if self.impact_ratio is not None else "no comparison"


def compare_groups(
    category: str, counts: Iterable[GroupCount], *, min_n: int = MIN_GROUP_SIZE
) -> tuple[tuple[GroupResult, ...], GroupResult | None, str]:
    """Rates, impact ratios against the highest-rate comparable group, and tests per group.

    Returns (groups in display order, the reference group or None, a note when nothing compares).
    """
    by_group = {count.group: count for count in counts}
    order = [g for g in group_order(category) if g in by_group]
    rates = {g: c.selected / c.n for g, c in by_group.items() if c.n >= max(1, min_n)}
    comparables = [g for g in order if g in rates and g not in (DECLINED, NOT_RECORDED)]
    reference = max(comparables, key=lambda g: (rates[g], by_group[g].n), default=None)
    note = ""
    if reference is None:
        note = f"not enough data: no self-identified group has {min_n} or more decided applications"
    elif rates[reference] == 0:
        note = "nobody was selected at this stage, so there is no ratio to compute"
    elif len(comparables) < 2:
        note = f"not enough data: only one self-identified group has {min_n} or more decisions"
    results = []
    for group in order:
        count = by_group[group]
        comparable = group not in (DECLINED, NOT_RECORDED)
        result = GroupResult(
            group=group,
            label=group_label(category, group),
            n=count.n,
            selected=count.selected,
            pending=count.pending,
            withdrawn=count.withdrawn,
            comparable=comparable,
            enough_data=group in rates,
        )
        if group in rates:
            result = _compared(result, rates[group], by_group.get(reference), group == reference)
        results.append(result)
    found = next((r for r in results if r.reference), None)
    return tuple(results), found, note


def _compared(
    result: GroupResult, rate: float, reference: GroupCount | None, is_reference: bool
) -> GroupResult:
    if reference is None or reference.selected == 0:
        return replace(result, rate=rate)
    ratio = rate / (reference.selected / reference.n)
    fisher_p = z_p = None
    if not is_reference:
        fisher_p = fisher_exact_p(result.selected, result.n, reference.selected, reference.n)
        z_p = two_proportion_z_p(result.selected, result.n, reference.selected, reference.n)
    return replace(
        result,
        rate=rate,
        impact_ratio=ratio,
        flagged=result.comparable and ratio < FOUR_FIFTHS,
        fisher_p=fisher_p,
        z_p=z_p,
        reference=is_reference,
    )


def fisher_exact_p(selected_a: int, n_a: int, selected_b: int, n_b: int) -> float:
    """Two-sided Fisher's exact test of the 2×2 table (selected, not selected) × (group, reference)."""
    table = [[selected_a, n_a - selected_a], [selected_b, n_b - selected_b]]
    return float(fisher_exact(table, alternative="two-sided")[1])


def two_proportion_z_p(selected_a: int, n_a: int, selected_b: int, n_b: int) -> float | None:
    """Two-sided p of the pooled two-proportion z-test; None when every or no one was selected."""
    pooled = (selected_a + selected_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance == 0:
        return None
    z = (selected_a / n_a - selected_b / n_b) / math.sqrt(variance)
    return float(2 * norm.sf(abs(z)))
