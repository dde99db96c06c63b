"""Scoring speed: embedding-scorer throughput ÷ raw model.encode throughput on the same answers.

Run: .venv/bin/python -m bench.scoring_speed [--answers 512]

Counting: answers per second. Raw: ``model.encode`` of the whole answers (one text each, batch 64).
Ours: a fresh scorer (empty cache) scoring the same answers against their questions' ad-hoc rubrics
(sentence splitting, encoding every answer sentence and each question's reference once, alignment,
evidence, injection check). Cached: the same scorer re-scoring the same answers (nothing encoded).
Best of --repeats runs each, in the same process, on the same machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.common import emit
from core.embeddings import get_model
from rubrics.evaluation import embedding_predictions, read_rows, sample_rows, split_rows
from rubrics.scoring.embedding import EmbeddingScorer

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dataset", default="mohler2011_cs_data_structures.csv")
    options = parser.parse_args()
    model = get_model()
    fieldnames, rows = read_rows(DATASETS / options.dataset)
    items = split_rows(fieldnames, sample_rows(rows, options.answers, 0)).items
    texts = [item.answer for item in items]
    words = sum(len(t.split()) for t in texts) / len(texts)
    model.encode(texts[:32], show_progress_bar=False)  # warm up

    def best(run) -> float:
        times = []
        for _ in range(options.repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return len(items) / min(times)

    raw = best(lambda: model.encode(texts, batch_size=64, show_progress_bar=False))
    ours = best(lambda: embedding_predictions(EmbeddingScorer(model), items))
    warm = EmbeddingScorer(model)
    embedding_predictions(warm, items)
    cached = best(lambda: embedding_predictions(warm, items))
    context = {"answers": len(items), "mean_words": round(words, 1), "dataset": options.dataset}
    emit("scoring_speed", "raw_encode_throughput", raw, "answers/s", **context)
    emit("scoring_speed", "embedding_scorer_throughput", ours, "answers/s", **context)
    emit("scoring_speed", "embedding_scorer_vs_raw_encode", ours / raw, "ratio", **context)
    emit("scoring_speed", "cached_rescoring_throughput", cached, "answers/s", **context)
    emit("scoring_speed", "cached_rescoring_vs_raw_encode", cached / raw, "ratio", **context)


if __name__ == "__main__":
    main()
