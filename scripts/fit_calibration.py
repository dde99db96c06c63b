"""Fit the embedding scorer's few parameters on ../shared/datasets and write rubrics/calibration.json.

Run: .venv/bin/python scripts/fit_calibration.py [--rows 1500]

What is fitted, per training set (every data set, and every data set but one):
- off_topic: the mean sentence similarity to the question and reference under which an answer
  counts as off-topic: the 90th percentile of that figure for answers paired with the question and
  reference of ANOTHER data set (a different subject: what off-topic answers reach); the share of
  credited answers it rejects is reported;
- recall, lexical, precision: a least-squares linear map from the three reference features to the
  human score (0-1), each data set weighted equally, weights >= 0, anchored so that an unrelated
  answer (median features of answers to another data set's questions) maps to 0 (the intercept
  follows from that anchor; it is not fitted);
- confidence: a logistic model of |prediction - human| <= 1/6 (half a level of the 1-4 scale)
  on how decided the prediction is (|2s - 1|) and how on-topic the answer is.
temperature (exemplar softmax) and min_words are priors, copied, not fitted (no data set has
rubric exemplars). Every parameter set is then evaluated on the data set it left out; those
out-of-sample figures are stored under "held_out". Questions are fingerprinted so that the
evaluation command never uses a set fitted on the file it evaluates.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.optimize import lsq_linear, minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.embeddings import get_model  # noqa: E402
from rubrics.evaluation import (  # noqa: E402
    agreement,
    embedding_predictions,
    question_fingerprint,
    read_rows,
    sample_rows,
    split_rows,
    unit_score,
)
from rubrics.models import ScoreStatus  # noqa: E402
from rubrics.scoring.embedding import CALIBRATION_PATH, Calibration, EmbeddingScorer  # noqa: E402
from rubrics.scoring.text import split_sentences  # noqa: E402

DATASETS_DIR = ROOT.parent / "shared" / "datasets"
DATASETS = {
    "mohler": "mohler2011_cs_data_structures.csv",
    "saf": "saf2022_communication_networks.csv",
    "semeval": "semeval2013_scientsbank_2way.csv",
}
HALF_LEVEL = 1 / 6
PRIOR = Calibration()


def features(scorer: EmbeddingScorer, dataset) -> dict[str, np.ndarray]:
    """Reference features, topic similarity and gate status of every row (no human score seen)."""
    results = embedding_predictions(scorer, dataset.items)
    rows = {"recall": [], "lexical": [], "precision": [], "topic": [], "short": []}
    for result in results:
        reference = result.extra.get("reference", {})
        short = result.status == ScoreStatus.INSUFFICIENT_EVIDENCE and "too_short" in result.flags
        rows["short"].append(short)
        rows["topic"].append(result.extra.get("topic_similarity", 0.0))
        for name in ("recall", "lexical", "precision"):
            rows[name].append(reference.get(name, 0.0))
    arrays = {k: np.asarray(v, dtype=float) for k, v in rows.items() if k != "short"}
    arrays["short"] = np.asarray(rows["short"], dtype=bool)
    return arrays


def mismatched(
    scorer: EmbeddingScorer, data: dict[str, dict], pairs: int = 150
) -> dict[str, np.ndarray]:
    """Topic similarity, recall and precision of answers against rows of ANOTHER data set."""
    values: dict[str, list[float]] = {"topic": [], "recall": [], "precision": []}
    for a in data:
        for b in data:
            if a == b:
                continue
            items, others = data[a]["dataset"].items[:pairs], data[b]["dataset"].items[-pairs:]
            for item, other in zip(items, others, strict=False):
                answer = [s.text for s in split_sentences(item.answer)]
                reference = [s.text for s in split_sentences(other.reference_answer)]
                question = [s.text for s in split_sentences(other.question)]
                if not (answer and reference and question):
                    continue
                vectors = scorer.encode(answer)
                to_reference = vectors @ scorer.encode(reference).T
                to_question = vectors @ scorer.encode(question).T
                values["topic"].append(float(max(to_reference.max(), to_question.max())))
                values["recall"].append(float(to_reference.max(axis=0).mean()))
                values["precision"].append(
                    float(np.maximum(to_reference.max(axis=1), to_question.max(axis=1)).mean())
                )
    return {k: np.asarray(v) for k, v in values.items()}


def fit(train: dict[str, dict], prior: Calibration, scorer: EmbeddingScorer) -> Calibration:
    """Fit off_topic, the linear map and the confidence model on the training data sets.

    The map is anchored so that an unrelated answer (median recall and precision of answers to
    another data set's questions, no shared words) scores 0: only the feature weights are fitted,
    never a baseline that would reflect how lenient one data set's graders were.
    """
    null = mismatched(scorer, train)
    off_topic = float(np.percentile(null["precision"], 90))
    null_recall, null_precision = float(np.median(null["recall"])), float(np.median(null["precision"]))
    X, y, w = [], [], []
    for data in train.values():
        f, human = data["features"], data["human"]
        usable = ~f["short"] & (f["topic"] >= off_topic)
        X.append(
            np.column_stack([f["recall"] - null_recall, f["lexical"], f["precision"] - null_precision])[
                usable
            ]
        )
        y.append(human[usable])
        w.append(np.full(usable.sum(), 1.0 / usable.sum()))
    X, y, w = np.concatenate(X), np.concatenate(y), np.sqrt(np.concatenate(w))
    solution = lsq_linear(X * w[:, None], y * w, bounds=([0, 0, 0], [np.inf] * 3)).x
    calibration = replace(
        prior,
        intercept=round(-float(solution[0] * null_recall + solution[2] * null_precision), 4),
        recall=round(float(solution[0]), 4),
        lexical=round(float(solution[1]), 4),
        precision=round(float(solution[2]), 4),
        off_topic=round(off_topic, 4),
    )
    scores = np.clip(X @ solution, 0, 1)
    topic = np.concatenate(
        [
            d["features"]["topic"][~d["features"]["short"] & (d["features"]["topic"] >= off_topic)]
            for d in train.values()
        ]
    )
    within = (np.abs(scores - y) <= HALF_LEVEL).astype(float)
    design = np.column_stack([np.ones_like(scores), np.abs(2 * scores - 1), topic])
    weights = w**2

    def loss(beta: np.ndarray) -> float:
        z = design @ beta
        return float(np.sum(weights * (np.logaddexp(0, z) - within * z)) + 1e-3 * beta @ beta)

    beta = minimize(loss, np.zeros(3), method="BFGS").x
    return replace(calibration, confidence=tuple(round(float(b), 4) for b in beta))


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (confidence >= low) & (confidence < high if high < 1 else confidence <= high)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def held_out(model, calibration: Calibration, dataset, cache) -> dict:
    """Figures of a parameter set on a data set it was not fitted on (the real scorer, all gates)."""
    scorer = EmbeddingScorer(model, cache=cache, calibration=calibration)
    results = embedding_predictions(scorer, dataset.items)
    predicted = [unit_score(r) for r in results]
    figures = agreement(predicted, list(dataset.human))
    scored = [i for i, r in enumerate(results) if r.status == ScoreStatus.SCORED]
    confidence = np.array([results[i].confidence for i in scored])
    correct = np.array([abs(predicted[i] - dataset.human[i]) <= HALF_LEVEL for i in scored], dtype=float)
    figures.update(
        insufficient=len(results) - len(scored),
        mean_confidence=round(float(confidence.mean()), 4),
        share_within_half_level=round(float(correct.mean()), 4),
        confidence_ece=round(expected_calibration_error(confidence, correct), 4),
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1500, help="rows sampled per data set (seed 0)")
    parser.add_argument("--out", type=Path, default=CALIBRATION_PATH)
    options = parser.parse_args()
    started = time.perf_counter()
    model = get_model()
    # Feature pass: no gates but the length rule, no injection check (features only).
    raw = replace(PRIOR, off_topic=-1.0, name="features")
    data: dict[str, dict] = {}
    for name, filename in DATASETS.items():
        fieldnames, rows = read_rows(DATASETS_DIR / filename)
        dataset = split_rows(fieldnames, sample_rows(rows, options.rows, seed=0))
        data[name] = {
            "dataset": dataset,
            "human": np.asarray(dataset.human),
            "questions": sorted({question_fingerprint(r["question"]) for r in rows}),
            "rows": len(rows),
        }
    shared_cache = None
    for name, entry in data.items():
        scorer = EmbeddingScorer(
            model, cache=shared_cache, calibration=raw, injection_detector=lambda t: ()
        )
        shared_cache = scorer.cache
        entry["features"] = features(scorer, entry["dataset"])
        print(
            f"features {name}: {len(entry['human'])} rows, {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    # Second pass with each set's off_topic: the lexical feature counts only on-topic sentences.
    sets, reports = {}, {}
    for left_out in [None, *DATASETS]:
        train_names = [n for n in DATASETS if n != left_out]
        set_name = "all" if left_out is None else f"without_{left_out}"
        base = EmbeddingScorer(
            model, cache=shared_cache, calibration=raw, injection_detector=lambda t: ()
        )
        first = fit({n: data[n] for n in train_names}, PRIOR, base)
        for n in train_names:
            scorer = EmbeddingScorer(
                model,
                cache=shared_cache,
                calibration=replace(first, name="features"),
                injection_detector=lambda t: (),
            )
            data[n]["features"] = features(scorer, data[n]["dataset"])
        calibration = replace(fit({n: data[n] for n in train_names}, PRIOR, base), name=set_name)
        credited = np.concatenate(
            [data[n]["features"]["topic"][data[n]["human"] > 0] for n in train_names]
        )
        sets[set_name] = {
            "fitted_on": train_names,
            "credited_answers_below_off_topic": round(
                float((credited < calibration.off_topic).mean()), 4
            ),
            "params": {k: v for k, v in calibration.to_dict().items() if k != "name"},
        }
        if left_out is not None:
            reports[left_out] = {
                "params": set_name,
                **held_out(model, calibration, data[left_out]["dataset"], shared_cache),
            }
            print(f"held out {left_out}: {reports[left_out]}", flush=True)
    output = {
        "version": 1,
        "script": "scripts/fit_calibration.py",
        "model": EmbeddingScorer(model, calibration=PRIOR, injection_detector=lambda t: ()).model_name,
        "rows_per_dataset": options.rows,
        "sample_seed": 0,
        "priors": {"temperature": PRIOR.temperature, "min_words": PRIOR.min_words},
        "datasets": {
            name: {"file": DATASETS[name], "rows": entry["rows"], "questions": entry["questions"]}
            for name, entry in data.items()
        },
        "sets": sets,
        "held_out": reports,
    }
    options.out.write_text(json.dumps(output, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {options.out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
