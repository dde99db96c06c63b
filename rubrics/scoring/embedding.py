"""The embedding-match scorer: sentence-level alignment of an answer with a rubric.

How an answer is scored (all similarities are cosines of all-MiniLM-L6-v2 sentence vectors):

1. The answer, the reference answer and the exemplars are split into sentences; repeated answer
   sentences count once (so repeating an answer changes nothing).
2. Gates: an empty answer, or one with fewer than ``min_words`` words (8, or half the reference
   answer's length when that is shorter) that uses none of the reference's subject words (those the
   question does not already contain), is ``too_short``; one whose sentences are on average less
   similar than ``off_topic`` to their closest sentence of the question and reference (the best
   levels' exemplars when there is no reference) is ``off_topic``. Both give the status
   INSUFFICIENT_EVIDENCE and no level.
3. Against the reference answer, three features that do not grow with length:
   - recall: mean over reference sentences of the best similarity to any answer sentence (how much
     of the reference the answer covers; invariant to repetition),
   - lexical: the share of the reference's content words (question words left out) found in the
     answer's on-topic sentences,
   - precision: mean over answer sentences of their best similarity to the reference or question
     (off-topic sentences pull it down, so padding costs).
   A linear map with a handful of parameters, fitted by scripts/fit_calibration.py on
   ../shared/datasets and stored in rubrics/calibration.json, turns them into a 0-1 score s;
   the reference level is 1 + 3 s.
4. Per criterion with exemplars: the same three features against each level's exemplars give an
   affinity per level; a softmax over levels (temperature ``temperature``, a prior, not fitted: no
   data set has exemplars) gives the expected exemplar level. The criterion level is the mean of
   the reference level and the exemplar level (whichever exist).
5. Confidence: a logistic model of "within half a level of the human grade" on how decided s is and
   how on-topic the answer is (fitted beside the score map); for exemplar levels, the probability
   margin between the two most likely levels. Both are averaged when both exist.
6. Evidence: the answer sentences most similar to the criterion's best-level exemplars and the
   reference, quoted verbatim with their offsets.
7. Flags: ``padding`` when a large share of the answer's sentences are off-topic or repeated,
   ``injection`` when ``rubrics.scoring.injection`` finds text aimed at a grader; then the answer is
   also scored without the injected spans and the lower of the two results is kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rubrics.content import RubricContent
from rubrics.models import ScoreStatus
from rubrics.scoring.cache import EmbeddingCache
from rubrics.scoring.text import Sentence, content_words, normalise, split_sentences, word_count
from rubrics.scoring.types import CriterionScore, Evidence, ScorerResult

SCORER = "embedding"
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
CALIBRATION_PATH = Path(__file__).resolve().parents[1] / "calibration.json"
EVIDENCE_QUOTES = 3
PADDING_SHARE = 0.34  # flag padding when at least this share of sentences is off-topic or repeated

FLAG_TOO_SHORT = "too_short"
FLAG_OFF_TOPIC = "off_topic"
FLAG_PADDING = "padding"
FLAG_INJECTION = "injection"


@dataclass(frozen=True)
class Calibration:
    """The scorer's few parameters; ``name`` says which fitted set they are (see calibration.json)."""

    intercept: float = -0.45
    recall: float = 1.0
    lexical: float = 0.5
    precision: float = 0.0
    off_topic: float = 0.15
    confidence: tuple[float, float, float] = (-0.5, 2.0, 1.0)  # intercept, decidedness, topic
    temperature: float = 0.05  # softmax over exemplar levels: a prior, not fitted
    min_words: int = 8
    name: str = "prior"

    def score(self, recall: float, lexical: float, precision: float) -> float:
        """The 0-1 score of the reference features (clipped linear map)."""
        raw = self.intercept + self.recall * recall + self.lexical * lexical + self.precision * precision
        return min(1.0, max(0.0, raw))

    def affinity(self, recall: float, lexical: float, precision: float) -> float:
        """The unclipped weighted features (the exemplar levels' softmax logits, before temperature)."""
        return self.recall * recall + self.lexical * lexical + self.precision * precision

    def confidence_of(self, score: float, topic: float) -> float:
        """Probability, per the fitted logistic model, that the score is within half a level."""
        c0, c_decided, c_topic = self.confidence
        return 1.0 / (1.0 + math.exp(-(c0 + c_decided * abs(2 * score - 1) + c_topic * topic)))

    @classmethod
    def from_dict(cls, data: dict[str, Any], name: str = "") -> Calibration:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "confidence" in fields:
            fields["confidence"] = tuple(fields["confidence"])
        if name:
            fields["name"] = name
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["confidence"] = list(self.confidence)
        return data


def read_calibration_file(path: Path | None = None) -> dict[str, Any]:
    """The committed calibration file (parameters per training set, dataset fingerprints, reports)."""
    return json.loads((path or CALIBRATION_PATH).read_text(encoding="utf-8"))


def load_calibration(name: str = "all", path: Path | None = None) -> Calibration:
    """A fitted parameter set by name: "all" (every dataset) or "without_<dataset>"."""
    data = read_calibration_file(path)
    if name not in data["sets"]:
        raise LookupError(f"No calibration set {name!r}; known: {sorted(data['sets'])}")
    return Calibration.from_dict(data["sets"][name]["params"], name=name)


def model_label(model: Any) -> str:
    """The model's folder name ("all-MiniLM-L6-v2" for the default package's ``model/`` folder)."""
    path = getattr(getattr(model, "tokenizer", None), "name_or_path", "") or ""
    name = Path(path).name if path else ""
    if not name or name == "model":
        return DEFAULT_MODEL_NAME
    return name


@dataclass(frozen=True)
class Features:
    """Length-free features of an answer against a set of target sentences."""

    recall: float
    lexical: float
    precision: float


@dataclass
class _Answer:
    sentences: list[Sentence]  # unique sentences (first occurrence), verbatim with offsets
    total: int  # sentences before de-duplication
    vectors: np.ndarray
    words: int


@dataclass
class _Prepared:
    """What one answer needs from the encoder, gathered so many answers share one batch."""

    texts: list[str] = field(default_factory=list)


def _features(
    answer_vectors: np.ndarray,
    answer_words: list[frozenset[str]],
    target_vectors: np.ndarray,
    target_words: frozenset[str],
    topic_vectors: np.ndarray,
    on_topic: float,
) -> Features:
    """Recall of the target sentences, lexical recall of the target words, precision of the answer."""
    similarity = answer_vectors @ target_vectors.T
    recall = float(similarity.max(axis=0).mean())
    best_for_answer = similarity.max(axis=1)
    if topic_vectors.shape[0]:
        best_for_answer = np.maximum(best_for_answer, (answer_vectors @ topic_vectors.T).max(axis=1))
    precision = float(best_for_answer.mean())
    if target_words:
        covered: set[str] = set()
        for words, best in zip(answer_words, best_for_answer, strict=True):
            if best >= on_topic:  # words of off-topic sentences do not count
                covered |= words
        lexical = len(target_words & covered) / len(target_words)
    else:
        lexical = recall
    return Features(recall=recall, lexical=lexical, precision=precision)


class EmbeddingScorer:
    """Score answers against rubric content by sentence-level alignment of embeddings (pure)."""

    name = SCORER

    def __init__(
        self,
        model: Any,
        cache: EmbeddingCache | None = None,
        *,
        model_name: str | None = None,
        calibration: Calibration | None = None,
        injection_detector: Callable[[str], Sequence[Any]] | None = None,
        batch_size: int = 64,
    ) -> None:
        self.model = model
        self.cache = cache if cache is not None else EmbeddingCache()
        self.model_name = model_name or model_label(model)
        if calibration is None:
            calibration = load_calibration() if CALIBRATION_PATH.exists() else Calibration()
        self.calibration = calibration
        self.batch_size = batch_size
        if injection_detector is None:
            from rubrics.scoring.injection import find_injections

            injection_detector = find_injections
        self.find_injections = injection_detector

    # Encoding -------------------------------------------------------------------------------

    def _encode_raw(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors of ``texts`` through the cache (misses encoded in one batch)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self.cache.get_many(self.model_name, list(texts), self._encode_raw)

    def _vectors(self, sentences: Sequence[Sentence | str]) -> np.ndarray:
        texts = [s.text if isinstance(s, Sentence) else s for s in sentences]
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return self.encode(texts)

    # Public API -----------------------------------------------------------------------------

    def score(self, answer: str, content: RubricContent, *, question: str = "") -> ScorerResult:
        """Score one answer against one rubric's content."""
        return self.score_many([(answer, content)], questions=[question])[0]

    def score_many(
        self, items: Sequence[tuple[str, RubricContent]], *, questions: Sequence[str] | None = None
    ) -> list[ScorerResult]:
        """Score many (answer, content) pairs, encoding every sentence not yet cached in one batch."""
        questions = list(questions) if questions is not None else [""] * len(items)
        texts: dict[str, None] = {}
        for (answer, content), question in zip(items, questions, strict=True):
            for text in self._texts_of(answer, content, question):
                texts[text] = None
        if texts:
            self.encode(list(texts))
        return [
            self._score_one(answer, content, question)
            for (answer, content), question in zip(items, questions, strict=True)
        ]

    # Scoring --------------------------------------------------------------------------------

    @staticmethod
    def _level_texts(content: RubricContent) -> list[str]:
        texts = []
        for criterion in content.criteria:
            for level in criterion.levels.values():
                texts.extend(level.exemplars or (level.descriptor,))
        return texts

    def _texts_of(self, answer: str, content: RubricContent, question: str) -> list[str]:
        texts = [s.text for s in split_sentences(answer)]
        for text in (content.title, question, content.reference_answer, *self._level_texts(content)):
            texts.extend(s.text for s in split_sentences(text))
        return texts

    def _score_one(self, answer: str, content: RubricContent, question: str) -> ScorerResult:
        result = self._score_text(answer, content, question)
        hits = list(self.find_injections(answer)) if answer else []
        if not hits:
            return result
        flags = (*result.flags, FLAG_INJECTION) if FLAG_INJECTION not in result.flags else result.flags
        reasons = tuple(dict.fromkeys(getattr(hit, "reason", str(hit)) for hit in hits))
        stripped_text = _without_spans(answer, hits)
        stripped = self._score_text(stripped_text, content, question)
        # The injected text may never raise the score: keep the lower of the two verdicts.
        keep = result
        if stripped.status != ScoreStatus.SCORED or (
            result.level is not None and stripped.level is not None and stripped.level < result.level
        ):
            keep = _with_original_offsets(stripped, answer)
        extra = dict(keep.extra, injection=list(reasons))
        return _replace(keep, flags=tuple(dict.fromkeys((*keep.flags, *flags))), extra=extra)

    def _answer(self, answer: str) -> _Answer:
        all_sentences = split_sentences(answer)
        unique: dict[str, Sentence] = {}
        for sentence in all_sentences:
            unique.setdefault(normalise(sentence.text), sentence)
        sentences = list(unique.values())
        return _Answer(sentences, len(all_sentences), self._vectors(sentences), word_count(answer))

    def _insufficient(self, flag: str, extra: dict[str, Any]) -> ScorerResult:
        return ScorerResult(
            scorer=SCORER,
            model=self.model_name,
            status=ScoreStatus.INSUFFICIENT_EVIDENCE,
            flags=(flag,),
            extra={"calibration": self.calibration.name, **extra},
        )

    def _score_text(self, answer: str, content: RubricContent, question: str) -> ScorerResult:
        cal = self.calibration
        reference = content.reference_answer
        reference_words = word_count(reference)
        min_words = (
            cal.min_words if not reference else min(cal.min_words, max(1, -(-reference_words // 2)))
        )
        words_in_answer = word_count(answer)
        if words_in_answer < min_words and not _shares_subject_words(answer, content, question):
            return self._insufficient(FLAG_TOO_SHORT, {"words": words_in_answer, "min_words": min_words})

        parsed = self._answer(answer)
        question_sentences = split_sentences(content.title) + split_sentences(question)
        reference_sentences = split_sentences(reference)
        question_vectors = self._vectors(question_sentences)
        reference_vectors = self._vectors(reference_sentences)
        top_exemplars = [
            text
            for criterion in content.criteria
            for number in (3, 4)
            for text in criterion.levels[number].exemplars
        ]
        exemplar_vectors = self._vectors([s for t in top_exemplars for s in split_sentences(t)])
        # On-topic anchors: the question and the reference (the best levels' exemplars without one).
        anchors = [question_vectors, reference_vectors if reference_sentences else exemplar_vectors]
        anchors = [v for v in anchors if v.shape[0]]
        topic_vectors = np.concatenate(anchors) if anchors else np.zeros((0, parsed.vectors.shape[1]))
        sentence_topic = (
            (parsed.vectors @ topic_vectors.T).max(axis=1)
            if topic_vectors.shape[0]
            else np.ones(len(parsed.sentences))
        )
        topic = float(sentence_topic.mean())  # how on-topic the answer is, sentence by sentence
        if topic < cal.off_topic:
            return self._insufficient(FLAG_OFF_TOPIC, {"topic_similarity": round(topic, 4)})

        answer_words = [content_words(s.text) for s in parsed.sentences]
        question_words = content_words(content.title) | content_words(question)
        extra: dict[str, Any] = {
            "calibration": self.calibration.name,
            "topic_similarity": round(topic, 4),
        }

        reference_level = reference_confidence = None
        if reference_sentences:
            target_words = content_words(reference) - question_words or content_words(reference)
            feats = _features(
                parsed.vectors,
                answer_words,
                reference_vectors,
                target_words,
                question_vectors,
                cal.off_topic,
            )
            score01 = cal.score(feats.recall, feats.lexical, feats.precision)
            reference_level = 1 + 3 * score01
            reference_confidence = cal.confidence_of(score01, topic)
            extra["reference"] = {k: round(v, 4) for k, v in asdict(feats).items()} | {
                "score": round(score01, 4)
            }

        criteria = []
        for criterion in content.criteria:
            levels, confidences = [], []
            if reference_level is not None:
                levels.append(reference_level)
                confidences.append(reference_confidence)
            exemplar = self._exemplar_level(
                parsed, answer_words, criterion, question_vectors, question_words, not levels
            )
            if exemplar is not None:
                level, margin, probabilities = exemplar
                levels.append(level)
                confidences.append(margin)
                extra.setdefault("exemplar_levels", {})[criterion.key] = probabilities
            if not levels:  # no reference and no usable text at any level: nothing to compare with
                return self._insufficient(FLAG_OFF_TOPIC, {"reason": "the rubric has nothing to match"})
            evidence_targets = [reference_vectors] + [
                self._vectors([s for t in criterion.levels[n].exemplars for s in split_sentences(t)])
                for n in (3, 4)
            ]
            criteria.append(
                CriterionScore(
                    key=criterion.key,
                    level=round(float(np.mean(levels)), 4),
                    confidence=round(float(np.mean(confidences)), 4),
                    rationale=_rationale(reference_level, exemplar),
                    evidence=_evidence(parsed, evidence_targets, cal.off_topic),
                )
            )

        off_topic_sentences = int((sentence_topic < cal.off_topic).sum())
        repeated = parsed.total - len(parsed.sentences)
        flags = []
        if (
            off_topic_sentences >= 2 and off_topic_sentences / len(parsed.sentences) >= PADDING_SHARE
        ) or (repeated and repeated / parsed.total >= PADDING_SHARE):
            flags.append(FLAG_PADDING)
        extra.update(off_topic_sentences=off_topic_sentences, repeated_sentences=repeated)
        level = content.weighted_level({c.key: c.level for c in criteria})
        weights = {c.key: c.weight for c in content.criteria}
        confidence = sum(weights[c.key] * c.confidence for c in criteria) / content.total_weight
        return ScorerResult(
            scorer=SCORER,
            model=self.model_name,
            status=ScoreStatus.SCORED,
            criteria=tuple(criteria),
            level=round(level, 4),
            confidence=round(confidence, 4),
            flags=tuple(flags),
            extra=extra,
        )

    def _exemplar_level(
        self,
        parsed: _Answer,
        answer_words: list[frozenset[str]],
        criterion: Any,
        question_vectors: np.ndarray,
        question_words: frozenset[str],
        use_descriptors: bool,
    ) -> tuple[float, float, dict[int, float]] | None:
        """Expected level over a softmax of per-level affinities, and the top-two probability margin."""
        cal = self.calibration
        texts = {number: list(level.exemplars) for number, level in criterion.levels.items()}
        if not any(texts.values()):
            if not use_descriptors:
                return None
            texts = {number: [level.descriptor] for number, level in criterion.levels.items()}
        numbers, affinities = [], []
        for number, level_texts in sorted(texts.items()):
            if not level_texts:
                continue
            sentences = [s for t in level_texts for s in split_sentences(t)]
            if not sentences:
                continue
            words = frozenset().union(*(content_words(t) for t in level_texts)) - question_words
            feats = _features(
                parsed.vectors,
                answer_words,
                self._vectors(sentences),
                words,
                question_vectors,
                cal.off_topic,
            )
            numbers.append(number)
            affinities.append(cal.affinity(feats.recall, feats.lexical, feats.precision))
        if not numbers:
            return None
        logits = np.array(affinities) / cal.temperature
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        ordered = np.sort(probabilities)[::-1]
        margin = float(ordered[0] - (ordered[1] if len(ordered) > 1 else 0.0))
        level = float(np.dot(numbers, probabilities))
        return (
            level,
            margin,
            {n: round(float(p), 4) for n, p in zip(numbers, probabilities, strict=True)},
        )


def _shares_subject_words(answer: str, content: RubricContent, question: str) -> bool:
    """Does a short answer use any content word of the reference (or best exemplars) that the question
    does not already give away? Exam answers can be right in three words ("coding and refining");
    "No response." and "I don't know" cannot."""
    targets = (
        [content.reference_answer]
        if content.reference_answer
        else [
            text
            for criterion in content.criteria
            for n in (3, 4)
            for text in criterion.levels[n].exemplars
        ]
    )
    subject = frozenset().union(*(content_words(t) for t in targets)) - (
        content_words(content.title) | content_words(question)
    )
    return bool(content_words(answer) & subject)


def _evidence(parsed: _Answer, targets: list[np.ndarray], threshold: float) -> tuple[Evidence, ...]:
    """The answer sentences closest to the reference and the best levels' exemplars, verbatim."""
    targets = [t for t in targets if t.shape[0]]
    if not targets or not parsed.sentences:
        return ()
    best = (parsed.vectors @ np.concatenate(targets).T).max(axis=1)
    order = [i for i in np.argsort(-best, kind="stable") if best[i] >= threshold][:EVIDENCE_QUOTES]
    return tuple(
        Evidence(quote=parsed.sentences[i].text, verified=True, start=parsed.sentences[i].start)
        for i in sorted(order, key=lambda i: parsed.sentences[i].start)
    )


def _rationale(reference_level: float | None, exemplar: tuple | None) -> str:
    parts = []
    if reference_level is not None:
        parts.append(f"coverage of the reference answer → level {reference_level:.1f}")
    if exemplar is not None:
        parts.append(f"closest level exemplars → level {exemplar[0]:.1f}")
    return "Embedding match: " + "; ".join(parts) + "."


def _without_spans(text: str, hits: Sequence[Any]) -> str:
    """``text`` with the hits' spans blanked out by spaces (offsets of the rest are kept)."""
    chars = list(text)
    for hit in hits:
        start, end = getattr(hit, "start", None), getattr(hit, "end", None)
        if start is None or end is None:
            continue
        for index in range(max(0, start), min(len(chars), end)):
            chars[index] = " "
    return "".join(chars)


def _with_original_offsets(result: ScorerResult, answer: str) -> ScorerResult:
    """Evidence of a blanked-out copy keeps its offsets; check every quote against the original."""
    criteria = tuple(
        CriterionScore(
            key=c.key,
            level=c.level,
            confidence=c.confidence,
            rationale=c.rationale,
            evidence=tuple(
                e for e in c.evidence if e.start is not None and answer[e.start :].startswith(e.quote)
            ),
        )
        for c in result.criteria
    )
    return _replace(result, criteria=criteria)


def _replace(result: ScorerResult, **changes: Any) -> ScorerResult:
    from dataclasses import replace

    return replace(result, **changes)
