"""The rubric packs written by us: they load, cover the issue's topics, meet the content bar, and their
exemplars are ordered sensibly for the real embedding model."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from core.embeddings import embed, get_model
from rubrics.content import ContentError, parse_content
from rubrics.models import QuestionCategory
from rubrics.packs import PACKS_FOLDER, Pack, list_pack_files, load_all_packs, load_pack

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# Topics the issue asks for, by pack, as question keys.
EXPECTED = {
    "ml-theory": {
        "ml-loss-backprop",
        "ml-transformers-vs-cnn-rnn",
        "ml-attention-positional-encoding",
        "ml-large-scale-training-evaluation",
        "ml-architecture-hyperparameter-tuning",
        "ml-continuous-retraining-drift",
        "ml-fine-tuning-llms",
        "ml-pretrained-model-rag",
        "ml-generative-objectives",
    },
    "genai-system-design": {
        "sd-scalable-llm-serving",
        "sd-multi-team-model-platform",
        "sd-consistency-versioning",
        "sd-scalable-genai-system",
    },
    "coding": {"code-debug-self-attention", "code-data-pipeline"},
    "behavioural": {"beh-failed-project", "beh-leading-mentoring"},
    "screening": {"scr-introduction"},
    "data-and-product": {"dp-ab-test-design", "dp-analytics-data-model", "dp-ai-feature-launch"},
}
PACK_CATEGORY = {
    "ml-theory": QuestionCategory.ML_THEORY,
    "genai-system-design": QuestionCategory.SYSTEM_DESIGN,
    "coding": QuestionCategory.CODING,
    "behavioural": QuestionCategory.BEHAVIOURAL,
    "screening": QuestionCategory.SCREENING,
    "data-and-product": QuestionCategory.OTHER,
}
MIN_EXEMPLARS = {1: 1, 2: 1, 3: 2, 4: 2}


@pytest.fixture(scope="module")
def packs() -> list[Pack]:
    return load_all_packs()


@pytest.fixture(scope="module")
def rubrics(packs: list[Pack]) -> dict[str, dict]:
    return {question.key: question.rubric for pack in packs for question in pack.questions}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def test_every_pack_file_loads_with_the_expected_questions(packs):
    assert [path.parent for path in list_pack_files()] == [PACKS_FOLDER] * len(packs)
    by_key = {pack.key: pack for pack in packs}
    assert set(by_key) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        pack = by_key[key]
        assert pack.title and pack.description
        assert expected <= {q.key for q in pack.questions}
        assert {q.category for q in pack.questions} == {PACK_CATEGORY[key]}
    assert len(by_key["behavioural"].questions) >= 2
    assert sum(len(pack.questions) for pack in packs) >= 15


def test_every_rubric_meets_the_content_bar(packs):
    for pack in packs:
        for question in pack.questions:
            content = parse_content(question.rubric)
            assert 1 <= len(re.findall(r"[.?!]", question.prompt)) <= 3, question.key
            assert 2 <= len(content.criteria) <= 4, question.key
            assert len({c.title for c in content.criteria}) == len(content.criteria), question.key
            for criterion in content.criteria:
                where = f"{question.key}/{criterion.key}"
                assert criterion.weight == int(criterion.weight), where
                descriptors = [criterion.levels[n].descriptor for n in (1, 2, 3, 4)]
                assert len(set(descriptors)) == 4, where
                for number, minimum in MIN_EXEMPLARS.items():
                    exemplars = criterion.levels[number].exemplars
                    assert len(exemplars) >= minimum, f"{where} level {number}"
                    for exemplar in exemplars:
                        # Spoken answers of two to six sentences.
                        sentences = len(re.findall(r"[.?!](?:\s|$)", exemplar))
                        assert 2 <= sentences <= 6, f"{where} level {number}: {exemplar}"
                        assert 15 <= len(words(exemplar)) <= 120, f"{where} level {number}: {exemplar}"


def test_level_four_exemplars_say_more_than_level_one(packs):
    for pack in packs:
        for question in pack.questions:
            for criterion in parse_content(question.rubric).criteria:
                level_one = np.mean([len(words(e)) for e in criterion.levels[1].exemplars])
                level_four = np.mean([len(words(e)) for e in criterion.levels[4].exemplars])
                assert level_four > level_one, f"{question.key}/{criterion.key}"


def test_no_exemplar_or_reference_repeats(packs):
    texts = []
    for pack in packs:
        for question in pack.questions:
            content = parse_content(question.rubric)
            texts.append(content.reference_answer)
            for criterion in content.criteria:
                for level in criterion.levels.values():
                    texts.extend(level.exemplars)
    normalised = [" ".join(words(text)) for text in texts]
    assert len(set(normalised)) == len(normalised)
    assert len(texts) > 15 * 3 * 6


def test_reference_answers_are_complete_and_fit_the_embedding_window(rubrics):
    tokenizer = get_model().tokenizer
    window = get_model().max_seq_length
    for key, rubric in rubrics.items():
        reference = rubric["reference_answer"]
        assert 120 <= len(words(reference)) <= 300, key
        # A longer reference would be silently truncated by a whole-text embedding.
        assert len(tokenizer(reference)["input_ids"]) <= window, key


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")
def test_no_pack_text_is_copied_from_the_seed_interviews(packs):
    seed_words = []
    for path in sorted(SEEDS.glob("000_*.txt")):
        seed_words.extend(words(path.read_text(encoding="utf-8")))
    seed_grams = {tuple(seed_words[i : i + 8]) for i in range(len(seed_words) - 7)}
    assert seed_grams
    for path in list_pack_files():
        pack_words = words(path.read_text(encoding="utf-8"))
        copied = [pack_words[i : i + 8] for i in range(len(pack_words) - 7)]
        copied = [" ".join(gram) for gram in copied if tuple(gram) in seed_grams]
        assert not copied, f"{path.name} repeats seed text: {copied[:3]}"


def test_level_four_exemplars_are_closer_to_the_reference_than_level_one(rubrics):
    """The real embedding model must place strong answers nearer the reference than wrong ones."""
    rows, texts = [], []
    for key, rubric in rubrics.items():
        for criterion in rubric["criteria"]:
            rows.append((key, criterion["key"], len(texts)))
            texts.append(rubric["reference_answer"])
            for number in (1, 4):
                texts.extend(criterion["levels"][number]["exemplars"])
    vectors = embed(texts)
    failures, margins = [], []
    for key, criterion_key, start in rows:
        criterion = next(c for c in rubrics[key]["criteria"] if c["key"] == criterion_key)
        n1 = len(criterion["levels"][1]["exemplars"])
        n4 = len(criterion["levels"][4]["exemplars"])
        reference = vectors[start]
        level_one = vectors[start + 1 : start + 1 + n1] @ reference
        level_four = vectors[start + 1 + n1 : start + 1 + n1 + n4] @ reference
        margins.append(level_four.mean() - level_one.mean())
        if level_four.mean() <= level_one.mean():
            failures.append(f"{key}/{criterion_key}: {level_four.mean():.3f} <= {level_one.mean():.3f}")
    assert not failures
    assert np.mean(margins) > 0.1


def minimal_rubric() -> dict:
    level = {"descriptor": "d", "exemplars": ["e"]}
    criterion = {"key": "c", "title": "C", "levels": {n: dict(level) for n in (1, 2, 3, 4)}}
    return {"title": "T", "reference_answer": "", "criteria": [criterion]}


def write_pack(folder: Path, name: str, pack: str, key: str, **question: object) -> Path:
    data = {
        "pack": pack,
        "title": "A pack",
        "description": "About it",
        "questions": [
            {
                "key": key,
                "category": "coding",
                "title": "Q",
                "prompt": "Ask it.",
                "rubric": minimal_rubric(),
            }
            | question
        ],
    }
    path = folder / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_valid_pack_loads_into_frozen_dataclasses(tmp_path):
    path = write_pack(tmp_path, "a.yaml", "a", "q-one")
    pack = load_pack(path)
    assert (pack.key, [q.key for q in pack.questions]) == ("a", ["q-one"])
    assert pack.questions[0].category is QuestionCategory.CODING
    with pytest.raises(AttributeError):
        pack.key = "b"  # type: ignore[misc]


def test_a_broken_rubric_names_the_file_and_the_question(tmp_path):
    broken = {"title": "T", "criteria": []}
    path = write_pack(tmp_path, "broken.yaml", "a", "q-bad", rubric=broken)
    with pytest.raises(ContentError, match=r"broken\.yaml.*q-bad.*criteria must be a non-empty list"):
        load_pack(path)


def test_an_unknown_category_is_rejected(tmp_path):
    path = write_pack(tmp_path, "cat.yaml", "a", "q-cat", category="trivia")
    with pytest.raises(ContentError, match=r"cat\.yaml.*q-cat.*category must be one of"):
        load_pack(path)


def test_question_keys_are_unique_across_packs(tmp_path):
    write_pack(tmp_path, "a.yaml", "a", "q-same")
    write_pack(tmp_path, "b.yaml", "b", "q-same")
    with pytest.raises(ContentError, match=r"b\.yaml.*'q-same' is already used in pack 'a'"):
        load_all_packs(tmp_path)


def test_invalid_yaml_is_a_content_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("pack: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"bad\.yaml: not valid YAML"):
        load_pack(path)
