"""The coverage check of a loop: every competency is assessed in at least two rounds, every round
assesses known competencies, and every must-have line of the JD maps to a competency.

Errors block publishing; warnings are shown but do not. The check is a pure function over plain
data (``check_coverage``); ``coverage_report`` and ``spec_coverage`` feed it a loop template from
the database or a shipped template file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hiring.models import JobRole
from hiring.services.jd_templates import list_templates
from interviews.library import TemplateSpec
from interviews.models import LoopTemplate, RoundKind, TieBreak

MIN_ROUNDS_PER_COMPETENCY = 2


@dataclass(frozen=True)
class RoundFacts:
    """What the check needs to know about one round."""

    title: str
    kind: RoundKind
    competencies: tuple[str, ...]
    questions: int
    interviewers: int | None = None  # None: not checked (library templates have no interviewers)


@dataclass(frozen=True)
class CoverageColumn:
    number: int  # 1-based, in loop order
    title: str
    kind: RoundKind


@dataclass(frozen=True)
class CoverageRow:
    """One competency of the matrix: in which rounds it is assessed."""

    key: str
    title: str
    must_haves: tuple[str, ...]
    cells: tuple[bool, ...]  # one per round, in loop order

    @property
    def count(self) -> int:
        return sum(self.cells)

    @property
    def level(self) -> str:
        """The heat of the row: missing, thin (below the minimum) or covered."""
        if self.count == 0:
            return "missing"
        return "thin" if self.count < MIN_ROUNDS_PER_COMPETENCY else "covered"


@dataclass(frozen=True)
class CoverageReport:
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    rounds: tuple[CoverageColumn, ...]
    matrix: tuple[CoverageRow, ...]
    must_haves: tuple[tuple[str, tuple[str, ...]], ...]  # each JD must-have line → competency titles
    unmapped_must_haves: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise_line(line: str) -> str:
    """A must-have line as compared: case and runs of spaces do not matter."""
    return " ".join(line.split()).casefold()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_coverage(
    competencies: Sequence[Mapping[str, Any]],
    rounds: Sequence[RoundFacts],
    must_haves: Sequence[str] | None = None,
) -> CoverageReport:
    """Check a loop given as plain data; ``must_haves`` None skips the JD mapping."""
    errors: list[str] = []
    warnings: list[str] = []
    keys = [c["key"] for c in competencies]
    titles = {c["key"]: c.get("title") or c["key"] for c in competencies}
    if not rounds:
        errors.append("The loop has no rounds: add the rounds that assess its competencies.")
    if not competencies:
        errors.append("The loop has no competencies: add the focus attributes its rounds assess.")
    for number, facts in enumerate(rounds, 1):
        name = f"Round {number} “{facts.title}”"
        for key in facts.competencies:
            if key not in titles:
                errors.append(f"{name} lists “{key}”, which is not one of the loop's competencies.")
        if not facts.competencies:
            warnings.append(f"{name} assesses no competency.")
        if not facts.questions:
            warnings.append(f"{name} has no questions from the question bank.")
        if facts.interviewers == 0:
            warnings.append(f"{name} has no interviewers yet.")
    rows = []
    for key in keys:
        cells = tuple(key in facts.competencies for facts in rounds)
        competency = next(c for c in competencies if c["key"] == key)
        rows.append(
            CoverageRow(
                key=key,
                title=titles[key],
                must_haves=tuple(competency.get("must_haves") or ()),
                cells=cells,
            )
        )
        if sum(cells) < MIN_ROUNDS_PER_COMPETENCY:
            where = [f"“{facts.title}”" for facts, on in zip(rounds, cells, strict=True) if on]
            errors.append(
                f"“{titles[key]}” is assessed in {_plural(sum(cells), 'round')}"
                f"{' (' + ', '.join(where) + ')' if where else ''}; every competency needs at least "
                f"{MIN_ROUNDS_PER_COMPETENCY}."
            )
    mapping: list[tuple[str, tuple[str, ...]]] = []
    unmapped: list[str] = []
    if must_haves is not None:
        jd_lines = {normalise_line(line) for line in must_haves}
        for line in must_haves:
            owners = tuple(
                row.title for row in rows if normalise_line(line) in map(normalise_line, row.must_haves)
            )
            mapping.append((line, owners))
            if not owners:
                unmapped.append(line)
                warnings.append(f"The JD must-have “{line}” is not mapped to any competency.")
        for row in rows:
            for line in row.must_haves:
                if normalise_line(line) not in jd_lines:
                    warnings.append(
                        f"“{row.title}” maps “{line}”, which is not among the JD's must-haves."
                    )
    return CoverageReport(
        errors=tuple(errors),
        warnings=tuple(warnings),
        rounds=tuple(
            CoverageColumn(number=n, title=facts.title, kind=facts.kind)
            for n, facts in enumerate(rounds, 1)
        ),
        matrix=tuple(rows),
        must_haves=tuple(mapping),
        unmapped_must_haves=tuple(unmapped),
    )


def family_must_haves(family: str) -> tuple[str, ...] | None:
    """The must-have lines of our JD template ``family``, or None when there is no such template."""
    for template in list_templates():
        if template.key == family:
            return template.must_have
    return None


def coverage_report(template: LoopTemplate, role: JobRole | None = None) -> CoverageReport:
    """Check a loop template: a role's loop against its role's JD and panel, a library template
    against the must-haves of its family's JD template."""
    role = role if role is not None else template.role
    rounds = [
        RoundFacts(
            title=r.title,
            kind=r.kind,
            competencies=tuple(r.competencies),
            questions=len(r.question_ids),
            interviewers=None if role is None else len(r.interviewers),
        )
        for r in template.rounds
    ]
    must_haves = role.must_have if role is not None else family_must_haves(template.family)
    report = check_coverage(template.competencies, rounds, must_haves)
    if role is None:
        return report
    extra = []
    panel = {user.id for user in role.interviewers}
    for number, loop_round in enumerate(template.rounds, 1):
        for user in loop_round.interviewers:
            if user.id not in panel:
                extra.append(
                    f"{user.name} interviews in round {number} “{loop_round.title}” but is not on the "
                    "role's panel."
                )
    if template.bar_raiser_id is not None and template.bar_raiser_id not in panel:
        extra.append("The bar raiser is not on the role's panel.")
    if template.tie_break == TieBreak.BAR_RAISER_VETO and template.bar_raiser_id is None:
        extra.append("The tie-break rule is a bar-raiser veto, but no bar raiser is chosen.")
    return replace(report, warnings=report.warnings + tuple(extra))


def spec_coverage(spec: TemplateSpec, must_haves: Sequence[str] | None = None) -> CoverageReport:
    """Check a shipped template file against ``must_haves`` (default: its family's JD template)."""
    rounds = [
        RoundFacts(title=r.title, kind=r.kind, competencies=r.competencies, questions=len(r.questions))
        for r in spec.rounds
    ]
    if must_haves is None:
        must_haves = family_must_haves(spec.family)
    return check_coverage(spec.competencies_data(), rounds, must_haves)
