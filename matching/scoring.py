"""The match score of a candidate for a role, computed mechanically from four parts and explained.

score = Σ weightᵢ · partᵢ / Σ weightᵢ over the parts that could be measured, each part in [0, 1]:

- must-have coverage: the share of the JD's must-have skill groups the candidate shows (a line's
  credit is the share of its groups met; the part is the mean over lines);
- nice-to-have coverage: the same over nice-to-haves and the tech stack;
- semantic similarity: for every JD passage, the best cosine against the candidate's passages
  (profile and portfolio writing), averaged, then mapped linearly from [SEMANTIC_FLOOR,
  SEMANTIC_CEILING] onto [0, 1];
- seniority fit: title level and stated years against the role's (matching.seniority).

A part that cannot be measured (a JD without must-have skills, a profile without titles or years)
is left out and its weight shared by the others; the explanation says so. Every part's contribution
is reported, and the contributions add up to the score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from core.errors import DomainError
from matching.profiles import CandidateProfile, Passage, Requirement, RoleProfile
from matching.seniority import SeniorityFit, seniority_fit
from matching.services import SkillMention

# The best-passage mean maps linearly from FLOOR..CEILING onto 0..1. With all-MiniLM-L6-v2, the demo's
# 22 profiles against the ML engineer JD run from 0.14 (unrelated work) to 0.40 (closest); the ceiling
# leaves headroom for profiles that describe the same work at length.
SEMANTIC_FLOOR = 0.15
SEMANTIC_CEILING = 0.60
EVIDENCE_PASSAGES = 3
PART_KEYS = ("must_have", "nice_to_have", "semantic", "seniority")
PART_LABELS = {
    "must_have": "Must-have skills",
    "nice_to_have": "Nice-to-have skills",
    "semantic": "Profile similar to the JD",
    "seniority": "Seniority fit",
}


class WeightsError(DomainError):
    """Weights that cannot weigh anything (negative, or all zero)."""


@dataclass(frozen=True)
class Weights:
    must_have: float = 0.40
    nice_to_have: float = 0.15
    semantic: float = 0.30
    seniority: float = 0.15

    def __post_init__(self) -> None:
        values = self.as_dict().values()
        if any(value < 0 or value != value for value in values):
            raise WeightsError("Weights cannot be negative.")
        if sum(values) <= 0:
            raise WeightsError("At least one weight must be above zero.")

    def as_dict(self) -> dict[str, float]:
        return {key: float(getattr(self, key)) for key in PART_KEYS}


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class RequirementCheck:
    requirement: Requirement
    met: tuple[tuple[str, SkillMention], ...]  # (skill asked for, the candidate's mention showing it)
    missing: tuple[str, ...]  # labels of unmet groups ("PyTorch or JAX")

    @property
    def credit(self) -> float:
        groups = len(self.requirement.groups)
        return (groups - len(self.missing)) / groups


@dataclass(frozen=True)
class PassageMatch:
    similarity: float
    jd: Passage
    candidate: Passage


@dataclass(frozen=True)
class MatchPart:
    key: str
    value: float | None  # None: could not be measured
    weight: float  # the share of the score this part carries (0 when not measured)
    contribution: float  # value × weight
    detail: str

    @property
    def label(self) -> str:
        return PART_LABELS[self.key]


@dataclass(frozen=True)
class MatchResult:
    candidate_id: int
    role_id: int
    score: float
    parts: tuple[MatchPart, ...]
    must_have: tuple[RequirementCheck, ...]
    nice_to_have: tuple[RequirementCheck, ...]
    passages: tuple[PassageMatch, ...]
    seniority: SeniorityFit

    @property
    def matched_evidence(self) -> list[tuple[str, SkillMention, bool]]:
        """(skill asked for, the mention showing it, asked as a must-have), once per skill."""
        found: dict[str, tuple[str, SkillMention, bool]] = {}
        for checks, must in ((self.must_have, True), (self.nice_to_have, False)):
            for check in checks:
                for skill, mention in check.met:
                    found.setdefault(skill, (skill, mention, must))
        return list(found.values())

    @property
    def matched(self) -> list[str]:
        """Skills asked for (must-have first) that the profile shows."""
        return [skill for skill, _mention, _must in self.matched_evidence]

    @property
    def missing(self) -> list[str]:
        """Must-have skill groups the profile does not show."""
        return list(dict.fromkeys(label for check in self.must_have for label in check.missing))

    @property
    def missing_nice(self) -> list[str]:
        return list(dict.fromkeys(label for check in self.nice_to_have for label in check.missing))

    def part(self, key: str) -> MatchPart:
        return next(part for part in self.parts if part.key == key)

    def as_json(self) -> dict[str, Any]:
        """The CLI contract's result object (plus evidence, which the contract leaves open)."""
        return {
            "candidate_id": self.candidate_id,
            "score": round(self.score, 4),
            "parts": {
                part.key: {
                    "value": None if part.value is None else round(part.value, 4),
                    "weight": round(part.weight, 4),
                    "contribution": round(part.contribution, 4),
                    "detail": part.detail,
                }
                for part in self.parts
            },
            "matched": self.matched,
            "missing": self.missing,
            "evidence": {
                "skills": [
                    {"skill": skill, "found": mention.found.text, "field": mention.field}
                    for skill, mention, _must in self.matched_evidence
                ],
                "passages": [
                    {
                        "similarity": round(match.similarity, 4),
                        "candidate": match.candidate.text,
                        "jd": match.jd.text,
                    }
                    for match in self.passages
                ],
                "seniority": {
                    key: value for key, value in asdict(self.seniority).items() if value is not None
                },
            },
        }


def check_requirements(
    requirements: tuple[Requirement, ...], skills: dict[str, SkillMention] | Any
) -> tuple[RequirementCheck, ...]:
    checks = []
    for requirement in requirements:
        met: list[tuple[str, SkillMention]] = []
        missing: list[str] = []
        for group in requirement.groups:
            shown = next((skill for skill in group if skill in skills), None)
            if shown is None:
                missing.append(Requirement.label(group))
            else:
                met.append((shown, skills[shown]))
        checks.append(RequirementCheck(requirement, tuple(met), tuple(missing)))
    return tuple(checks)


def coverage(checks: tuple[RequirementCheck, ...]) -> float | None:
    return sum(check.credit for check in checks) / len(checks) if checks else None


def semantic_similarity(
    role: RoleProfile,
    candidate: CandidateProfile,
    role_vectors: np.ndarray,
    candidate_vectors: np.ndarray,
) -> tuple[float | None, float | None, tuple[PassageMatch, ...]]:
    """(part value, raw best-passage mean, evidence) of the candidate's passages against the JD's."""
    if not len(role.passages) or not len(candidate.passages):
        return None, None, ()
    similarities = role_vectors @ candidate_vectors.T  # unit vectors: cosine
    best = similarities.max(axis=1)
    raw = float(best.mean())
    value = min(1.0, max(0.0, (raw - SEMANTIC_FLOOR) / (SEMANTIC_CEILING - SEMANTIC_FLOOR)))
    evidence: list[PassageMatch] = []
    used: set[int] = set()
    for jd_index in np.argsort(-best, kind="stable"):
        candidate_index = int(similarities[jd_index].argmax())
        if candidate_index in used:
            continue
        used.add(candidate_index)
        evidence.append(
            PassageMatch(
                float(best[jd_index]),
                role.passages[int(jd_index)],
                candidate.passages[candidate_index],
            )
        )
        if len(evidence) == EVIDENCE_PASSAGES:
            break
    return value, raw, tuple(evidence)


def match(
    role: RoleProfile,
    candidate: CandidateProfile,
    role_vectors: np.ndarray,
    candidate_vectors: np.ndarray,
    weights: Weights = DEFAULT_WEIGHTS,
) -> MatchResult:
    must = check_requirements(role.must_have, candidate.skills)
    nice = check_requirements(role.nice_to_have, candidate.skills)
    semantic, raw, evidence = semantic_similarity(role, candidate, role_vectors, candidate_vectors)
    seniority = seniority_fit(
        role_level=role.level,
        role_years=role.years,
        candidate_level=candidate.level,
        candidate_years=candidate.years,
    )
    values = {
        "must_have": coverage(must),
        "nice_to_have": coverage(nice),
        "semantic": semantic,
        "seniority": seniority.value,
    }
    details = {
        "must_have": _coverage_detail(must, "must-have"),
        "nice_to_have": _coverage_detail(nice, "nice-to-have"),
        "semantic": (
            f"best-passage cosine {raw:.2f} over {len(role.passages)} JD passages"
            if raw is not None
            else "no profile text to compare"
        ),
        "seniority": seniority.describe(),
    }
    raw_weights = weights.as_dict()
    measured = sum(raw_weights[key] for key, value in values.items() if value is not None)
    parts = []
    for key in PART_KEYS:
        value = values[key]
        share = raw_weights[key] / measured if value is not None and measured else 0.0
        parts.append(MatchPart(key, value, share, (value or 0.0) * share, details[key]))
    return MatchResult(
        candidate_id=candidate.candidate_id,
        role_id=role.role_id,
        score=sum(part.contribution for part in parts),
        parts=tuple(parts),
        must_have=must,
        nice_to_have=nice,
        passages=evidence,
        seniority=seniority,
    )


def _coverage_detail(checks: tuple[RequirementCheck, ...], what: str) -> str:
    if not checks:
        return f"the JD names no {what} skills; weight shared by the other parts"
    groups = sum(len(check.requirement.groups) for check in checks)
    met = sum(len(check.met) for check in checks)
    return f"{met} of {groups} {what} skill groups shown, over {len(checks)} JD lines"
