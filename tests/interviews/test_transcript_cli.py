"""`flask interviews score-transcript PATH --loop TEMPLATE_SLUG [--judge/--no-judge]`: the JSON
contract on seed 000, the judge switch, and clear errors."""

from __future__ import annotations

import json

import pytest

from tests.interviews.test_transcript_alignment import SEED_QUESTIONS
from tests.interviews.test_transcript_segmentation import SEED, needs_seed

ENTRY_KEYS = {
    "index",
    "excerpt",
    "question_id",
    "question",
    "alignment",
    "embedding",
    "judge",
    "overall",
    "flags",
}
SHORT = """Interviewer: What does a loss function do, and how does backpropagation work?
Candidate: The loss turns the predictions and targets into one number to minimise, for example
cross-entropy for classification. Backpropagation applies the chain rule from the loss back through
every layer to get each weight's gradient, and the optimiser steps against it.
"""


@pytest.fixture
def runner(app, monkeypatch):
    for key in ("OPENAI_BASE_URL", "JUDGE_MODEL"):
        monkeypatch.setitem(app.config, key, None)  # no judge endpoint unless a test sets one
    return app.test_cli_runner()


def last_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def seed_result(app):
    if SEED is None:
        pytest.skip("shared/seeds is not beside the repository")
    result = app.test_cli_runner().invoke(
        args=["interviews", "score-transcript", str(SEED), "--loop", "ml-engineer-onsite", "--no-judge"]
    )
    return last_json(result)


@needs_seed
def test_seed_000_prints_the_contract_as_its_last_line(seed_result):
    answers = seed_result["answers"]
    assert set(seed_result) == {"answers", "seconds"} and seed_result["seconds"] > 0
    assert len(answers) == 12
    body = SEED.read_text(encoding="utf-8")
    for index, (entry, key) in enumerate(zip(answers, SEED_QUESTIONS, strict=True)):
        assert set(entry) == ENTRY_KEYS
        assert entry["index"] == index
        assert len(entry["excerpt"]) == 80 and entry["excerpt"] in body
        assert entry["question_id"] == key
        assert isinstance(entry["question"], str) and entry["question"]
        assert 0 < entry["alignment"] <= 1
        assert set(entry["embedding"]) == {"level", "evidence"}
        assert entry["judge"] is None
        level = entry["embedding"]["level"]
        if level is None:
            assert "insufficient_evidence" in entry["flags"] and entry["overall"] is None
        else:
            assert 1 <= level <= 4 and entry["overall"] == pytest.approx(level)
            assert entry["embedding"]["evidence"]
            assert all(quote in body for quote in entry["embedding"]["evidence"])
    assert sum(entry["embedding"]["level"] is not None for entry in answers) >= 10
    assert answers[0]["question"] == "Introduce yourself"


@needs_seed
def test_seed_000_levels_are_not_all_the_same(seed_result):
    levels = [e["embedding"]["level"] for e in seed_result["answers"] if e["embedding"]["level"]]
    assert max(levels) - min(levels) >= 0.3


def test_judge_without_an_endpoint_says_so_and_reports_the_embedding_match(runner, tmp_path):
    path = tmp_path / "short.txt"
    path.write_text(SHORT, encoding="utf-8")
    result = runner.invoke(
        args=["interviews", "score-transcript", str(path), "--loop", "ml-engineer-onsite", "--judge"]
    )
    data = last_json(result)
    assert "The LLM judge is off" in result.stderr and "OPENAI_BASE_URL" in result.stderr
    (entry,) = data["answers"]
    assert entry["question_id"] == "ml-loss-backprop" and entry["judge"] is None
    assert 1 <= entry["embedding"]["level"] <= 4


def test_the_judge_is_used_when_configured(runner, app, monkeypatch, tmp_path):
    from tests.rubrics.fake_openai_server import FakeOpenAI, first_sentence_reply

    path = tmp_path / "short.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>What does a loss function do, and "
        "how does backpropagation work?</v>\n\n00:00:04.000 --> 00:00:12.000\n<v Candidate>The loss "
        "turns predictions and targets into one number to minimise. Backpropagation applies the chain "
        "rule backwards through every layer to get each weight's gradient.</v>\n",
        encoding="utf-8",
    )
    with FakeOpenAI() as server:
        server.handler = first_sentence_reply
        monkeypatch.setitem(app.config, "OPENAI_BASE_URL", server.base_url)
        monkeypatch.setitem(app.config, "JUDGE_MODEL", "fake-judge")
        result = runner.invoke(
            args=["interviews", "score-transcript", str(path), "--loop", "ml-engineer-onsite"]
        )
    (entry,) = last_json(result)["answers"]
    assert entry["judge"]["level"] == 3 and entry["judge"]["status"] == "scored"
    assert entry["judge"]["evidence"] == [
        "The loss turns predictions and targets into one number to minimise"
    ]
    assert entry["overall"] is not None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty (0 bytes)"),
        ("slides.pdf", b"%PDF-1.4", ".txt, .vtt, .srt or .docx"),
        ("skills.txt", b"Python\nDocker\n", "No answers were found"),
    ],
)
def test_bad_files_fail_with_a_clear_message(runner, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(
        args=["interviews", "score-transcript", str(path), "--loop", "ml-engineer-onsite"]
    )
    assert result.exit_code != 0 and message in result.output


def test_an_unknown_template_lists_the_known_ones(runner, tmp_path):
    path = tmp_path / "short.txt"
    path.write_text(SHORT, encoding="utf-8")
    result = runner.invoke(args=["interviews", "score-transcript", str(path), "--loop", "nope"])
    assert result.exit_code != 0 and "ml-engineer-onsite" in result.output


def test_help_documents_the_judge_default(runner):
    result = runner.invoke(args=["interviews", "score-transcript", "--help"])
    text = " ".join(result.output.split())
    assert result.exit_code == 0
    assert "--judge / --no-judge" in text and "Default: on when an endpoint is configured" in text
