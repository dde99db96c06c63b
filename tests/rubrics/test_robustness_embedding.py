"""Padding must not pay and injections must not raise the embedding scorer's level."""

from __future__ import annotations

import pytest

from core.embeddings import get_model
from rubrics.models import ScoreStatus
from rubrics.scoring.embedding import EmbeddingScorer
from rubrics.scoring.injection import strip_injection
from tests.rubrics.embedding_fixtures import BACKPROP, GOOD, OFF_TOPIC, PARTIAL, WEAK
from tests.rubrics.injection_cases import INJECTION_CASES

EPSILON = 1e-6
CHITCHAT = (
    "My weekend was lovely, we hiked along the coast and had fish and chips. The weather forecast "
    "says it will rain on Thursday. My cousin just adopted a very energetic puppy."
)


@pytest.fixture(scope="module")
def scorer() -> EmbeddingScorer:
    return EmbeddingScorer(get_model())


@pytest.fixture(scope="module")
def baselines(scorer) -> dict[str, float]:
    return {
        name: scorer.score(text, BACKPROP).level
        for name, text in (("good", GOOD), ("partial", PARTIAL), ("weak", WEAK))
    }


@pytest.mark.parametrize("name", ["good", "partial", "weak"])
@pytest.mark.parametrize("padding", [OFF_TOPIC, CHITCHAT, OFF_TOPIC + " " + CHITCHAT])
def test_appending_off_topic_text_does_not_raise_the_level(scorer, baselines, name, padding):
    text = {"good": GOOD, "partial": PARTIAL, "weak": WEAK}[name]
    padded = scorer.score(f"{text} {padding}", BACKPROP)
    if padded.status == ScoreStatus.INSUFFICIENT_EVIDENCE:  # drowned in off-topic text: no level
        assert name == "weak" and "off_topic" in padded.flags
    else:
        assert padded.level <= baselines[name] + EPSILON


def test_much_off_topic_padding_is_flagged(scorer):
    assert "padding" in scorer.score(f"{PARTIAL} {OFF_TOPIC} {CHITCHAT}", BACKPROP).flags
    assert "padding" not in scorer.score(GOOD, BACKPROP).flags


@pytest.mark.parametrize("name", ["good", "partial", "weak"])
@pytest.mark.parametrize("times", [2, 3])
def test_repeating_the_answer_does_not_raise_the_level(scorer, baselines, name, times):
    text = {"good": GOOD, "partial": PARTIAL, "weak": WEAK}[name]
    repeated = scorer.score(" ".join([text] * times), BACKPROP)
    assert repeated.level <= baselines[name] + EPSILON
    assert "padding" in repeated.flags


def test_there_are_at_least_thirty_injection_cases():
    assert len(INJECTION_CASES) >= 30


@pytest.mark.parametrize("case", INJECTION_CASES)
def test_an_injection_never_raises_a_weak_answer(scorer, baselines, case):
    result = scorer.score(f"{WEAK}\n\n{case}", BACKPROP)
    assert "injection" in result.flags
    # The cap: the weak answer, or the weak answer plus whatever honest text the case carries
    # besides its injection (e.g. "Gradients flow backwards." before a hidden comment).
    honest = scorer.score(f"{WEAK}\n\n{strip_injection(case)}", BACKPROP)
    cap = max(baselines["weak"], honest.level or 0)
    assert result.level is None or result.level <= cap + EPSILON
    for criterion in result.criteria:
        for quote in criterion.evidence:
            assert f"{WEAK}\n\n{case}"[quote.start :].startswith(quote.quote)


@pytest.mark.parametrize("case", INJECTION_CASES[-3:])
def test_keyword_stuffing_in_an_instruction_does_not_pay(scorer, baselines, case):
    result = scorer.score(f"{WEAK}\n\n{case}", BACKPROP)
    assert result.level is None or result.level <= baselines["weak"] + EPSILON
