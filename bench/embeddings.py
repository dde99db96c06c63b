"""Embedding throughput: core.embeddings.embed versus raw model.encode on the same sentences.

Run: .venv/bin/python -m bench.embeddings [--sentences 512]
"""

from __future__ import annotations

import argparse
import time

from bench.common import emit, transcript_sentences
from core import embeddings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()

    started = time.perf_counter()
    model = embeddings.get_model()
    emit("embeddings", "model_load", time.perf_counter() - started, "s")

    texts = transcript_sentences(options.sentences)
    words = sum(len(t.split()) for t in texts) / len(texts)
    model.encode(texts[:32], show_progress_bar=False)  # warm up

    def best_rate(run) -> float:
        best = float("inf")
        for _ in range(options.repeats):
            started = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - started)
        return len(texts) / best

    raw = best_rate(lambda: model.encode(texts, batch_size=64, show_progress_bar=False))
    ours = best_rate(lambda: embeddings.embed(texts, model=model))
    context = {"sentences": len(texts), "mean_words": round(words, 1)}
    emit("embeddings", "raw_encode_throughput", raw, "sentences/s", **context)
    emit("embeddings", "embed_throughput", ours, "sentences/s", **context)
    emit("embeddings", "embed_vs_raw_encode", ours / raw, "ratio", **context)


if __name__ == "__main__":
    main()
