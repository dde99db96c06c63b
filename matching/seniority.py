"""Seniority from job titles and stated years of experience, and how well a candidate's fits a role's.

Levels are read off title words (0 intern … 6 head/director/chief); a title without such a word is
level 2, an individual contributor. Years are the largest "N years" / "N+ yrs" stated in the text.
Work histories carry no dates here, so stated years are the only source of experience length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LEVEL_NAMES = ("intern", "junior", "mid-level", "senior", "staff / lead", "principal", "head / director")
_LEVEL_WORDS: dict[str, int] = {
    **dict.fromkeys(("intern", "internship", "trainee", "apprentice"), 0),
    **dict.fromkeys(("junior", "jr", "graduate", "entry"), 1),
    **dict.fromkeys(("senior", "sr"), 3),
    **dict.fromkeys(("staff", "lead", "manager", "leader"), 4),
    **dict.fromkeys(("principal", "architect", "distinguished"), 5),
    **dict.fromkeys(("head", "director", "chief", "vp", "cto", "cdo", "cio", "president", "founder"), 6),
}
DEFAULT_LEVEL = 2
_WORD = re.compile(r"[a-z]+")
_YEARS = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d)?)\s*\+?\s*(?:years?|yrs?)\b", re.IGNORECASE)
MAX_YEARS = 50.0
# A level under the role's costs more than one over it; one over is no cost at all.
UNDER_LEVEL_PENALTY = 0.35
OVER_LEVEL_PENALTY = 0.15


def title_level(title: str) -> int | None:
    """The level a title names, DEFAULT_LEVEL for a title without a level word, None for no title."""
    words = _WORD.findall(title.lower())
    if not words:
        return None
    levels = [_LEVEL_WORDS[word] for word in words if word in _LEVEL_WORDS]
    return max(levels) if levels else DEFAULT_LEVEL


def highest_level(titles: Iterable[str]) -> int | None:
    """The most senior level among titles (None when none is a title)."""
    levels = [level for level in map(title_level, titles) if level is not None]
    return max(levels) if levels else None


def stated_years(texts: Iterable[str], *, smallest: bool = False) -> float | None:
    """The largest (or smallest) "N years" stated across texts, None when none is."""
    values = [
        float(match.group(1))
        for text in texts
        for match in _YEARS.finditer(text or "")
        if 0 < float(match.group(1)) <= MAX_YEARS
    ]
    if not values:
        return None
    return min(values) if smallest else max(values)


@dataclass(frozen=True)
class SeniorityFit:
    role_level: int
    role_years: float | None
    candidate_level: int | None
    candidate_years: float | None
    level_fit: float | None
    years_fit: float | None

    @property
    def value(self) -> float | None:
        """The mean of the fits that could be measured; None when neither could."""
        known = [fit for fit in (self.level_fit, self.years_fit) if fit is not None]
        return sum(known) / len(known) if known else None

    def describe(self) -> str:
        parts = []
        if self.candidate_level is not None:
            parts.append(
                f"titles up to {LEVEL_NAMES[self.candidate_level]} for a "
                f"{LEVEL_NAMES[self.role_level]} role"
            )
        if self.years_fit is not None:
            parts.append(f"{self.candidate_years:g} years stated, {self.role_years:g} asked")
        elif self.role_years is not None:
            parts.append(f"{self.role_years:g} years asked, none stated")
        return "; ".join(parts) or "no titles or years in the profile"


def level_fit(candidate_level: int, role_level: int) -> float:
    gap = candidate_level - role_level
    if gap < 0:
        return max(0.0, 1.0 + UNDER_LEVEL_PENALTY * gap)
    return max(0.0, 1.0 - OVER_LEVEL_PENALTY * max(0, gap - 1))


def seniority_fit(
    *,
    role_level: int,
    role_years: float | None,
    candidate_level: int | None,
    candidate_years: float | None,
) -> SeniorityFit:
    years = None
    if role_years and candidate_years is not None:
        years = min(1.0, candidate_years / role_years)
    return SeniorityFit(
        role_level=role_level,
        role_years=role_years,
        candidate_level=candidate_level,
        candidate_years=candidate_years,
        level_fit=None if candidate_level is None else level_fit(candidate_level, role_level),
        years_fit=years,
    )
