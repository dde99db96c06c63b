"""The combination is mechanical: criterion levels × rubric weights, disagreement flagged."""

import pytest

from rubrics.content import parse_content
from rubrics.models import ScoreStatus
from rubrics.scoring.combine import combine
from rubrics.scoring.types import CriterionScore, Evidence, ScorerResult
from tests.support.rubric_factories import SMALL_RUBRIC

CONTENT = parse_content(SMALL_RUBRIC)  # correctness weight 2, communication weight 1


def result(scorer, levels, *, flags=(), status=ScoreStatus.SCORED, evidence=None):
    criteria = tuple(
        CriterionScore(key, level, 0.8, evidence=evidence.get(key, ()) if evidence else ())
        for key, level in levels.items()
    )
    overall = CONTENT.weighted_level(levels) if status == ScoreStatus.SCORED else None
    return ScorerResult(
        scorer=scorer, model="m", status=status, criteria=criteria, level=overall, flags=flags
    )


def test_overall_is_the_weighted_mean_of_criterion_means():
    combined = combine(
        CONTENT,
        result("embedding", {"correctness": 3, "communication": 2}),
        result("judge", {"correctness": 4, "communication": 3}),
    )
    # correctness (3+4)/2 = 3.5, communication (2+3)/2 = 2.5; (2*3.5 + 1*2.5) / 3
    assert combined.level == pytest.approx((2 * 3.5 + 2.5) / 3)
    assert combined.judge_used and not combined.disagreement
    assert [c.level for c in combined.criteria] == [3.5, 2.5]


def test_disagreement_of_one_and_a_half_levels_is_flagged():
    combined = combine(
        CONTENT,
        result("embedding", {"correctness": 2, "communication": 2}),
        result("judge", {"correctness": 3.5, "communication": 2}),
    )
    assert combined.disagreement
    assert [c.disagreement for c in combined.criteria] == [True, False]
    near = combine(
        CONTENT,
        result("embedding", {"correctness": 2, "communication": 2}),
        result("judge", {"correctness": 3.4, "communication": 2}),
    )
    assert not near.disagreement


def test_without_a_judge_the_embedding_match_stands_alone():
    embedding = result("embedding", {"correctness": 3, "communication": 1})
    for judge in (None, result("judge", {}, status=ScoreStatus.UNAVAILABLE)):
        combined = combine(CONTENT, embedding, judge)
        assert combined.level == pytest.approx(embedding.level)
        assert not combined.judge_used
        assert "Embedding match only" in combined.explanation


def test_a_judge_flagged_for_injection_is_left_out():
    combined = combine(
        CONTENT,
        result("embedding", {"correctness": 1, "communication": 1}),
        result("judge", {"correctness": 4, "communication": 4}, flags=("injection",)),
    )
    assert combined.level == pytest.approx(1.0)
    assert "injection" in combined.flags and not combined.judge_used


def test_a_criterion_whose_quotes_are_all_invented_does_not_count_from_the_judge():
    invented = {"correctness": (Evidence("never said this", verified=False),)}
    combined = combine(
        CONTENT,
        result("embedding", {"correctness": 2, "communication": 3}),
        result("judge", {"correctness": 4, "communication": 3}, evidence=invented),
    )
    assert combined.criteria[0].level == 2 and combined.criteria[0].judge == 4
    assert combined.criteria[1].level == 3


def test_insufficient_evidence_has_no_level():
    embedding = ScorerResult(
        scorer="embedding", model="m", status=ScoreStatus.INSUFFICIENT_EVIDENCE, flags=("too_short",)
    )
    combined = combine(CONTENT, embedding, result("judge", {"correctness": 4, "communication": 4}))
    assert combined.status == ScoreStatus.INSUFFICIENT_EVIDENCE and combined.level is None
    assert "too_short" in combined.flags
