"""Rubric content for a question that has none: its reference answer is the only target.

Used by the evaluation command on human-graded data sets, whose rows carry a question and a
reference answer but no rubric. The levels get generic descriptors and no exemplars, so the
embedding scorer scores the answer by its coverage of the reference answer alone.
"""

from __future__ import annotations

from rubrics.content import Criterion, Level, RubricContent

ADHOC_KEY = "correctness"
ADHOC_LEVELS = {
    1: "No evidence, or wrong: the answer does not contain the reference answer's points.",
    2: "Partial: some of the reference answer's points, or with errors.",
    3: "Solid: most of the reference answer's points, correct.",
    4: "Exceptional: all of the reference answer's points, correct and precise.",
}


def adhoc_content(question: str, reference_answer: str) -> RubricContent:
    """A one-criterion rubric whose target is the reference answer of a question."""
    title = " ".join(question.split()) or "Question"
    return RubricContent(
        title=title,
        reference_answer=reference_answer.strip(),
        criteria=(
            Criterion(
                key=ADHOC_KEY,
                title="Agreement with the reference answer",
                weight=1.0,
                levels={n: Level(descriptor=d, exemplars=()) for n, d in ADHOC_LEVELS.items()},
            ),
        ),
    )
