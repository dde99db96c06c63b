"""Factories for rubric rows: a small valid rubric, published, with a question, answers and scores."""

from __future__ import annotations

import itertools
from typing import Any

from core.db import get_session
from rubrics.content import content_hash, parse_content, to_data
from rubrics.models import Answer, Question, QuestionCategory, Rubric, RubricVersion, Score, ScoreStatus
from rubrics.scoring.types import text_hash

_sequence = itertools.count(1)

SMALL_RUBRIC: dict[str, Any] = {
    "title": "Backpropagation",
    "reference_answer": (
        "Backpropagation applies the chain rule from the loss backwards through the network, layer by "
        "layer, to get the gradient of the loss with respect to every weight; an optimiser such as SGD "
        "or Adam then updates the weights against that gradient."
    ),
    "criteria": [
        {
            "key": "correctness",
            "title": "Technical correctness",
            "weight": 2,
            "levels": {
                1: {
                    "descriptor": "Wrong or no explanation.",
                    "exemplars": ["Backpropagation is when the data goes backwards into the database."],
                },
                2: {
                    "descriptor": "Mentions gradients but not how they are computed.",
                    "exemplars": ["It uses gradients somehow to make the model better."],
                },
                3: {
                    "descriptor": "Chain rule from the loss back through the layers.",
                    "exemplars": [
                        "You apply the chain rule from the loss back through each layer to get "
                        "the gradient for every weight."
                    ],
                },
                4: {
                    "descriptor": "Chain rule, gradients per weight, the optimiser step, pitfalls.",
                    "exemplars": [
                        "The chain rule gives the gradient of the loss for every weight, layer by "
                        "layer backwards; Adam then steps against it, and I watch for vanishing "
                        "gradients in deep stacks."
                    ],
                },
            },
        },
        {
            "key": "communication",
            "title": "Clarity",
            "weight": 1,
            "levels": {
                1: {"descriptor": "Confused.", "exemplars": ["Well it is complicated, it just works."]},
                2: {
                    "descriptor": "Understandable with effort.",
                    "exemplars": ["So the gradients, they go."],
                },
                3: {
                    "descriptor": "Clear.",
                    "exemplars": ["First the forward pass, then gradients flow back."],
                },
                4: {
                    "descriptor": "Clear and structured.",
                    "exemplars": [
                        "Three steps: forward pass, backward pass with the chain rule, update."
                    ],
                },
            },
        },
    ],
}


def create_rubric(
    *, content: dict[str, Any] | None = None, publish: bool = True, **overrides: Any
) -> Rubric:
    number = next(_sequence)
    data = to_data(parse_content(content or SMALL_RUBRIC))
    fields: dict[str, Any] = {
        "key": f"rubric-{number}",
        "title": data["title"],
        "pack": "tests",
        "draft": data,
    }
    fields.update(overrides)
    rubric = Rubric(**fields)
    if publish:
        rubric.versions.append(RubricVersion(number=1, content=data, content_hash=content_hash(data)))
    get_session().add(rubric)
    get_session().flush()
    return rubric


def create_question(*, rubric: Rubric | None = None, **overrides: Any) -> Question:
    number = next(_sequence)
    fields: dict[str, Any] = {
        "key": f"question-{number}",
        "category": QuestionCategory.ML_THEORY,
        "pack": "tests",
        "title": "Explain backpropagation",
        "prompt": "How does backpropagation work, and what does the optimiser do with its result?",
        "rubric": rubric or create_rubric(),
    }
    fields.update(overrides)
    question = Question(**fields)
    get_session().add(question)
    get_session().flush()
    return question


def create_answer(
    *, question: Question | None = None, text: str = "The chain rule gives gradients."
) -> Answer:
    answer = Answer(question=question or create_question(), text=text, text_hash=text_hash(text))
    get_session().add(answer)
    get_session().flush()
    return answer


def create_score(
    *, answer: Answer | None = None, scorer: str = "embedding", level: float = 3.0, **overrides: Any
) -> Score:
    answer = answer or create_answer()
    version = answer.question.rubric.latest_version
    fields: dict[str, Any] = {
        "answer": answer,
        "answer_hash": answer.text_hash,
        "rubric_version_id": version.id,
        "scorer": scorer,
        "model": "test-model",
        "status": ScoreStatus.SCORED,
        "level": level,
        "confidence": 0.5,
        "details": {
            "criteria": [
                {"key": c["key"], "level": level, "confidence": 0.5, "rationale": "", "evidence": []}
                for c in version.content["criteria"]
            ],
            "extra": {},
        },
    }
    fields.update(overrides)
    score = Score(**fields)
    get_session().add(score)
    get_session().flush()
    return score
