"""Golden sets and the release gate.

A golden set is a rubric's answers with human grades, imported from a CSV in the format of
``flask rubrics evaluate`` (question_id, question, reference_answer, answer, score, max_score).
The release gate scores the golden set twice, with the current published version and with the
candidate (a draft about to be published, or another judge model), and refuses the candidate
when its agreement with the human grades drops by more than the configured margin
(``LOOPWISE_GATE_MARGIN``, default 0.05) on QWK or on Spearman. The figures are those of
``rubrics evaluate`` (``rubrics.evaluation.agreement``): scores normalised to 0-1, QWK on five bins.

Every gate run is kept (``GateRun``): passed, refused, or let through with a warning when there
is nothing to compare (no golden set, fewer than ``MIN_GOLDEN`` answers, or a first version).
"""

from __future__ import annotations

import csv
import enum
import io
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import record_audit
from core.auth import User
from core.db import Base, str_enum, utcnow
from core.errors import DomainError
from rubrics.content import RubricContent, parse_content
from rubrics.evaluation import (
    REQUIRED_COLUMNS,
    EvaluationError,
    agreement,
    read_rows,
    split_rows,
    unit_score,
)
from rubrics.models import Question, Rubric, RubricVersion
from rubrics.scoring.types import ScorerResult

DEFAULT_MARGIN = 0.05
MIN_GOLDEN = 10  # below this many graded answers the figures are noise: "not enough data"
MAX_GOLDEN_ROWS = 500  # every publish scores the set twice
MAX_GOLDEN_BYTES = 1024 * 1024
MAX_ANSWER_CHARS = 20_000
MAX_ROW_ERRORS = 20  # shown; the count says how many more
GATE_METRICS = ("qwk", "spearman")
METRIC_NAMES = {"qwk": "QWK", "spearman": "Spearman"}


class GateOutcome(enum.StrEnum):
    PASSED = "passed"
    REFUSED = "refused"
    WARNING = "warning"  # let through without a comparison; the message says why

    @property
    def label(self) -> str:
        return {"passed": "Passed", "refused": "Refused", "warning": "Not checked"}[self.value]


class GoldenAnswer(Base):
    """A human-graded answer of a rubric's golden set (one row of the imported CSV)."""

    __tablename__ = "golden_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]  # the row's line in the file
    question_key: Mapped[str] = mapped_column(String(200), default="")  # the CSV's question_id
    question: Mapped[str] = mapped_column(Text, default="")
    reference_answer: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[float]
    max_score: Mapped[float]
    source_name: Mapped[str] = mapped_column(String(300), default="")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    imported_by: Mapped[User | None] = relationship()

    @property
    def human(self) -> float:
        """The human grade normalised to 0-1, as ``rubrics evaluate`` does."""
        return self.score / self.max_score


class GateRun(Base):
    """One run of the release gate: what was compared, the figures before and after, the outcome."""

    __tablename__ = "gate_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "rubric" (a new version) | "judge" (model/prompt)
    rubric_id: Mapped[int | None] = mapped_column(
        ForeignKey("rubrics.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("rubric_versions.id", ondelete="SET NULL"), index=True
    )  # the version published through this gate (None when refused, or for the judge)
    baseline: Mapped[str] = mapped_column(String(300), default="")  # e.g. "v2", "gpt-4o · judge-v1"
    candidate: Mapped[str] = mapped_column(String(300), default="")  # e.g. "draft (v3)"
    scorer: Mapped[str] = mapped_column(String(40))
    model: Mapped[str] = mapped_column(String(200), default="")
    n: Mapped[int] = mapped_column(default=0)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)  # agreement() of the baseline
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)  # agreement() of the candidate
    margin: Mapped[float]
    outcome: Mapped[GateOutcome] = mapped_column(str_enum(GateOutcome, 16))
    message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rubric: Mapped[Rubric | None] = relationship()
    version: Mapped[RubricVersion | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def passed(self) -> bool:
        return self.outcome is not GateOutcome.REFUSED


class GateRefused(DomainError):
    """The candidate agrees less with the golden set than the current version (figures in ``run``)."""

    status_code = 409

    def __init__(self, run: GateRun) -> None:
        super().__init__(run.message)
        self.run = run


class GoldenImportError(DomainError):
    """Rows of a golden-set file are not usable; ``errors`` names each one (nothing was saved)."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_ROW_ERRORS]
        more = f" (and {len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
        noun = "problem" if len(errors) == 1 else "problems"
        super().__init__(
            f"The file has {len(errors)} {noun}{more}; nothing was saved: " + "; ".join(shown)
        )
        self.errors = errors


# ---------------------------------------------------------------- configuration


def gate_margin(config: Mapping[str, Any]) -> float:
    """The allowed drop in agreement (``GATE_MARGIN``, from LOOPWISE_GATE_MARGIN; default 0.05)."""
    raw = config.get("GATE_MARGIN")
    if raw in (None, ""):
        return DEFAULT_MARGIN
    try:
        margin = float(raw)
    except (TypeError, ValueError):
        margin = math.nan
    if not 0 <= margin <= 1:
        raise DomainError(
            f"LOOPWISE_GATE_MARGIN is {raw!r}: set it to a number between 0 and 1 (e.g. 0.05)."
        )
    return margin


# ---------------------------------------------------------------- golden sets


def golden_answers(session: Session, rubric_id: int) -> list[GoldenAnswer]:
    """The rubric's golden set in file order."""
    return list(
        session.scalars(
            select(GoldenAnswer)
            .where(GoldenAnswer.rubric_id == rubric_id)
            .order_by(GoldenAnswer.position, GoldenAnswer.id)
        )
    )


@dataclass(frozen=True)
class GoldenSummary:
    n: int
    source_name: str
    imported_at: datetime | None
    imported_by: User | None
    enough: bool

    @property
    def not_enough_text(self) -> str:
        return f"not enough data (n = {self.n}; the gate needs {MIN_GOLDEN})"


def golden_summary(session: Session, rubric_id: int) -> GoldenSummary:
    answers = golden_answers(session, rubric_id)
    first = answers[0] if answers else None
    return GoldenSummary(
        n=len(answers),
        source_name=first.source_name if first else "",
        imported_at=first.imported_at if first else None,
        imported_by=first.imported_by if first else None,
        enough=len(answers) >= MIN_GOLDEN,
    )


def read_golden_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The rows of a CSV text, read by ``rubrics.evaluation.read_rows`` (same columns and aliases)."""
    descriptor, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        return read_rows(path)
    except EvaluationError as error:
        missing = str(error).split(": ", 1)[-1]
        raise DomainError(f"The file is not a golden set: {missing}. Nothing was saved.") from None
    except csv.Error as error:
        raise DomainError(f"The file is not readable CSV: {error}. Nothing was saved.") from None
    finally:
        os.unlink(path)


def _question_prompts(session: Session, rubric: Rubric) -> dict[str, str]:
    rows = session.execute(select(Question.key, Question.prompt).where(Question.rubric_id == rubric.id))
    return {key: prompt for key, prompt in rows}


def _check_row(fieldnames: list[str], row: dict[str, str], line: int) -> tuple[float, list[str]]:
    problems = []
    try:
        human = split_rows(fieldnames, [row]).human[0]  # the evaluate command's own check
    except EvaluationError:
        problems.append(f"line {line}: score and max_score must be numbers, max_score above 0")
        human = math.nan
    else:
        if not 0 <= human <= 1:
            problems.append(f"line {line}: score {row['score']} is not between 0 and {row['max_score']}")
    answer = (row.get("answer") or "").strip()
    if not answer:
        problems.append(f"line {line}: the answer is empty")
    elif len(answer) > MAX_ANSWER_CHARS:
        problems.append(f"line {line}: the answer is longer than {MAX_ANSWER_CHARS:,} characters")
    return human, problems


def import_golden_set(
    session: Session, rubric: Rubric, text: str, *, filename: str, actor_id: int | None
) -> list[GoldenAnswer]:
    """Replace the rubric's golden set with the rows of a CSV in the evaluate format.

    Every row is checked first; if any is unusable, nothing is saved and each problem is named.
    A row's question may be left empty when its question_id is the key of a question of this rubric.
    """
    fieldnames, rows = read_golden_rows(text)
    if not rows:
        raise DomainError("The file has a header but no answers. Nothing was saved.")
    if len(rows) > MAX_GOLDEN_ROWS:
        raise DomainError(
            f"The file has {len(rows):,} answers; a golden set is limited to {MAX_GOLDEN_ROWS} "
            "(every publish scores it twice). Nothing was saved."
        )
    prompts = _question_prompts(session, rubric)
    errors: list[str] = []
    checked = []
    for line, row in enumerate(rows, start=2):
        human, problems = _check_row(fieldnames, row, line)
        errors += problems
        checked.append((line, row, human))
    if errors:
        raise GoldenImportError(errors)
    before = len(golden_answers(session, rubric.id))
    session.execute(delete(GoldenAnswer).where(GoldenAnswer.rubric_id == rubric.id))
    name = (filename or "pasted text")[:300]
    answers = []
    for line, row, _human in checked:
        key = (row.get("question_id") or "").strip()
        answer = GoldenAnswer(
            rubric_id=rubric.id,
            position=line,
            question_key=key[:200],
            question=(row.get("question") or "").strip() or prompts.get(key, ""),
            reference_answer=(row.get("reference_answer") or "").strip(),
            answer=row["answer"].strip(),
            score=float(row["score"]),
            max_score=float(row["max_score"]),
            source_name=name,
            imported_by_id=actor_id,
        )
        session.add(answer)
        answers.append(answer)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action="golden_set.imported",
        object_type="rubric",
        object_id=rubric.id,
        summary=f"Imported the golden set of {rubric.key} from {name}: {len(answers)} graded answers",
        before={"answers": before},
        after={"answers": len(answers), "file": name},
    )
    return answers


def golden_csv(answers: Sequence[GoldenAnswer]) -> str:
    """The golden set as a CSV that ``flask rubrics evaluate`` reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REQUIRED_COLUMNS)
    for a in answers:
        writer.writerow(
            [
                a.question_key,
                a.question,
                a.reference_answer,
                a.answer,
                f"{a.score:g}",
                f"{a.max_score:g}",
            ]
        )
    return buffer.getvalue()


# ---------------------------------------------------------------- scoring and comparing

ScoreFunction = Callable[[str, RubricContent, str], ScorerResult]


def golden_agreement(
    answers: Sequence[GoldenAnswer],
    contents: Mapping[int, RubricContent],
    score: ScoreFunction,
) -> dict[str, Any]:
    """``rubrics evaluate``'s figures (n, Pearson, Spearman, QWK, RMSE) of a scorer on golden answers,
    each scored with the content of its rubric in ``contents``."""
    predicted = [unit_score(score(a.answer, contents[a.rubric_id], a.question)) for a in answers]
    return agreement(predicted, [a.human for a in answers])


def metric_drops(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, float]:
    """How much each gate metric fell (positive) or rose (negative); no figure counts as 0, the
    agreement of a scorer that gives every answer the same level."""
    return {m: round((before.get(m) or 0.0) - (after.get(m) or 0.0), 4) for m in GATE_METRICS}


def _figures(metrics: Mapping[str, Any]) -> str:
    def shown(value: Any) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    return ", ".join(f"{METRIC_NAMES[m]} {shown(metrics.get(m))}" for m in GATE_METRICS)


def compare_agreement(
    before: Mapping[str, Any], after: Mapping[str, Any], margin: float, *, baseline: str, candidate: str
) -> tuple[GateOutcome, str]:
    """Refuse when a gate metric drops by more than ``margin``; the message gives the figures."""
    drops = metric_drops(before, after)
    failing = [m for m, drop in drops.items() if drop > margin + 1e-9]
    figures = f"{baseline}: {_figures(before)}; {candidate}: {_figures(after)} (n = {after.get('n')})"
    if failing:
        worst = ", ".join(f"{METRIC_NAMES[m]} by {drops[m]:.3f}" for m in failing)
        return GateOutcome.REFUSED, (
            f"Refused by the release gate: agreement with the golden set drops by more than "
            f"{margin:.2f} ({worst}). {figures}."
        )
    return GateOutcome.PASSED, f"The release gate passed (margin {margin:.2f}). {figures}."


def _not_enough(n: int) -> str:
    return f"not enough data (n = {n}; the gate needs {MIN_GOLDEN} graded answers)"


def check_rubric_release(
    session: Session,
    rubric: Rubric,
    content: dict[str, Any],
    *,
    actor_id: int | None,
    config: Mapping[str, Any],
    scorer: Any | None = None,
) -> GateRun:
    """Compare the rubric's draft ``content`` with its current version on the golden set.

    ``scorer`` (name, model_name, score(answer, content, question=)) defaults to the embedding
    scorer. Returns the flushed GateRun; raises GateRefused (after recording it) when the draft
    agrees less than the current version by more than the margin.
    """
    margin = gate_margin(config)
    current = rubric.latest_version
    number = (current.number if current else 0) + 1
    answers = golden_answers(session, rubric.id)
    run = GateRun(
        kind="rubric",
        rubric_id=rubric.id,
        baseline=f"v{current.number}" if current else "",
        candidate=f"draft (v{number})",
        scorer=getattr(scorer, "name", "embedding"),
        n=len(answers),
        margin=margin,
        created_by_id=actor_id,
    )
    if not answers:
        run.outcome = GateOutcome.WARNING
        run.message = (
            f"No golden set for {rubric.key}: the release gate could not compare versions. Import "
            "graded answers to have new versions checked."
        )
    elif len(answers) < MIN_GOLDEN:
        run.outcome = GateOutcome.WARNING
        run.message = f"The release gate did not compare versions: {_not_enough(len(answers))}."
    else:
        scorer = scorer or _embedding_scorer(session)
        run.scorer, run.model = scorer.name, scorer.model_name

        def score(answer: str, rubric_content: RubricContent, question: str) -> ScorerResult:
            return scorer.score(answer, rubric_content, question=question)

        run.after = golden_agreement(answers, {rubric.id: parse_content(content)}, score)
        if current is None:
            run.outcome = GateOutcome.WARNING
            run.message = (
                f"First version: nothing to compare with. On the golden set: {_figures(run.after)} "
                f"(n = {run.n})."
            )
        else:
            run.before = golden_agreement(answers, {rubric.id: parse_content(current.content)}, score)
            run.outcome, run.message = compare_agreement(
                run.before, run.after, margin, baseline=f"v{current.number}", candidate="the draft"
            )
    session.add(run)
    session.flush()
    if run.outcome is GateOutcome.REFUSED:
        record_audit(
            session,
            actor_id=actor_id,
            action="rubric.release_refused",
            object_type="rubric",
            object_id=rubric.id,
            summary=f"The release gate refused the draft of {rubric.key}",
            after=gate_record(run),
        )
        raise GateRefused(run)
    return run


def _embedding_scorer(session: Session) -> Any:
    from rubrics.jobs import build_embedding_scorer  # loads the model: only when there is work

    return build_embedding_scorer(session)


def gate_record(run: GateRun) -> dict[str, Any]:
    """The gate run as plain data, for audit events and JSON output."""
    return {
        "gate_run_id": run.id,
        "outcome": run.outcome.value,
        "baseline": run.baseline,
        "candidate": run.candidate,
        "scorer": run.scorer,
        "model": run.model,
        "n": run.n,
        "before": run.before,
        "after": run.after,
        "margin": run.margin,
    }


def gate_runs_for_rubric(session: Session, rubric_id: int, limit: int = 20) -> list[GateRun]:
    """The rubric's latest gate runs, newest first (refusals included)."""
    return list(
        session.scalars(
            select(GateRun)
            .where(GateRun.rubric_id == rubric_id)
            .order_by(GateRun.id.desc())
            .limit(limit)
        )
    )


def gate_run_for_version(session: Session, version_id: int) -> GateRun | None:
    """The gate run that let a version through (None for versions published before the gate)."""
    return session.scalar(select(GateRun).where(GateRun.version_id == version_id))


# ---------------------------------------------------------------- judge model or prompt changes


def check_judge_release(
    session: Session,
    *,
    current: Any | None,
    candidate: Any,
    config: Mapping[str, Any],
    actor_id: int | None = None,
    rubric_keys: Sequence[str] = (),
) -> GateRun:
    """Compare a candidate judge (another model or prompt) with the configured one on every golden
    set whose rubric is published (or those of ``rubric_keys``), each scored with the rubric's
    current version. Records the run; returns it (outcome REFUSED when the candidate is worse)."""
    margin = gate_margin(config)
    statement = select(Rubric).where(Rubric.versions.any())
    if rubric_keys:
        statement = statement.where(Rubric.key.in_(rubric_keys))
    rubrics = {r.id: r for r in session.scalars(statement)}
    answers = [a for rubric_id in sorted(rubrics) for a in golden_answers(session, rubric_id)]
    contents = {rubric_id: parse_content(r.latest_version.content) for rubric_id, r in rubrics.items()}
    run = GateRun(
        kind="judge",
        baseline=_judge_label(current) if current is not None else "",
        candidate=_judge_label(candidate),
        scorer="judge",
        model=candidate.model_name,
        n=len(answers),
        margin=margin,
        created_by_id=actor_id,
    )

    def scoring(judge: Any) -> ScoreFunction:
        return lambda answer, content, question: judge.score(answer, content, question=question)

    if len(answers) < MIN_GOLDEN:
        run.outcome = GateOutcome.WARNING
        run.message = f"The judge gate did not compare judges: {_not_enough(len(answers))}."
    else:
        run.after = golden_agreement(answers, contents, scoring(candidate))
        if current is None:
            run.outcome = GateOutcome.WARNING
            run.message = (
                f"No judge is configured to compare with. {run.candidate} on the golden sets: "
                f"{_figures(run.after)} (n = {run.n})."
            )
        else:
            run.before = golden_agreement(answers, contents, scoring(current))
            run.outcome, run.message = compare_agreement(
                run.before, run.after, margin, baseline=run.baseline, candidate=run.candidate
            )
    session.add(run)
    session.flush()
    record_audit(
        session,
        actor_id=actor_id,
        action=f"judge.release_{run.outcome.value}",
        object_type="gate_run",
        object_id=run.id,
        summary=f"Judge gate, {run.outcome.value}: {run.candidate} against {run.baseline or 'none'}",
        after=gate_record(run),
    )
    return run


def _judge_label(judge: Any) -> str:
    from rubrics.scoring.judge import PROMPT_VERSION

    return f"{judge.model_name} · {getattr(judge, 'prompt_version', PROMPT_VERSION)}"
