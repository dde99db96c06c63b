"""Aligning answers to questions with the real embedding model: seed 000's twelve answers to the
`ml-engineer-onsite` questions, labelled transcripts asked out of order, answers that match nothing;
and the order model itself on hand-made similarities."""

from __future__ import annotations

import numpy as np
import pytest

from core.embeddings import get_model
from interviews.library import find_template
from interviews.services.transcripts.alignment import (
    QuestionTarget,
    align_answers,
    align_similarities,
)
from interviews.services.transcripts.formats import read_transcript_file
from interviews.services.transcripts.segmentation import segment_transcript
from rubrics.packs import load_all_packs
from rubrics.scoring.embedding import EmbeddingScorer
from tests.interviews.test_transcript_segmentation import SEED, needs_seed

# What each of seed 000's answer paragraphs answers, in order.
SEED_QUESTIONS = [
    "scr-introduction",  # a bit about myself
    "ml-large-scale-training-evaluation",  # training on a large dataset, metrics
    "ml-loss-backprop",  # loss functions, back propagation
    "ml-architecture-hyperparameter-tuning",  # refining an architecture, hyper-parameters
    "ml-continuous-retraining-drift",  # continuous retraining mechanism
    "ml-transformers-vs-cnn-rnn",  # why transformers beat CNNs
    "code-debug-self-attention",  # what is wrong with this self-attention block
    "ml-generative-objectives",  # mean reduction is wrong for generative models
    "sd-scalable-genai-system",  # a scalable generative-AI system
    "sd-multi-team-model-platform",  # one model platform for many teams and projects
    "ml-pretrained-model-rag",  # a Hugging Face model for a chatbot, RAG
    "ml-fine-tuning-llms",  # fine-tuning GPT-2 for a client
]


@pytest.fixture(scope="module")
def encoder():
    return EmbeddingScorer(get_model()).encode


@pytest.fixture(scope="module")
def onsite_targets() -> list[QuestionTarget]:
    questions = {q.key: q for pack in load_all_packs() for q in pack.questions}
    template = find_template("ml-engineer-onsite")
    return [
        QuestionTarget(
            key=key,
            title=questions[key].title,
            prompt=questions[key].prompt,
            reference_answer=questions[key].rubric["reference_answer"],
            round_index=number,
        )
        for number, spec in enumerate(template.rounds)
        for key in spec.questions
    ]


@pytest.fixture(scope="module")
def seed_alignment(encoder, onsite_targets):
    if SEED is None:
        pytest.skip("shared/seeds is not beside the repository")
    body = read_transcript_file(SEED.read_bytes(), SEED.name).body
    segments = segment_transcript(body)
    return align_answers([s.text for s in segments], onsite_targets, encoder)


def test_the_template_asks_every_question_the_seed_answers(onsite_targets):
    assert set(SEED_QUESTIONS) <= {t.key for t in onsite_targets}


@needs_seed
@pytest.mark.parametrize("index", range(12), ids=lambda i: f"answer-{i + 1}")
def test_seed_000_answer_aligns_to_its_question(seed_alignment, index):
    alignment = seed_alignment[index]
    assert alignment.index == index
    assert alignment.key == SEED_QUESTIONS[index]
    assert 0 < alignment.confidence <= 1


@needs_seed
def test_seed_000_alignment_is_mostly_confident(seed_alignment):
    confident = [a for a in seed_alignment if a.confidence >= 0.5]
    assert len(seed_alignment) == 12 and len(confident) >= 8
    assert all(len(a.similarities) == 16 for a in seed_alignment)


OUT_OF_ORDER = """Interviewer: Let's start with retrieval. How would you pick a pretrained model and
design a RAG pipeline for questions over our internal documents?
Candidate: I would shortlist two or three models that our privacy rules allow, compare them on a few
hundred real employee questions, then chunk the documents, embed them, retrieve with hybrid search
and a re-ranker, and make the model cite the passages it used.
Interviewer: Going back to basics: what does a loss function do, and how does backpropagation work?
Candidate: The loss turns predictions and targets into one number; backpropagation applies the chain
rule from the loss back through each layer to get every weight's gradient, and the optimiser steps
against it.
Interviewer: Before we stop, how was your weekend?
Candidate: Lovely, thanks, we went hiking in the hills with the kids and had a picnic by the lake,
and the weather was sunny all day long.
Interviewer: And how would you notice that a production model drifts, and retrain it safely?
Candidate: I would monitor input and prediction distributions against the training data, alert on
a stability index, retrain on fresh data, and promote the new model only if it beats the current
one on a recent holdout, with a canary rollout.
"""


def test_a_labelled_transcript_aligns_out_of_order_and_leaves_small_talk_unaligned(
    encoder, onsite_targets
):
    segments = segment_transcript(OUT_OF_ORDER)
    assert len(segments) == 4
    alignments = align_answers(
        [s.text for s in segments],
        onsite_targets,
        encoder,
        spoken_questions=[s.spoken_question for s in segments],
    )
    assert [a.key for a in alignments] == [
        "ml-pretrained-model-rag",
        "ml-loss-backprop",
        None,
        "ml-continuous-retraining-drift",
    ]
    assert alignments[2].target is None and alignments[2].confidence > 0.5


def test_no_questions_leaves_every_answer_unaligned(encoder):
    alignments = align_answers(["An answer about gradients and losses."], [], encoder)
    assert [(a.key, a.confidence) for a in alignments] == [(None, 1.0)]
    assert align_answers([], [QuestionTarget("q", "Q", "Ask.")], encoder) == []


def targets(*rounds: int, in_round: bool = True) -> list[QuestionTarget]:
    return [
        QuestionTarget(f"q{i}", f"Q{i}", "", in_round=in_round, round_index=r)
        for i, r in enumerate(rounds)
    ]


def test_order_breaks_ties_between_equally_similar_questions():
    similarity = np.array([[0.5, 0.1, 0.1], [0.1, 0.4, 0.4], [0.1, 0.1, 0.5]])
    keys = [a.key for a in align_similarities(similarity, targets(0, 0, 0))]
    assert keys == ["q0", "q1", "q2"]


def test_a_clear_swap_wins_over_the_order():
    similarity = np.array([[0.1, 0.6, 0.1], [0.6, 0.1, 0.1], [0.1, 0.1, 0.6]])
    assert [a.key for a in align_similarities(similarity, targets(0, 0, 0))] == ["q1", "q0", "q2"]


def test_skipping_the_end_of_a_round_is_cheaper_than_the_start_of_the_next():
    # Answer 2 is about as close to q1 (end of round 0) as to q2 (start of round 1); answer 3 is q3.
    similarity = np.array([[0.5, 0.1, 0.1, 0.1], [0.1, 0.33, 0.3, 0.1], [0.1, 0.1, 0.1, 0.5]])
    keys = [a.key for a in align_similarities(similarity, targets(0, 0, 1, 1))]
    assert keys == ["q0", "q2", "q3"]


def test_weak_matches_are_left_unaligned_and_confidences_are_probabilities():
    similarity = np.array([[0.45, 0.1], [0.12, 0.15], [0.1, 0.45]])
    alignments = align_similarities(similarity, targets(0, 0))
    assert [a.key for a in alignments] == ["q0", None, "q1"]
    assert all(0 <= a.confidence <= 1 for a in alignments)
    assert alignments[0].confidence > 0.9


def test_questions_of_the_transcripts_round_are_preferred():
    own = QuestionTarget("own", "Own", "", in_round=True)
    other = QuestionTarget("other", "Other", "", in_round=False)
    assert align_similarities(np.array([[0.40, 0.42]]), [own, other])[0].key == "own"
    assert align_similarities(np.array([[0.40, 0.70]]), [own, other])[0].key == "other"
