"""The embedding-match scorer on a crafted rubric, with the real all-MiniLM-L6-v2 model."""

from __future__ import annotations

import numpy as np
import pytest

from core.embeddings import get_model
from rubrics.models import EmbeddingCacheEntry, ScoreStatus
from rubrics.scoring.adhoc import adhoc_content
from rubrics.scoring.cache import EmbeddingCache
from rubrics.scoring.embedding import Calibration, EmbeddingScorer, load_calibration
from rubrics.scoring.text import split_sentences
from tests.rubrics.embedding_fixtures import BACKPROP, GOOD, OFF_TOPIC, PARTIAL, WEAK, WRONG


class CountingModel:
    """The real model, counting how many texts reach ``encode``."""

    def __init__(self, model) -> None:
        self.model = model
        self.tokenizer = model.tokenizer
        self.calls: list[int] = []

    def encode(self, texts, **options):
        self.calls.append(len(texts))
        return self.model.encode(texts, **options)


@pytest.fixture(scope="module")
def scorer() -> EmbeddingScorer:
    return EmbeddingScorer(get_model())


def test_a_good_answer_beats_a_partial_one_which_beats_a_wrong_one(scorer):
    good, partial, wrong = (scorer.score(a, BACKPROP) for a in (GOOD, PARTIAL, WRONG))
    assert all(r.status == ScoreStatus.SCORED for r in (good, partial, wrong))
    assert good.level > partial.level > wrong.level
    assert good.level >= 3 and wrong.level < 2.5
    assert good.scorer == "embedding" and good.model == "all-MiniLM-L6-v2"
    assert 0 <= good.confidence <= 1 and all(0 <= c.confidence <= 1 for c in good.criteria)
    assert good.extra["calibration"] == "all"


def test_evidence_quotes_are_verbatim_with_their_offsets(scorer):
    result = scorer.score(GOOD, BACKPROP)
    evidence = result.criteria[0].evidence
    assert 1 <= len(evidence) <= 3
    for quote in evidence:
        assert quote.verified
        assert GOOD[quote.start : quote.start + len(quote.quote)] == quote.quote
    assert any("chain rule" in quote.quote for quote in evidence)


@pytest.mark.parametrize(
    ("answer", "flag"),
    [
        ("", "too_short"),
        ("   \n ", "too_short"),
        ("I am not sure, sorry.", "too_short"),
        (OFF_TOPIC, "off_topic"),
    ],
)
def test_empty_short_and_off_topic_answers_have_insufficient_evidence(scorer, answer, flag):
    result = scorer.score(answer, BACKPROP)
    assert result.status == ScoreStatus.INSUFFICIENT_EVIDENCE
    assert result.level is None and result.criteria == ()
    assert flag in result.flags


def test_a_short_reference_lowers_the_word_minimum(scorer):
    content = adhoc_content("How did you separate the salt from the water?", "The water evaporated.")
    result = scorer.score("We let the water evaporate.", content)
    assert result.status == ScoreStatus.SCORED
    assert result.level > 2.5


def test_a_short_answer_with_the_references_subject_words_is_scored_not_gated(scorer):
    content = adhoc_content(
        "Which phases of the software life cycle does the testing stage influence?",
        "The testing stage can influence both the coding stage and the solution refinement stage.",
    )
    short_and_right = scorer.score("coding and refining", content, question=content.title)
    no_answer = scorer.score("No response.", content, question=content.title)
    assert short_and_right.status == ScoreStatus.SCORED and short_and_right.level is not None
    assert no_answer.status == ScoreStatus.INSUFFICIENT_EVIDENCE and "too_short" in no_answer.flags


def test_a_rubric_without_reference_scores_on_its_exemplars(scorer):
    from dataclasses import replace

    content = replace(BACKPROP, reference_answer="")
    good, wrong = scorer.score(GOOD, content), scorer.score(WRONG, content)
    assert good.level > wrong.level
    assert set(good.extra["exemplar_levels"]["correctness"]) == {1, 2, 3, 4}


def test_the_in_process_cache_avoids_re_encoding():
    model = CountingModel(get_model())
    scorer = EmbeddingScorer(model)
    first = scorer.score(WEAK, BACKPROP)
    encoded = sum(model.calls)
    exemplars = [e for c in BACKPROP.criteria for level in c.levels.values() for e in level.exemplars]
    texts = (WEAK, BACKPROP.title, BACKPROP.reference_answer, *exemplars)
    assert encoded == len({s.text for t in texts for s in split_sentences(t)})  # each sentence once
    again = scorer.score(WEAK, BACKPROP)
    assert sum(model.calls) == encoded  # nothing encoded the second time
    assert again.level == first.level
    scorer.score(WEAK + " It also needs a learning rate.", BACKPROP)
    assert model.calls[-1] == 1  # only the new sentence


def test_the_database_cache_serves_a_fresh_process(session):
    model = CountingModel(get_model())
    first = EmbeddingScorer(model, cache=EmbeddingCache(session))
    result = first.score(PARTIAL, BACKPROP)
    session.flush()
    stored = session.query(EmbeddingCacheEntry).filter_by(model="all-MiniLM-L6-v2").count()
    assert stored == sum(model.calls) > 0
    calls = len(model.calls)
    second = EmbeddingScorer(model, cache=EmbeddingCache(session))  # empty in-process memory
    again = second.score(PARTIAL, BACKPROP)
    assert len(model.calls) == calls
    assert second.cache.db_hits == stored
    assert again.level == pytest.approx(result.level, abs=1e-4)
    vector = second.encode(["The forward pass computes the activations of every layer and the loss."])
    assert vector.dtype == np.float32 and abs(float(np.linalg.norm(vector)) - 1) < 1e-4


def test_the_committed_calibration_has_every_leave_one_out_set():
    for name in ("all", "without_mohler", "without_saf", "without_semeval"):
        calibration = load_calibration(name)
        assert isinstance(calibration, Calibration) and calibration.name == name
        assert calibration.recall >= 0 and calibration.lexical >= 0 and calibration.precision >= 0


def test_sentences_are_verbatim_substrings():
    text = 'First point.  "Second," he said! Third?\nA line without a stop\n' + "word " * 120
    sentences = split_sentences(text)
    assert [s.text for s in sentences[:4]] == [
        "First point.",
        '"Second," he said!',
        "Third?",
        "A line without a stop",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert len(sentences) > 5  # the long unpunctuated run is cut into windows
