"""The match score's parts, on real text and the real embedding model: requirements grouped from JD
lines, coverage through broader skills, seniority, and explanations that add up to the score."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from core.embeddings import embed
from hiring.models import Candidate, JobRole
from matching.extraction import default_extractor
from matching.profiles import candidate_profile, chunk, role_profile, skill_groups
from matching.scoring import (
    DEFAULT_WEIGHTS,
    SEMANTIC_CEILING,
    SEMANTIC_FLOOR,
    Weights,
    WeightsError,
    match,
)
from matching.seniority import seniority_fit, stated_years, title_level
from matching.services import role_skills


def _groups(line: str) -> tuple[tuple[str, ...], ...]:
    role = JobRole(id=1, title="ML Engineer", must_have=[line])
    return skill_groups(line, role_skills(role))


@pytest.mark.parametrize(
    ("line", "groups"),
    [
        ("Fine-tuning networks in PyTorch or JAX", [("Fine-tuning",), ("PyTorch", "JAX")]),
        (
            "Infrastructure as code (Terraform or similar) and CI/CD pipelines",
            [("Infrastructure as code", "Terraform"), ("CI/CD",)],
        ),
        (
            "Knowledge of a cloud data warehouse such as Snowflake or BigQuery",
            [("Data warehousing", "Snowflake", "BigQuery")],
        ),
        ("Fluent Python and PyTorch", [("Python",), ("PyTorch",)]),
        ("GCP/AWS", [("GCP", "AWS")]),
        (
            "Python or R for modelling (pandas, statsmodels, scikit-learn or the tidyverse)",
            [("Python", "R"), ("pandas", "statsmodels", "scikit-learn", "tidyverse")],
        ),
        ("Clear written communication", []),
    ],
)
def test_a_jd_line_becomes_groups_of_alternative_skills(line, groups):
    assert list(_groups(line)) == groups


def _role(**fields) -> JobRole:
    defaults = {
        "id": 7,
        "title": "Senior Machine Learning Engineer",
        "summary": "Train, evaluate and ship recommendation models that millions of people use.",
        "must_have": ["5+ years building ML systems in Python", "Training models in PyTorch or JAX"],
        "nice_to_have": ["Experience running services on Kubernetes"],
        "tech_stack": ["Airflow"],
    }
    return JobRole(**{**defaults, **fields})


def _candidate(candidate_id: int = 3, **fields) -> Candidate:
    defaults = {
        "id": candidate_id,
        "name": "A. Candidate",
        "headline": "Senior ML Engineer",
        "summary": "Eight years of Python. I trained ranking models in PyTorch and shipped them.",
        "skills": ["Python", "PyTorch"],
        "work_history": [{"title": "Senior ML Engineer", "company": "Shop"}],
    }
    return Candidate(**{**defaults, **fields})


def _match(role: JobRole, candidate: Candidate, weights: Weights = DEFAULT_WEIGHTS):
    role_p = role_profile(role, default_extractor())
    cand_p = candidate_profile(candidate, documents=[])
    return match(
        role_p,
        cand_p,
        embed([p.text for p in role_p.passages]),
        embed([p.text for p in cand_p.passages]),
        weights,
    )


def test_contributions_add_up_to_the_score_under_any_weights():
    role, candidate = _role(), _candidate()
    for weights in (Weights(), Weights(1, 0, 0, 0), Weights(0.1, 2, 3, 0.5), Weights(0, 0, 1, 0)):
        result = _match(role, candidate, weights)
        assert result.score == pytest.approx(sum(part.contribution for part in result.parts), abs=1e-12)
        assert sum(part.weight for part in result.parts) == pytest.approx(1.0)
        assert 0.0 <= result.score <= 1.0
        as_json = result.as_json()
        assert as_json["score"] == pytest.approx(
            sum(part["contribution"] for part in as_json["parts"].values()), abs=5e-4
        )


def test_matched_and_missing_name_the_jd_skills():
    result = _match(_role(), _candidate())
    assert {"Python", "PyTorch"} <= set(result.matched)
    assert result.missing == []
    assert "Kubernetes" in result.missing_nice and "Apache Airflow" in result.missing_nice
    assert result.part("must_have").value == 1.0
    assert result.part("nice_to_have").value == 0.0

    newcomer = _candidate(
        headline="Data analyst", summary="I build dashboards in Tableau.", skills=["SQL"]
    )
    weaker = _match(_role(), newcomer)
    assert "PyTorch or JAX" in weaker.missing and weaker.score < result.score


def test_a_narrower_skill_satisfies_a_broader_requirement():
    role = _role(must_have=["Experience with deep learning frameworks"])
    groups = role_profile(role, default_extractor()).must_have[0].groups
    result = _match(role, _candidate())
    assert groups and result.part("must_have").value == 1.0
    skill, mention = result.must_have[0].met[0]
    assert mention.name in ("PyTorch", "Python") or skill != mention.name


def test_unmeasured_parts_hand_their_weight_to_the_others():
    role = _role(must_have=["Clear writing"], nice_to_have=[], tech_stack=[])
    candidate = _candidate(headline="", work_history=[], summary="I like clear writing about models.")
    result = _match(role, candidate)
    assert result.part("must_have").value is None and result.part("must_have").weight == 0
    assert result.part("seniority").value is None
    assert result.part("semantic").weight == pytest.approx(1.0)
    assert "weight shared" in result.part("must_have").detail


def test_semantic_similarity_prefers_a_profile_about_the_same_work():
    role = _role()
    close = _match(role, _candidate(skills=[], summary="I train and ship recommendation models."))
    far = _match(role, _candidate(skills=[], summary="I restore antique furniture and teach pottery."))
    assert close.part("semantic").value > far.part("semantic").value
    best = close.passages[0]
    assert best.candidate.text in "I train and ship recommendation models."
    assert -1 <= best.similarity <= 1 and SEMANTIC_FLOOR < SEMANTIC_CEILING


def test_seniority_reads_titles_and_years():
    assert title_level("Head of AI & Engineering") == 6
    assert title_level("Junior data analyst") == 1
    assert title_level("Machine Learning Engineer") == 2
    assert title_level("") is None
    assert stated_years(["a seasoned professional with 14.5 years of expertise"]) == 14.5
    assert stated_years(["5+ yrs in Python", "at least 3 years"], smallest=True) == 3
    assert stated_years(["Python 3 and 2024 releases"]) is None
    fit = seniority_fit(role_level=3, role_years=5, candidate_level=2, candidate_years=2.5)
    assert fit.level_fit == pytest.approx(0.65) and fit.years_fit == pytest.approx(0.5)
    assert (
        seniority_fit(role_level=3, role_years=None, candidate_level=4, candidate_years=None).value
        == 1.0
    )


def test_weights_refuse_negative_and_all_zero():
    with pytest.raises(WeightsError):
        Weights(-1, 1, 1, 1)
    with pytest.raises(WeightsError):
        Weights(0, 0, 0, 0)


def test_long_text_is_cut_into_bounded_passages():
    text = " ".join(f"Sentence number {i} about models." for i in range(5000))
    passages = chunk(text, "summary")
    assert 0 < len(passages) <= 300
    assert all(len(p.text.split()) <= 70 for p in passages)


def test_ranking_order_is_deterministic_for_equal_scores():
    role = _role()
    twins = [_candidate(candidate_id) for candidate_id in (9, 4, 6)]
    scores = [_match(role, twin).score for twin in twins]
    assert len(set(np.round(scores, 9))) == 1
    for a, b in itertools.combinations(twins, 2):
        assert _match(role, a).as_json()["parts"] == _match(role, b).as_json()["parts"]
