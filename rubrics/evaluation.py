"""Agreement with human graders: metrics, and running a scorer over a CSV of graded answers.

The CSV has the columns question_id, question, reference_answer, answer (or student_answer),
score and max_score; other columns are carried through to ``--out`` but never used. The human
``score`` is removed from every row before any scorer sees it (``split_rows``), and only
comes back to compute the metrics.

Metrics, on scores normalised to 0-1 (human: score / max_score; ours: (level - 1) / 3, and 0 for
an answer with insufficient evidence, i.e. level 1):
- Pearson and Spearman correlation, RMSE;
- QWK: quadratic weighted kappa after rounding both sides to the nearest of the five bins
  0, 0.25, 0.5, 0.75, 1 (``QWK_BINS``).
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from rubrics.models import ScoreStatus
from rubrics.scoring.adhoc import adhoc_content
from rubrics.scoring.text import normalise
from rubrics.scoring.types import ScorerResult

REQUIRED_COLUMNS = ("question_id", "question", "reference_answer", "answer", "score", "max_score")
HUMAN_COLUMNS = ("score",)  # never shown to a scorer
QWK_BINS = 5
SCORERS = ("embedding", "judge", "combined")
JUDGE_NOT_CONFIGURED = "judge not configured: set OPENAI_BASE_URL and LOOPWISE_JUDGE_MODEL"


class EvaluationError(ValueError):
    """The data or the options cannot be evaluated; the message says why."""


# Metrics -----------------------------------------------------------------------------------------


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(stats.pearsonr(x, y)[0])


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(stats.spearmanr(x, y)[0])


def rmse(x: Sequence[float], y: Sequence[float]) -> float:
    return float(np.sqrt(np.mean((np.asarray(x, dtype=float) - np.asarray(y, dtype=float)) ** 2)))


def to_bins(values: Sequence[float], bins: int = QWK_BINS) -> np.ndarray:
    """0-1 values rounded to the nearest of ``bins`` evenly spaced points, as bin indexes."""
    return np.clip(np.rint(np.asarray(values, dtype=float) * (bins - 1)), 0, bins - 1).astype(int)


def qwk(x: Sequence[float], y: Sequence[float], bins: int = QWK_BINS) -> float:
    """Quadratic weighted kappa of two 0-1 ratings after rounding both to ``bins`` bins."""
    a, b = to_bins(x, bins), to_bins(y, bins)
    observed = np.zeros((bins, bins))
    for i, j in zip(a, b, strict=True):
        observed[i, j] += 1
    weights = np.array([[(i - j) ** 2 for j in range(bins)] for i in range(bins)]) / (bins - 1) ** 2
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / max(1, len(a))
    denominator = (weights * expected).sum()
    if denominator == 0:
        return float("nan")
    return float(1 - (weights * observed).sum() / denominator)


def agreement(predicted: Sequence[float], human: Sequence[float]) -> dict[str, float]:
    """n, Pearson, Spearman, QWK and RMSE of two 0-1 score lists."""
    return {
        "n": len(predicted),
        "pearson": _round(pearson(predicted, human)),
        "spearman": _round(spearman(predicted, human)),
        "qwk": _round(qwk(predicted, human)),
        "rmse": _round(rmse(predicted, human)),
    }


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def level_to_unit(level: float | None) -> float:
    """A 1-4 level as 0-1; no level (insufficient evidence) counts as level 1."""
    return 0.0 if level is None else min(1.0, max(0.0, (level - 1) / 3))


# Data --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """What a scorer may see of a row: no human score."""

    question_id: str
    question: str
    reference_answer: str
    answer: str


@dataclass
class Dataset:
    fieldnames: list[str]
    rows: list[dict[str, str]]  # the full input rows, for --out
    items: list[Item] = field(default_factory=list)
    human: list[float] = field(default_factory=list)  # score / max_score, kept apart from items


def read_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """The rows of a CSV file, with ``student_answer`` accepted for ``answer``."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        fieldnames = list(reader.fieldnames or [])
        rows = list(reader)
    if "answer" not in fieldnames and "student_answer" in fieldnames:
        for row in rows:
            row["answer"] = row["student_answer"]
    present = set(fieldnames) | ({"answer"} if "student_answer" in fieldnames else set())
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise EvaluationError(f"{path}: missing columns {missing} (need {list(REQUIRED_COLUMNS)})")
    return fieldnames, rows


def sample_rows(rows: list[dict[str, str]], limit: int | None, seed: int = 0) -> list[dict[str, str]]:
    """At most ``limit`` rows, drawn deterministically with ``seed``, kept in file order."""
    if limit is None or limit >= len(rows):
        return rows
    chosen = sorted(random.Random(seed).sample(range(len(rows)), limit))
    return [rows[i] for i in chosen]


def split_rows(fieldnames: list[str], rows: list[dict[str, str]]) -> Dataset:
    """Separate what scorers may see (``items``) from the human grades (``human``)."""
    dataset = Dataset(fieldnames=fieldnames, rows=rows)
    for number, row in enumerate(rows, start=2):
        try:
            maximum = float(row["max_score"])
            human = float(row["score"]) / maximum
        except (TypeError, ValueError, ZeroDivisionError):
            raise EvaluationError(
                f"line {number}: score and max_score must be numbers, max > 0"
            ) from None
        visible = {k: v for k, v in row.items() if k not in HUMAN_COLUMNS}
        dataset.items.append(
            Item(
                question_id=visible.get("question_id") or "",
                question=visible.get("question") or "",
                reference_answer=visible.get("reference_answer") or "",
                answer=visible.get("answer") or "",
            )
        )
        dataset.human.append(human)
    return dataset


def write_predictions(path: str | Path, dataset: Dataset, predicted: Sequence[float]) -> None:
    """The input rows plus a ``predicted`` column (0-1)."""
    fieldnames = [f for f in dataset.fieldnames if f != "predicted"] + ["predicted"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, extrasaction="ignore")
        writer.writeheader()
        for row, value in zip(dataset.rows, predicted, strict=True):
            writer.writerow({**row, "predicted": f"{value:.4f}"})


# Which calibration may be used -------------------------------------------------------------------


def question_fingerprint(question: str) -> str:
    """A short hash of a normalised question, to recognise the training data sets' questions."""
    return hashlib.sha256(normalise(question).encode()).hexdigest()[:16]


def choose_calibration(questions: Iterable[str], calibration_data: dict[str, Any]) -> tuple[str, str]:
    """The parameter set fitted without any data set that shares questions with the file.

    Returns (set name, a sentence saying why), and raises EvaluationError when no set excludes
    every overlapping data set (fitting on the file being evaluated is never allowed).
    """
    fingerprints = {question_fingerprint(q) for q in questions}
    overlapping = sorted(
        name
        for name, info in calibration_data["datasets"].items()
        if fingerprints & set(info["questions"])
    )
    if not overlapping:
        return "all", "no question of this file was used for fitting: parameters fitted on all data sets"
    name = "without_" + "_".join(overlapping)
    if name not in calibration_data["sets"]:
        raise EvaluationError(
            f"This file shares questions with several calibration data sets ({', '.join(overlapping)}); "
            "no calibration was fitted without all of them."
        )
    return name, f"the file shares questions with {', '.join(overlapping)}: using {name}"


# Running a scorer --------------------------------------------------------------------------------

Scorer = Callable[[Sequence[Item]], list[ScorerResult | float | None]]


@dataclass(frozen=True)
class Evaluation:
    summary: dict[str, Any]
    predicted: list[float]
    statuses: list[str]


def embedding_predictions(scorer: Any, items: Sequence[Item], chunk: int = 256) -> list[ScorerResult]:
    """Embedding results for every item (one ad-hoc rubric per question and reference answer)."""
    contents: dict[tuple[str, str], Any] = {}
    results: list[ScorerResult] = []
    for first in range(0, len(items), chunk):
        batch = items[first : first + chunk]
        pairs = []
        for item in batch:
            key = (item.question, item.reference_answer)
            if key not in contents:
                contents[key] = adhoc_content(item.question, item.reference_answer)
            pairs.append((item.answer, contents[key]))
        results.extend(scorer.score_many(pairs, questions=[item.question for item in batch]))
    return results


def unit_score(result: ScorerResult | Any) -> float:
    """A scorer result (or anything with ``.level``) as a 0-1 prediction."""
    status = getattr(result, "status", ScoreStatus.SCORED)
    if status != ScoreStatus.SCORED:
        return 0.0
    return level_to_unit(getattr(result, "level", None))


def evaluate(
    dataset: Dataset, predict: Callable[[Sequence[Item]], list[Any]], *, scorer: str, model: str
) -> Evaluation:
    """Score every item with ``predict`` (which sees no human score), then compare with the humans."""
    started = time.perf_counter()
    results = predict(dataset.items)
    seconds = time.perf_counter() - started
    predicted = [unit_score(r) for r in results]
    statuses = [str(getattr(r, "status", ScoreStatus.SCORED)) for r in results]
    summary = agreement(predicted, dataset.human)
    summary.update(scorer=scorer, model=model, seconds=round(seconds, 2))
    return Evaluation(summary=summary, predicted=predicted, statuses=statuses)
