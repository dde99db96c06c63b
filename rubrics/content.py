"""The rubric content format, shared by drafts, published versions, packs and import/export.

    title: Loss functions and backpropagation
    reference_answer: A model answer written by us (optional but recommended).
    criteria:                       # at least one; weights are positive and normalised on use
      - key: correctness            # [a-z0-9_-]+, unique within the rubric
        title: Technical correctness
        weight: 2
        levels:                     # exactly 1, 2, 3, 4
          1: {descriptor: "No evidence, or wrong.", exemplars: ["..."]}
          2: {descriptor: "Partial ...", exemplars: ["..."]}
          3: {descriptor: "Solid ...", exemplars: ["..."]}
          4: {descriptor: "Exceptional ...", exemplars: ["...", "..."]}

Levels mean: 1 no evidence / wrong, 2 partial, 3 solid, 4 exceptional.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

LEVELS = (1, 2, 3, 4)
LEVEL_NAMES = {1: "No evidence / wrong", 2: "Partial", 3: "Solid", 4: "Exceptional"}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,119}$")
MAX_TEXT = 20_000


class ContentError(ValueError):
    """The rubric content is malformed; the message says where and why."""


@dataclass(frozen=True)
class Level:
    descriptor: str
    exemplars: tuple[str, ...]


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    weight: float
    levels: dict[int, Level]


@dataclass(frozen=True)
class RubricContent:
    title: str
    reference_answer: str
    criteria: tuple[Criterion, ...]

    @property
    def total_weight(self) -> float:
        return sum(criterion.weight for criterion in self.criteria)

    def weighted_level(self, levels: dict[str, float]) -> float:
        """The overall level: the weight-averaged criterion levels (computed, never asked for)."""
        missing = [c.key for c in self.criteria if c.key not in levels]
        if missing:
            raise ContentError(f"No level for criteria {missing}")
        return sum(c.weight * levels[c.key] for c in self.criteria) / self.total_weight


def _text(value: Any, where: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ContentError(f"{where} must be non-empty text")
    if len(value) > MAX_TEXT:
        raise ContentError(f"{where} is longer than {MAX_TEXT} characters")
    return value.strip()


def parse_content(data: Any) -> RubricContent:
    """Validate rubric content (a dict, e.g. from YAML or JSON) into frozen dataclasses."""
    if not isinstance(data, dict):
        raise ContentError("A rubric must be a mapping with title, reference_answer and criteria")
    unknown = set(data) - {"title", "reference_answer", "criteria"}
    if unknown:
        raise ContentError(f"Unknown rubric fields: {sorted(unknown)}")
    title = _text(data.get("title"), "title")
    reference = _text(data.get("reference_answer"), "reference_answer", required=False)
    raw_criteria = data.get("criteria")
    if not isinstance(raw_criteria, list) or not raw_criteria:
        raise ContentError("criteria must be a non-empty list")
    criteria, seen = [], set()
    for index, raw in enumerate(raw_criteria, start=1):
        where = f"criteria[{index}]"
        if not isinstance(raw, dict):
            raise ContentError(f"{where} must be a mapping")
        unknown = set(raw) - {"key", "title", "weight", "levels"}
        if unknown:
            raise ContentError(f"{where} has unknown fields {sorted(unknown)}")
        key = raw.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise ContentError(f"{where}.key must match {KEY_PATTERN.pattern}")
        if key in seen:
            raise ContentError(f"{where}.key {key!r} is used twice")
        seen.add(key)
        weight = raw.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 100:
            raise ContentError(f"{where}.weight must be a number above 0 and at most 100")
        levels_raw = raw.get("levels")
        if not isinstance(levels_raw, dict) or {int(k) for k in levels_raw if str(k).isdigit()} != set(
            LEVELS
        ):
            raise ContentError(f"{where}.levels must have exactly the levels 1, 2, 3 and 4")
        levels = {}
        for number in LEVELS:
            level_raw = levels_raw.get(number, levels_raw.get(str(number)))
            level_where = f"{where}.levels[{number}]"
            if not isinstance(level_raw, dict):
                raise ContentError(f"{level_where} must be a mapping with descriptor and exemplars")
            exemplars = level_raw.get("exemplars", [])
            if not isinstance(exemplars, list):
                raise ContentError(f"{level_where}.exemplars must be a list of texts")
            levels[number] = Level(
                descriptor=_text(level_raw.get("descriptor"), f"{level_where}.descriptor"),
                exemplars=tuple(
                    _text(e, f"{level_where}.exemplars[{i}]") for i, e in enumerate(exemplars, 1)
                ),
            )
        criteria.append(
            Criterion(
                key=key,
                title=_text(raw.get("title"), f"{where}.title"),
                weight=float(weight),
                levels=levels,
            )
        )
    return RubricContent(title=title, reference_answer=reference, criteria=tuple(criteria))


def to_data(content: RubricContent) -> dict[str, Any]:
    """Plain data (for JSON/YAML and the database), in a stable order."""
    return {
        "title": content.title,
        "reference_answer": content.reference_answer,
        "criteria": [
            {
                "key": c.key,
                "title": c.title,
                "weight": c.weight,
                "levels": {
                    number: {"descriptor": level.descriptor, "exemplars": list(level.exemplars)}
                    for number, level in sorted(c.levels.items())
                },
            }
            for c in content.criteria
        ],
    }


def content_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of normalised content."""
    canonical = json.dumps(
        to_data(parse_content(data)), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
