"""Scoring quality: agreement with human graders on each data set of ../shared/datasets.

Run: .venv/bin/python -m bench.scoring_quality [--limit 600] [--seed 0]

Per data set (a deterministic sample of --limit rows, seed --seed), one JSON object per line for:
- baseline: whole-answer all-MiniLM-L6-v2 cosine to the reference answer, clipped to 0-1, untrained;
- embedding: our scorer with the calibration fitted WITHOUT that data set (leave-one-data-set-out,
  chosen exactly as `flask rubrics evaluate` chooses it);
- human: grader 1 against grader 2, where the data has two graders (Mohler).
Scores are normalised to 0-1 (by max_score; levels as (level - 1) / 3) before the metrics.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from core.embeddings import embed, get_model
from rubrics.evaluation import (
    agreement,
    choose_calibration,
    embedding_predictions,
    read_rows,
    sample_rows,
    split_rows,
    unit_score,
)
from rubrics.scoring.embedding import EmbeddingScorer, load_calibration, read_calibration_file

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=600, help="rows per data set (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    model = get_model()
    calibration_data = read_calibration_file()
    for path in sorted(DATASETS.glob("*.csv")):
        fieldnames, rows = read_rows(path)
        rows = sample_rows(rows, options.limit or None, options.seed)
        dataset = split_rows(fieldnames, rows)
        base = {"benchmark": "scoring_quality", "dataset": path.stem, "rows_in_file": None}
        base["rows_in_file"] = sum(1 for _ in open(path, encoding="utf-8")) - 1

        started = time.perf_counter()
        answers = embed([item.answer for item in dataset.items], model=model)
        references = embed([item.reference_answer for item in dataset.items], model=model)
        cosine = np.clip(np.sum(answers * references, axis=1), 0, 1)
        emit(
            {
                **base,
                "scorer": "baseline_whole_cosine",
                **agreement(list(cosine), dataset.human),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )

        name, why = choose_calibration((item.question for item in dataset.items), calibration_data)
        scorer = EmbeddingScorer(model, calibration=load_calibration(name))
        started = time.perf_counter()
        results = embedding_predictions(scorer, dataset.items)
        predicted = [unit_score(r) for r in results]
        insufficient = sum(r.level is None for r in results)
        emit(
            {
                **base,
                "scorer": "embedding",
                "calibration": name,
                **agreement(predicted, dataset.human),
                "insufficient_evidence": insufficient,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )

        if {"score_grader1", "score_grader2"} <= set(fieldnames):
            maximum = [float(r["max_score"]) for r in rows]
            first = [float(r["score_grader1"]) / m for r, m in zip(rows, maximum, strict=True)]
            second = [float(r["score_grader2"]) / m for r, m in zip(rows, maximum, strict=True)]
            emit({**base, "scorer": "human_grader1_vs_grader2", **agreement(first, second)})


if __name__ == "__main__":
    main()
