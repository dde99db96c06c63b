"""Scoring quality: agreement with human graders on each data set of ../shared/datasets.

Run: .venv/bin/python -m bench.scoring_quality [--limit 600] [--seed 0]

Per data set (a deterministic sample of --limit rows, seed --seed), one JSON object per line for:
- baseline: whole-answer all-MiniLM-L6-v2 cosine to the reference answer, clipped to 0-1, untrained;
- embedding: our scorer with the calibration fitted WITHOUT that data set (leave-one-data-set-out,
  chosen exactly as `flask rubrics evaluate` chooses it);
- human: grader 1 against grader 2, where the data has two graders (Mohler);
- with --judge-rows N: the LLM judge and the combined score on the first N rows of the sample, beside
  the embedding scorer and the baseline on the same N rows. The judge is the configured endpoint
  (OPENAI_BASE_URL, LOOPWISE_JUDGE_MODEL) or, with --local-judge, the tiny SmolLM2 server.
Scores are normalised to 0-1 (by max_score; levels as (level - 1) / 3) before the metrics.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from contextlib import contextmanager
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
from rubrics.scoring.adhoc import adhoc_content
from rubrics.scoring.combine import combine
from rubrics.scoring.embedding import EmbeddingScorer, load_calibration, read_calibration_file
from rubrics.scoring.judge import make_judge_scorer

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=600, help="rows per data set (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--judge-rows", type=int, default=0, help="rows per data set for the judge")
    parser.add_argument("--local-judge", action="store_true", help="start SmolLM2 as the judge")
    options = parser.parse_args()
    with judge_config(options) as config:
        run(options, config)


@contextmanager
def judge_config(options: argparse.Namespace):
    """The judge's endpoint settings: the local SmolLM2 server, the environment's, or none."""
    if not options.judge_rows:
        yield None
    elif options.local_judge:
        from rubrics.local_judge import start_local_judge, stop_local_judge

        judge = start_local_judge(port=8765)
        try:
            yield judge.config
        finally:
            stop_local_judge(judge)
    else:
        yield {
            "OPENAI_BASE_URL": os.environ.get("OPENAI_BASE_URL"),
            "OPENAI_API_KEY": os.environ.get("OPENAI_API_KEY"),
            "JUDGE_MODEL": os.environ.get("LOOPWISE_JUDGE_MODEL"),
        }


def run(options: argparse.Namespace, judge_settings: dict | None) -> None:
    model = get_model()
    calibration_data = read_calibration_file()
    judge = None
    if judge_settings is not None:
        judge, reason = make_judge_scorer(judge_settings)
        if judge is None:
            raise SystemExit(f"The judge is not available: {reason}")
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

        if judge is not None:
            emit_judge_figures(base, dataset, results, cosine, judge, options.judge_rows)

        if {"score_grader1", "score_grader2"} <= set(fieldnames):
            maximum = [float(r["max_score"]) for r in rows]
            first = [float(r["score_grader1"]) / m for r, m in zip(rows, maximum, strict=True)]
            second = [float(r["score_grader2"]) / m for r, m in zip(rows, maximum, strict=True)]
            emit({**base, "scorer": "human_grader1_vs_grader2", **agreement(first, second)})


def emit_judge_figures(base, dataset, embedded, cosine, judge, rows: int) -> None:
    """Judge and combined figures on the first ``rows`` items, with the others on the same rows."""
    items, human = dataset.items[:rows], dataset.human[:rows]
    started = time.perf_counter()
    judged, combined = [], []
    for item, embedding_result in zip(items, embedded, strict=False):
        content = adhoc_content(item.question, item.reference_answer)
        result = judge.score(item.answer, content, question=item.question)
        judged.append(result)
        combined.append(combine(content, embedding_result, result))
    seconds = time.perf_counter() - started
    same_rows = {**base, "n_judged": len(items), "judge_model": judge.model_name}
    unavailable = sum(r.level is None for r in judged)
    emit(
        {
            **same_rows,
            "scorer": "baseline_whole_cosine_same_rows",
            **agreement(list(cosine[:rows]), human),
        }
    )
    emit(
        {
            **same_rows,
            "scorer": "embedding_same_rows",
            **agreement([unit_score(r) for r in embedded[:rows]], human),
        }
    )
    emit(
        {
            **same_rows,
            "scorer": "judge",
            **agreement([unit_score(r) for r in judged], human),
            "no_level": unavailable,
            "seconds_per_answer": round(seconds / max(1, len(items)), 2),
        }
    )
    emit({**same_rows, "scorer": "combined", **agreement([unit_score(r) for r in combined], human)})


if __name__ == "__main__":
    main()
