"""Agreement metrics against hand-computed values, and the `flask rubrics evaluate` contract."""

from __future__ import annotations

import csv
import json

import pytest

from rubrics.cli import rubrics_group
from rubrics.evaluation import (
    JUDGE_NOT_CONFIGURED,
    agreement,
    choose_calibration,
    level_to_unit,
    qwk,
    read_rows,
    split_rows,
    to_bins,
)
from tests.rubrics.embedding_fixtures import BACKPROP, GOOD, OFF_TOPIC, PARTIAL, WEAK, WRONG

SUMMARY_KEYS = {"n", "pearson", "spearman", "qwk", "rmse", "scorer", "model", "seconds"}


def test_metrics_match_hand_computed_values():
    # x = 0, .5, 1 and y = 0, 1, 1: r = .5 / sqrt(.5 * 2/3) = .8660; ranks give the same;
    # RMSE = sqrt(.25 / 3) = .2887; bins x 0,2,4 / y 0,4,4: QWK = 1 - .25 / 1.25 = .8.
    figures = agreement([0, 0.5, 1], [0, 1, 1])
    assert figures == {"n": 3, "pearson": 0.866, "spearman": 0.866, "qwk": 0.8, "rmse": 0.2887}
    assert qwk([0, 0.25, 0.5, 1], [0, 0.25, 0.5, 1]) == pytest.approx(1.0)
    assert list(to_bins([0, 0.12, 0.13, 0.6, 1])) == [0, 0, 1, 2, 4]
    assert level_to_unit(1) == 0 and level_to_unit(4) == 1 and level_to_unit(2.5) == 0.5
    assert level_to_unit(None) == 0


def test_the_human_score_is_kept_apart_from_what_scorers_see(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "question_id,question,reference_answer,student_answer,score,max_score\nq,Q?,R.,A.,3,5\n"
    )
    dataset = split_rows(*read_rows(path))
    assert dataset.human == [0.6]
    assert not hasattr(dataset.items[0], "score") and dataset.items[0].answer == "A."


def test_calibration_never_uses_a_set_fitted_on_the_evaluated_questions():
    data = {
        "datasets": {"a": {"questions": []}, "b": {"questions": []}},
        "sets": {"all": {}, "without_a": {}, "without_b": {}},
    }
    from rubrics.evaluation import question_fingerprint

    data["datasets"]["a"]["questions"] = [question_fingerprint("What is a stack?")]
    assert choose_calibration(["What is  a STACK?"], data)[0] == "without_a"
    assert choose_calibration(["Something new?"], data)[0] == "all"


def _write_csv(path, scores):
    answers = [GOOD, PARTIAL, WRONG, WEAK, OFF_TOPIC, GOOD + " " + PARTIAL]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["question_id", "question", "reference_answer", "answer", "score", "max_score", "note"]
        )
        for number, (answer, score) in enumerate(zip(answers, scores, strict=True)):
            writer.writerow(
                ["bp", BACKPROP.title, BACKPROP.reference_answer, answer, score, 4, f"row {number}"]
            )


@pytest.fixture
def runner(app):
    if "rubrics" not in app.cli.commands:
        app.cli.add_command(rubrics_group)
    return app.test_cli_runner()


def test_evaluate_prints_the_contract_json_last_and_writes_predictions(runner, tmp_path):
    data, out = tmp_path / "data.csv", tmp_path / "pred.csv"
    _write_csv(data, [4, 2, 0, 1, 0, 3])
    result = runner.invoke(
        args=["rubrics", "evaluate", str(data), "--scorer", "embedding", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) == SUMMARY_KEYS
    assert (
        summary["n"] == 6 and summary["scorer"] == "embedding" and summary["model"] == "all-MiniLM-L6-v2"
    )
    assert summary["pearson"] > 0.5
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "question_id",
        "question",
        "reference_answer",
        "answer",
        "score",
        "max_score",
        "note",
        "predicted",
    ]
    predicted = [float(r["predicted"]) for r in rows]
    assert all(0 <= p <= 1 for p in predicted)
    assert predicted[0] > predicted[1] > predicted[2] and predicted[4] == 0  # off-topic: no evidence
    assert rows[5]["note"] == "row 5"

    # Scrambling the human scores changes no prediction: the score column is never read.
    scrambled, out2 = tmp_path / "scrambled.csv", tmp_path / "pred2.csv"
    _write_csv(scrambled, [0, 4, 1, 4, 3, 0])
    result = runner.invoke(args=["rubrics", "evaluate", str(scrambled), "--out", str(out2)])
    assert result.exit_code == 0, result.output
    with open(out2, newline="") as handle:
        assert [float(r["predicted"]) for r in csv.DictReader(handle)] == predicted


def test_limit_scores_a_deterministic_sample(runner, tmp_path):
    data = tmp_path / "data.csv"
    _write_csv(data, [4, 2, 0, 1, 0, 3])
    outputs = [
        runner.invoke(args=["rubrics", "evaluate", str(data), "--limit", "3", "--sample-seed", "7"])
        for _ in range(2)
    ]
    summaries = [json.loads(o.stdout.strip().splitlines()[-1]) for o in outputs]
    assert summaries[0]["n"] == 3 and summaries[0]["pearson"] == summaries[1]["pearson"]


@pytest.mark.parametrize("scorer", ["judge", "combined"])
def test_judge_scorers_need_configuration(runner, tmp_path, app, monkeypatch, scorer):
    monkeypatch.setitem(app.config, "OPENAI_BASE_URL", None)
    monkeypatch.setitem(app.config, "JUDGE_MODEL", None)
    data = tmp_path / "data.csv"
    _write_csv(data, [4, 2, 0, 1, 0, 3])
    result = runner.invoke(args=["rubrics", "evaluate", str(data), "--scorer", scorer])
    assert result.exit_code != 0
    assert JUDGE_NOT_CONFIGURED in result.output


def test_missing_columns_are_a_clear_error(runner, tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text("question,answer\nQ?,A.\n")
    result = runner.invoke(args=["rubrics", "evaluate", str(data)])
    assert result.exit_code != 0 and "missing columns" in result.output
