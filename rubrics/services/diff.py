"""Differences between two rubric contents: structured (criteria, weights, levels) and line by line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from rubrics.content import (
    parse_content,
    to_data,
)
from rubrics.services.library import to_yaml


@dataclass(frozen=True)
class LevelChange:
    level: int
    descriptor: tuple[str, str] | None  # (before, after) when it changed
    exemplars_added: tuple[str, ...]
    exemplars_removed: tuple[str, ...]


@dataclass(frozen=True)
class CriterionChange:
    key: str  # the key in b
    title: str  # the title in b
    renamed_from: str | None  # the key in a, when the key changed
    title_change: tuple[str, str] | None
    weight_change: tuple[float, float] | None
    levels: tuple[LevelChange, ...]


@dataclass(frozen=True)
class CriterionRef:
    key: str
    title: str
    weight: float


@dataclass(frozen=True)
class ContentDiff:
    title_change: tuple[str, str] | None
    reference_change: tuple[str, str] | None
    added: tuple[CriterionRef, ...]
    removed: tuple[CriterionRef, ...]
    changed: tuple[CriterionChange, ...]  # renamed or edited criteria
    order_changed: bool
    lines: tuple[str, ...] = field(default=())  # unified diff of the YAML renderings

    @property
    def is_empty(self) -> bool:
        return not (
            self.title_change
            or self.reference_change
            or self.added
            or self.removed
            or self.changed
            or self.order_changed
        )

    @property
    def renamed(self) -> tuple[CriterionChange, ...]:
        return tuple(c for c in self.changed if c.renamed_from)


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """The words of ``after`` against ``before`` as (op, text) runs, op in "same", "del", "ins":
    a reader sees the three changed words of a paragraph instead of two whole paragraphs."""
    a, b = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    runs: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(a[a1:a2])))
            continue
        if a2 > a1:
            runs.append(("del", "".join(a[a1:a2])))
        if b2 > b1:
            runs.append(("ins", "".join(b[b1:b2])))
    return tuple(runs)


def _criterion_text(criterion: Any) -> str:
    parts = [criterion.title]
    for number in sorted(criterion.levels):
        level = criterion.levels[number]
        parts.append(level.descriptor)
        parts.extend(level.exemplars)
    return "\n".join(parts)


def _level_changes(old: Any, new: Any) -> tuple[LevelChange, ...]:
    changes = []
    for number in sorted(new.levels):
        a, b = old.levels[number], new.levels[number]
        descriptor = (a.descriptor, b.descriptor) if a.descriptor != b.descriptor else None
        added = tuple(e for e in b.exemplars if e not in a.exemplars)
        removed = tuple(e for e in a.exemplars if e not in b.exemplars)
        if descriptor or added or removed:
            changes.append(LevelChange(number, descriptor, added, removed))
    return tuple(changes)


def _criterion_change(old: Any, new: Any) -> CriterionChange | None:
    change = CriterionChange(
        key=new.key,
        title=new.title,
        renamed_from=old.key if old.key != new.key else None,
        title_change=(old.title, new.title) if old.title != new.title else None,
        weight_change=(old.weight, new.weight) if old.weight != new.weight else None,
        levels=_level_changes(old, new),
    )
    if change.renamed_from or change.title_change or change.weight_change or change.levels:
        return change
    return None


RENAME_SIMILARITY = 0.6


def diff_contents(
    a: dict[str, Any], b: dict[str, Any], *, labels: tuple[str, str] = ("a", "b")
) -> ContentDiff:
    """Compare two rubric contents: criteria added, removed, renamed (a new key for a criterion
    whose text is mostly the same), weight, title, descriptor and exemplar changes per level, and a
    line diff of the YAML renderings."""
    old, new = parse_content(a), parse_content(b)
    old_by_key = {c.key: c for c in old.criteria}
    new_by_key = {c.key: c for c in new.criteria}
    only_old = [c for c in old.criteria if c.key not in new_by_key]
    only_new = [c for c in new.criteria if c.key not in old_by_key]

    # Pair criteria whose key changed but whose text stayed mostly the same: renames.
    candidates = sorted(
        (
            (difflib.SequenceMatcher(None, _criterion_text(o), _criterion_text(n)).ratio(), i, j)
            for i, o in enumerate(only_old)
            for j, n in enumerate(only_new)
        ),
        reverse=True,
    )
    renames: dict[str, Any] = {}  # new key -> old criterion
    used_old: set[int] = set()
    for ratio, i, j in candidates:
        if ratio < RENAME_SIMILARITY:
            break
        if i in used_old or only_new[j].key in renames:
            continue
        used_old.add(i)
        renames[only_new[j].key] = only_old[i]

    changed = []
    for criterion in new.criteria:
        previous = old_by_key.get(criterion.key) or renames.get(criterion.key)
        if previous is not None:
            change = _criterion_change(previous, criterion)
            if change:
                changed.append(change)
    added = tuple(CriterionRef(c.key, c.title, c.weight) for c in only_new if c.key not in renames)
    removed = tuple(
        CriterionRef(c.key, c.title, c.weight) for i, c in enumerate(only_old) if i not in used_old
    )
    renamed_old = {c.key for c in renames.values()}
    kept_old = [c.key for c in old.criteria if c.key in new_by_key or c.key in renamed_old]
    old_to_new = {o.key: n for n, o in renames.items()}
    kept_new = [c.key for c in new.criteria if c.key in old_by_key or c.key in renames]
    order_changed = [old_to_new.get(k, k) for k in kept_old] != kept_new

    lines = difflib.unified_diff(
        to_yaml(to_data(old)).splitlines(),
        to_yaml(to_data(new)).splitlines(),
        fromfile=labels[0],
        tofile=labels[1],
        lineterm="",
    )
    return ContentDiff(
        title_change=(old.title, new.title) if old.title != new.title else None,
        reference_change=(old.reference_answer, new.reference_answer)
        if old.reference_answer != new.reference_answer
        else None,
        added=added,
        removed=removed,
        changed=tuple(changed),
        order_changed=order_changed,
        lines=tuple(lines),
    )
