"""Aligning a transcript's answers to the questions asked: embedding similarity plus question order.

1. Similarity of answer i and question j (cosines of sentence embeddings, through the rubrics
   embedding cache): the mean of *coverage* (each sentence of the question's title, prompt and
   reference answer against its closest answer sentence) and *focus* (each answer sentence against
   its closest question sentence), with a quarter of the weight on the answer's first sentence
   against the question's title and prompt, since candidates often open by restating the question.
   When the interviewer's spoken question is known (a labelled transcript), its similarity to the
   question's title and prompt takes ``spoken_weight`` of the score, and the order counts less.
2. Per answer, a softmax over the questions and one "none of them" option (a fixed similarity
   ``none_similarity``) turns similarities into probabilities; a question outside the transcript's
   own round pays ``other_round_penalty``.
3. A Viterbi pass picks the sequence with the lowest total cost: -log probability, plus penalties
   for skipping questions of the template order, for staying on the same question, and for going
   back to an earlier one. The template order is preferred, but skipped and swapped questions are
   allowed when the content says so.
4. An answer whose own text is less similar than ``min_similarity`` to a question cannot be
   aligned to it, whatever the spoken question was. Confidence is the posterior probability of the
   chosen question over all alignments weighted like the Viterbi costs (forward-backward), so it
   reflects both content and order; for an unaligned answer, the logistic margin between "none"
   and its closest question.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rubrics.scoring.text import split_sentences

Encoder = Callable[[list[str]], np.ndarray]
OPENING_WEIGHT = 0.25  # answers often open by restating the question they answer


@dataclass(frozen=True)
class QuestionTarget:
    """A question an answer may respond to, as plain text (from the question bank or a pack)."""

    key: str
    title: str
    prompt: str
    reference_answer: str = ""
    in_round: bool = True  # asked in the transcript's own round (preferred)
    round_index: int = 0  # position of the question's round in the loop


@dataclass(frozen=True)
class AlignOptions:
    temperature: float = 0.06
    none_similarity: float = 0.22
    min_similarity: float = 0.2  # of the answer's own content (the spoken question left out)
    spoken_weight: float = 0.6  # share of the spoken question's similarity, when it is known
    spoken_order_weight: float = 0.5  # order penalties count this much when the question was heard
    skip_penalty: float = 1.0  # per question jumped over at the start or middle of a round
    tail_skip_penalty: float = 0.1  # per question jumped over at the end of a round (time ran out)
    repeat_penalty: float = 1.5  # two answers in a row to the same question
    back_penalty: float = 2.0  # an answer to an earlier question than the previous one
    other_round_penalty: float = 1.0


@dataclass(frozen=True)
class AnswerAlignment:
    """Where one answer was aligned: ``target`` indexes the question list (None: unaligned)."""

    index: int
    target: int | None
    key: str | None
    confidence: float
    similarities: tuple[float, ...]  # per question, in the order given


@dataclass(frozen=True)
class Similarities:
    """Answers × questions: ``content`` from the answers' text, ``combined`` with the spoken
    questions mixed in where they are known (``heard``)."""

    content: np.ndarray
    combined: np.ndarray
    heard: np.ndarray  # one bool per answer


def _sentences(text: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(text)]


def similarity_matrix(
    answers: Sequence[str],
    targets: Sequence[QuestionTarget],
    encode: Encoder,
    *,
    spoken_questions: Sequence[str] = (),
    options: AlignOptions | None = None,
) -> Similarities:
    """Similarity (0-1, roughly) of every answer to every question."""
    options = options or AlignOptions()
    answer_sentences = [_sentences(answer) or [answer] for answer in answers]
    target_sentences = [
        _sentences(f"{t.title}.\n{t.prompt}\n{t.reference_answer}") or [t.title] for t in targets
    ]
    asked = [_sentences(f"{t.title}.\n{t.prompt}") or [t.title] for t in targets]
    spoken = [s.strip() for s in spoken_questions] + [""] * (len(answers) - len(spoken_questions))
    texts = {
        text: None
        for group in (*answer_sentences, *target_sentences, *asked, [s for s in spoken if s])
        for text in group
    }
    vectors = dict(zip(texts, encode(list(texts)), strict=True)) if texts else {}

    def stack(group: list[str]) -> np.ndarray:
        return np.stack([vectors[text] for text in group])

    target_vectors = [stack(group) for group in target_sentences]
    asked_vectors = [stack(group) for group in asked]
    content = np.zeros((len(answers), len(targets)), dtype=np.float32)
    combined = np.zeros_like(content)
    for i, group in enumerate(answer_sentences):
        answer_vectors = stack(group)
        for j, (target, question) in enumerate(zip(target_vectors, asked_vectors, strict=True)):
            cosines = answer_vectors @ target.T
            coverage = float(cosines.max(axis=0).mean())
            focus = float(cosines.max(axis=1).mean())
            opening = float((question @ answer_vectors[0]).max())
            content[i, j] = (1 - OPENING_WEIGHT) * (coverage + focus) / 2 + OPENING_WEIGHT * opening
        combined[i] = content[i]
        if spoken[i]:
            heard = np.array([float((q @ vectors[spoken[i]]).max()) for q in asked_vectors])
            combined[i] = (1 - options.spoken_weight) * content[i] + options.spoken_weight * heard
    return Similarities(content, combined, np.array([bool(s) for s in spoken]))


def _log_probabilities(similarities: np.ndarray, options: AlignOptions) -> np.ndarray:
    """Per answer: log softmax over [questions..., none]."""
    none = np.full((similarities.shape[0], 1), options.none_similarity, dtype=np.float64)
    logits = np.concatenate([similarities.astype(np.float64), none], axis=1) / options.temperature
    logits -= logits.max(axis=1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def _transition(previous: int, chosen: int, rounds: Sequence[int], options: AlignOptions) -> float:
    """Cost of answering question ``chosen`` after the last aligned question ``previous`` (-1: none).

    Jumping over the last questions of a round (the round ran out of time) or a whole round is
    cheap; jumping over the first questions of the round being answered is not.
    """
    if chosen == previous:
        return options.repeat_penalty
    if chosen < previous:
        return options.back_penalty
    return sum(
        options.tail_skip_penalty if rounds[q] < rounds[chosen] else options.skip_penalty
        for q in range(previous + 1, chosen)
    )


def align_answers(
    answers: Sequence[str],
    targets: Sequence[QuestionTarget],
    encode: Encoder,
    *,
    spoken_questions: Sequence[str] = (),
    options: AlignOptions | None = None,
) -> list[AnswerAlignment]:
    """Align each answer (in transcript order) to one of ``targets`` (in template order) or none."""
    if not answers:
        return []
    if not targets:
        return [AnswerAlignment(i, None, None, 1.0, ()) for i in range(len(answers))]
    options = options or AlignOptions()
    similarities = similarity_matrix(
        answers, targets, encode, spoken_questions=spoken_questions, options=options
    )
    return align_similarities(similarities, targets, options)


def align_similarities(
    similarities: Similarities | np.ndarray,
    targets: Sequence[QuestionTarget],
    options: AlignOptions | None = None,
) -> list[AnswerAlignment]:
    """The order-aware alignment of answers × questions similarities."""
    options = options or AlignOptions()
    if isinstance(similarities, np.ndarray):
        heard = np.zeros(similarities.shape[0], dtype=bool)
        similarities = Similarities(similarities, similarities, heard)
    # An answer whose own text is not about a question cannot be aligned to it, whatever was heard.
    usable = np.where(
        similarities.content >= options.min_similarity, similarities.combined, similarities.content
    )
    log_p = _log_probabilities(usable, options)
    n, m = usable.shape
    rounds = [t.round_index for t in targets]
    penalty = [0.0 if t.in_round else options.other_round_penalty for t in targets]
    moves = np.array(
        [[_transition(previous, j, rounds, options) for j in range(m)] for previous in range(-1, m)]
    )
    order = np.where(similarities.heard, options.spoken_order_weight, 1.0)
    # costs[i, s, j]: answering question j with answer i after state s (state = last aligned + 1).
    costs = order[:, None, None] * moves[None, :, :] + np.array(penalty)[None, None, :]

    cost = np.full(m + 1, math.inf)
    cost[0] = 0.0
    back: list[list[tuple[int, int | None]]] = []
    for i in range(n):
        new_cost = cost - log_p[i, m]  # unaligned: the last aligned question stays
        pointers: list[tuple[int, int | None]] = [(state, None) for state in range(m + 1)]
        totals = cost[:, None] + costs[i] - log_p[i, None, :m]
        best_from = np.argmin(totals, axis=0)
        for j in range(m):
            total = totals[best_from[j], j]
            if total < new_cost[j + 1]:
                new_cost[j + 1], pointers[j + 1] = total, (int(best_from[j]), j)
        cost = new_cost
        back.append(pointers)

    state = int(np.argmin(cost))
    chosen: list[int | None] = [None] * n
    for i in range(n - 1, -1, -1):
        state, chosen[i] = back[i][state]

    marginals = _posteriors(log_p, costs)
    alignments = []
    for i, j in enumerate(chosen):
        if j is not None and usable[i, j] < options.min_similarity:
            j = None
        if j is None:  # how much more it looks like nothing than like its closest question
            margin = (options.none_similarity - float(usable[i].max())) / options.temperature
            confidence = 1 / (1 + math.exp(-margin))
        else:
            confidence = float(marginals[i, j])
        alignments.append(
            AnswerAlignment(
                index=i,
                target=j,
                key=None if j is None else targets[j].key,
                confidence=round(min(1.0, max(0.0, confidence)), 4),
                similarities=tuple(round(float(s), 4) for s in similarities.combined[i]),
            )
        )
    return alignments


def _posteriors(log_p: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """P(answer i answers question j | all answers), j = m meaning none: forward-backward over the
    same costs as the Viterbi pass, so that order and content both count in the confidence."""
    n, width = log_p.shape
    m = width - 1
    # weight[i, s, j]: log-weight of answer i taking question j from state s.
    aligned = log_p[:, None, :m] - costs
    alpha = np.full((n + 1, m + 1), -np.inf)
    alpha[0, 0] = 0.0
    for i in range(n):
        stay = alpha[i] + log_p[i, m]
        moved = np.logaddexp.reduce(alpha[i][:, None] + aligned[i], axis=0)
        alpha[i + 1] = np.logaddexp(stay, np.concatenate([[-np.inf], moved]))
    beta = np.zeros((n + 1, m + 1))
    for i in range(n - 1, -1, -1):
        stay = log_p[i, m] + beta[i + 1]
        moved = np.logaddexp.reduce(aligned[i] + beta[i + 1][None, 1:], axis=1)
        beta[i] = np.logaddexp(stay, moved)
    total = np.logaddexp.reduce(alpha[n])
    result = np.zeros((n, width))
    for i in range(n):
        result[i, m] = np.exp(np.logaddexp.reduce(alpha[i] + log_p[i, m] + beta[i + 1]) - total)
        joint = alpha[i][:, None] + aligned[i] + beta[i + 1][None, 1:]
        result[i, :m] = np.exp(np.logaddexp.reduce(joint, axis=0) - total)
    return result
