"""Ranking a role's applicants and prospects on the real database and model: filters, determinism,
stored profile vectors, the refresh job, and the `flask matching rank` contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from core import jobs
from core.jobs import JobRun, JobStatus
from hiring.models import CandidateSource, TalentPool
from hiring.services.importers import import_profile_text
from matching.jobs import refresh_match_embeddings
from matching.models import CandidateVector
from matching.ranking import (
    RankingFilters,
    eligible_candidates,
    rank_role,
    role_weights,
    set_role_weights,
)
from matching.scoring import Weights
from matching.seniority import OVER_LEVEL_PENALTY
from tests.support.hiring_factories import create_application, create_candidate, create_role

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def _ml_role():
    return create_role(
        title="Senior ML Platform Engineer",
        summary="Build the platform that trains and serves our models on Kubernetes in the cloud.",
        must_have=[
            "Production Python",
            "Running services on Kubernetes with Docker",
            "Infrastructure as code (Terraform or similar) and CI/CD pipelines",
            "Training models in PyTorch or TensorFlow",
        ],
        nice_to_have=["Kubeflow or MLflow", "BigQuery or Snowflake"],
    )


@pytest.fixture
def field(session):
    role = _ml_role()
    strong = create_candidate(
        headline="Staff ML Platform Engineer",
        summary="Ten years of Python. I run Kubernetes clusters, write Terraform and Jenkins CI/CD, "
        "and trained TensorFlow models that we served with Kubeflow.",
        location="Berlin",
        source=CandidateSource.REFERRAL,
    )
    weak = create_candidate(
        headline="Marketing coordinator",
        summary="I plan events and write newsletters.",
        skills=[],
        location="Lisbon",
    )
    prospect = create_candidate(
        headline="ML Engineer",
        summary="I train PyTorch models in Python and deploy them with Docker.",
        is_prospect=True,
        source=CandidateSource.SOURCED,
        location="Remote (Berlin)",
    )
    create_application(role=role, candidate=strong, stage_name="Technical screen")
    create_application(role=role, candidate=weak, stage_name="Applied")
    return role, strong, weak, prospect


def test_the_ranking_puts_the_best_fit_first_with_reasons(session, field):
    role, strong, weak, prospect = field
    ranking = rank_role(session, role)
    ids = [item.candidate.id for item in ranking.results]
    assert ids[0] == strong.id and ids[-1] == weak.id and prospect.id in ids
    best = ranking.results[0].result
    assert {"Python", "Kubernetes", "Infrastructure as code", "CI/CD", "TensorFlow"} <= set(best.matched)
    assert best.score == pytest.approx(sum(part.contribution for part in best.parts))
    assert ranking.results[0].application.stage.name == "Technical screen"
    prospect_row = next(item for item in ranking.results if item.candidate.id == prospect.id)
    assert prospect_row.application is None
    assert "Infrastructure as code or Terraform" in prospect_row.result.missing


def test_the_ranking_is_stable_across_runs(session, field):
    role = field[0]
    first = [(i.candidate.id, i.result.as_json()) for i in rank_role(session, role).results]
    second = [(i.candidate.id, i.result.as_json()) for i in rank_role(session, role).results]
    assert first == second


def test_equal_scores_are_ordered_by_candidate_id(session):
    role = _ml_role()
    twins = [
        create_candidate(
            name=f"Twin {n}", headline="ML Engineer", summary="Python and PyTorch.", is_prospect=True
        )
        for n in range(3)
    ]
    results = rank_role(session, role).results
    assert [item.candidate.id for item in results] == sorted(twin.id for twin in twins)
    assert len({round(item.result.score, 9) for item in results}) == 1


def test_filters_narrow_the_field(session, field):
    role, strong, weak, prospect = field
    pool = TalentPool(name="Platform folks", members=[prospect])
    session.add(pool)
    session.flush()
    stage = next(s for s in role.stages if s.name == "Applied")

    def ids(**filters):
        return [c.id for c, _ in eligible_candidates(session, role, RankingFilters(**filters))]

    assert ids() == sorted([strong.id, weak.id, prospect.id])
    assert ids(include="applicants") == sorted([strong.id, weak.id])
    assert ids(include="prospects") == [prospect.id]
    assert ids(stage_id=stage.id) == [weak.id]
    assert ids(pool_id=pool.id) == [prospect.id]
    assert ids(source=CandidateSource.REFERRAL) == [strong.id]
    assert ids(location="berlin") == sorted([strong.id, prospect.id])
    assert ids(location="100%_") == []


def test_weights_per_role_change_the_score_and_are_audited(session, field):
    role, strong, *_ = field
    before = rank_role(session, role).results[0].result
    set_role_weights(session, role, Weights(0, 0, 1, 0), actor_id=None)
    assert role_weights(session, role.id) == Weights(0, 0, 1, 0)
    after = next(i.result for i in rank_role(session, role).results if i.candidate.id == strong.id)
    assert after.part("semantic").weight == pytest.approx(1.0)
    assert after.score == pytest.approx(after.part("semantic").value)
    assert after.score != pytest.approx(before.score)


def test_profile_vectors_are_stored_by_content_hash_and_refreshed_on_change(session, field):
    role, strong, *_ = field
    rank_role(session, role, store_vectors=True)
    stored = session.get(CandidateVector, strong.id)
    assert stored is not None and stored.dimension == 384 and stored.passages >= 2
    first_hash = stored.content_hash
    assert refresh_match_embeddings([strong.id])["vectors_written"] == 0  # unchanged: nothing to do

    strong.summary += " I also mentor junior engineers."
    session.flush()
    summary = refresh_match_embeddings([strong.id])
    assert summary["vectors_written"] == 1
    assert session.get(CandidateVector, strong.id).content_hash != first_hash


def test_a_profile_change_queues_one_refresh_job_that_a_worker_runs(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_REFRESH_JOBS", True)
    candidate = create_candidate(summary="Python and SQL.")
    session.commit()
    candidate.summary = "Python, SQL and PyTorch."
    candidate.location = "Paris"
    session.commit()
    runs = session.scalars(
        select(JobRun).where(JobRun.task == refresh_match_embeddings.task_name).order_by(JobRun.id)
    ).all()
    assert [run.arguments["candidate_ids"] for run in runs] == [[candidate.id], [candidate.id]]

    jobs.make_worker(app, ("low",), simple=True).work(burst=True)  # the real queue and worker
    for run in runs:
        session.refresh(run)
    assert [run.status for run in runs] == [JobStatus.FINISHED, JobStatus.FINISHED]
    assert runs[0].result["vectors_written"] == 1 and runs[1].result["vectors_written"] == 0
    assert session.get(CandidateVector, candidate.id).passages >= 1

    candidate.location = "Rome"  # not something matching reads
    session.commit()
    assert (
        session.scalars(select(JobRun).where(JobRun.task == refresh_match_embeddings.task_name)).all()
        == runs
    )


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seeds are not beside the repository")
def test_the_seed_profile_ranks_above_an_unrelated_one(session):
    role = _ml_role()
    seed = import_profile_text(
        session, next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8"), actor_id=None
    )
    other = create_candidate(headline="Pastry chef", summary="Croissants and sourdough.", skills=[])
    for candidate in (seed, other):
        create_application(role=role, candidate=candidate)
    results = rank_role(session, role).results
    assert results[0].candidate.id == seed.id
    seniority = results[0].result.part("seniority")  # a head of AI for a senior role: overqualified
    assert "head / director" in seniority.detail and "14.5 years" not in seniority.detail
    assert seniority.value == pytest.approx(1 - 2 * OVER_LEVEL_PENALTY)
    assert results[0].result.missing == []


def test_the_cli_prints_the_contract_as_its_last_line(app, session, field):
    role, strong, *_ = field
    session.commit()
    output = app.test_cli_runner().invoke(args=["matching", "rank", str(role.id), "--top", "2"])
    assert output.exit_code == 0, output.output
    payload = json.loads(output.output.strip().splitlines()[-1])
    assert payload["role_id"] == role.id and isinstance(payload["seconds"], float)
    assert len(payload["results"]) == 2 and payload["results"][0]["candidate_id"] == strong.id
    first = payload["results"][0]
    assert set(first) >= {"candidate_id", "score", "parts", "matched", "missing"}
    assert set(first["parts"]) == {"must_have", "nice_to_have", "semantic", "seniority"}
    assert first["score"] == pytest.approx(
        sum(p["contribution"] for p in first["parts"].values()), abs=5e-4
    )
    assert "Kubernetes" in first["matched"]


def test_the_cli_refuses_an_unknown_role(app, session):
    output = app.test_cli_runner().invoke(args=["matching", "rank", "987654"])
    assert output.exit_code != 0 and "no role with id 987654" in output.output


def test_empty_and_non_english_profiles_are_ranked_not_refused(session):
    role = _ml_role()
    empty = create_candidate(name="Empty", headline="", summary="", skills=[], is_prospect=True)
    german = create_candidate(
        name="Jana",
        headline="",
        summary="Ich trainiere Modelle mit PyTorch und betreibe sie auf Kubernetes. 我也使用 Docker。",
        skills=[],
        is_prospect=True,
    )
    results = {item.candidate.id: item.result for item in rank_role(session, role).results}
    assert results[empty.id].score == 0.0
    assert results[empty.id].part("semantic").value is None
    assert "no profile text" in results[empty.id].part("semantic").detail
    assert {"PyTorch", "Kubernetes", "Docker"} <= set(results[german.id].matched)
    assert results[german.id].score > results[empty.id].score


def test_a_large_field_is_shortlisted_by_the_vector_index(session, field, monkeypatch):
    role, strong, weak, prospect = field
    rank_role(session, role, store_vectors=True)  # every profile gets its stored vector
    monkeypatch.setattr("matching.ranking.SHORTLIST", 2)
    ranking = rank_role(session, role)
    assert ranking.shortlisted_by == "numpy" and ranking.eligible == 3
    assert {item.candidate.id for item in ranking.results} == {strong.id, prospect.id}
