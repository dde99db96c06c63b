"""Vector search at scale: NumpyIndex and PgvectorIndex on synthetic candidate profile vectors.

Run: .venv/bin/python -m bench.matching --candidates 100000 [--queries 200] [--k 50] [--seed 0]
     [--pgserver]

Data. Each candidate gets an archetype (ML engineer, data engineer, analyst, ...), which weights the
categories of our skill taxonomy (matching/data/skills.yaml) its skills are drawn from, popular
skills of a category more often. Every skill has a random unit vector, partly shared with its
category; a candidate's 384-d vector is the normalised weighted sum of its skills' vectors, plus a
direction common to all profiles and noise, so neighbours share skills as MiniLM neighbours do.
Queries are role-like vectors built the same way from fewer skills, with less noise.

numpy: the rows go into a real database (a temporary SQLite file, or LOOPWISE_DATABASE_URL), and
NumpyIndex searches them: insert time, index build (loading the matrix), its memory, top-k latency
(all candidates, and the candidate ids of a random tenth), recall against an exact ranking. The
brute-force baseline ranks the same matrix with a full np.argsort per query (no argpartition),
and once more loading the rows from the database for every query (no cache).

pgvector: with --pgserver (a throwaway PostgreSQL 16 + pgvector 0.8 from bench.pgserver), or when
LOOPWISE_DATABASE_URL is a PostgreSQL whose migration 0006 added the embedding column: COPY time,
HNSW build time (the index is dropped before the COPY and built after it), latency, recall@k
against the exact ranking, and the peak RSS of the server backend that built and searched.

A throwaway database keeps the rows; on LOOPWISE_DATABASE_URL everything happens in one
transaction that is rolled back at the end. One JSON object per figure on stdout.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import struct
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from flask import Flask
from scipy import sparse
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from app import create_app
from bench.common import emit
from bench.pgserver import PgServer
from core.cli import upgrade_database
from core.db import get_database, get_session
from hiring.models import Candidate
from matching.models import CandidateVector
from matching.taxonomy import Taxonomy, default_taxonomy
from matching.vectors import (
    PGVECTOR_DIMENSION,
    NumpyIndex,
    PgvectorIndex,
    VectorIndex,
    clear_numpy_cache,
    pgvector_enabled,
)

BENCH = "matching"
MODEL = "bench/synthetic-minilm-384"
DIMENSION = PGVECTOR_DIMENSION
FILTER_SHARE = 0.10  # the filtered queries search a random tenth of the candidates
STRICT_QUERIES = 50  # NumpyIndex checking the table before every search (recheck_seconds=0)
RELOAD_QUERIES = 5  # brute force loading every row from the database for each query
BATCH = 5_000
HNSW_INDEX = "ix_candidate_vectors_embedding_hnsw"
PGSERVER_SETTINGS = {"shared_buffers": "1GB", "maintenance_work_mem": "1GB"}
BUILD_SETTINGS = {"maintenance_work_mem": "1GB", "max_parallel_maintenance_workers": "1"}  # 2 cores

NUMPY_FIGURES = (
    "numpy_insert",
    "numpy_index_build",
    "numpy_index_peak_memory",
    "numpy_index_rss_growth",
    "numpy_search_p50",
    "numpy_search_p95",
    "numpy_filtered_search_p50",
    "numpy_filtered_search_p95",
    "numpy_strict_search_p50",
    "numpy_strict_search_p95",
    "numpy_recall_at_k",
    "bruteforce_search_p50",
    "bruteforce_search_p95",
    "bruteforce_reload_search_p50",
)
PGVECTOR_FIGURES = (
    "pgserver_startup",
    "pgvector_copy",
    "pgvector_hnsw_build",
    "pgvector_index_size",
    "pgvector_search_p50",
    "pgvector_search_p95",
    "pgvector_filtered_search_p50",
    "pgvector_filtered_search_p95",
    "pgvector_recall_at_k",
    "pgvector_filtered_recall_at_k",
    "pgvector_backend_peak_rss",
)

# Archetype: (share of candidates, "category:weight ..." for the taxonomy categories of its skills).
ARCHETYPES: dict[str, tuple[float, str]] = {
    "ML engineer": (
        0.22,
        "ml_frameworks:4 deep_learning:3 languages:2 mlops:2 classical_ml:1 cloud:1"
        " containers_orchestration:1",
    ),
    "Data engineer": (
        0.18,
        "data_engineering:4 data_warehouses:3 streaming:2 databases:2 cloud:2 languages:2",
    ),
    "Data analyst": (
        0.14,
        "analytics_statistics:4 bi_tools:4 databases:2 data_science_libraries:2 productivity:1",
    ),
    "Data scientist": (
        0.14,
        "classical_ml:4 data_science_libraries:3 analytics_statistics:3 languages:1 ml_frameworks:1",
    ),
    "LLM engineer": (0.12, "genai:4 llm_tooling:4 nlp:3 vector_databases:2 ml_frameworks:1 web:1"),
    "Computer vision engineer": (0.06, "cv:4 deep_learning:3 ml_frameworks:2 hpc_accelerators:1"),
    "MLOps engineer": (
        0.08,
        "mlops:4 containers_orchestration:3 cloud:3 infrastructure_as_code:2 ci_cd:2 observability:2",
    ),
    "Software engineer": (
        0.06,
        "software_engineering:3 web:3 languages:3 databases:2 ci_cd:1 security:1",
    ),
}
OFF_PROFILE = 0.10  # share of a person's skills drawn from any category at all


# ------------------------------------------------------------------------------ synthetic data


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class SkillSpace:
    names: tuple[str, ...]
    categories: tuple[str, ...]
    skill_category: np.ndarray  # index into categories, per skill
    vectors: np.ndarray  # (skills, dimension), unit rows
    popularity: dict[int, tuple[np.ndarray, np.ndarray]]  # category -> (skills, probabilities)
    common: np.ndarray  # the direction every profile shares


def skill_space(taxonomy: Taxonomy, rng: np.random.Generator, dimension: int = DIMENSION) -> SkillSpace:
    """A random unit vector per skill, 55% of it shared with the other skills of its category."""
    categories = tuple(sorted(taxonomy.categories))
    skill_category = np.array([categories.index(skill.category) for skill in taxonomy.skills])
    category_directions = unit_rows(rng.standard_normal((len(categories), dimension)))
    own = unit_rows(rng.standard_normal((len(taxonomy.skills), dimension)))
    vectors = unit_rows(0.55 * category_directions[skill_category] + own)
    popularity = {}
    for index in range(len(categories)):
        members = np.flatnonzero(skill_category == index)  # file order: common skills first
        weights = 1.0 / (np.arange(members.size) + 1.0) ** 0.8
        popularity[index] = (members, weights / weights.sum())
    common = unit_rows(rng.standard_normal((1, dimension)))[0]
    return SkillSpace(
        tuple(skill.name for skill in taxonomy.skills),
        categories,
        skill_category,
        vectors,
        popularity,
        common,
    )


@dataclass(frozen=True)
class Profiles:
    vectors: np.ndarray  # (count, dimension) float32 unit rows
    archetypes: np.ndarray  # index into ARCHETYPES, per row
    skills: list[list[str]]


def draw_profiles(
    space: SkillSpace, rng: np.random.Generator, count: int, *, skills: float, noise: float
) -> Profiles:
    """``count`` people (or roles) with about ``skills`` skills each, as vectors."""
    names = list(ARCHETYPES)
    shares = np.array([ARCHETYPES[name][0] for name in names])
    archetypes = rng.choice(len(names), size=count, p=shares / shares.sum())
    per_row = 3 + rng.poisson(max(skills - 3, 0.0), size=count)
    rows = np.repeat(np.arange(count), per_row)
    draws = rows.size
    category = np.empty(draws, dtype=np.int64)
    for index, name in enumerate(names):
        chosen = np.flatnonzero(archetypes[rows] == index)
        weights = np.zeros(len(space.categories))
        for pair in ARCHETYPES[name][1].split():
            key, weight = pair.split(":")
            weights[space.categories.index(key)] = float(weight)
        weights = (1 - OFF_PROFILE) * weights / weights.sum() + OFF_PROFILE / weights.size
        category[chosen] = rng.choice(weights.size, size=chosen.size, p=weights)
    skill = np.empty(draws, dtype=np.int64)
    for index, (members, probabilities) in space.popularity.items():
        chosen = np.flatnonzero(category == index)
        skill[chosen] = rng.choice(members, size=chosen.size, p=probabilities)
    strength = rng.uniform(0.5, 1.5, size=draws)
    weights = sparse.csr_matrix((strength, (rows, skill)), shape=(count, len(space.names)))
    vectors = np.empty((count, space.vectors.shape[1]), dtype=np.float32)
    for first in range(0, count, 20_000):  # bounded temporaries
        block = unit_rows(weights[first : first + 20_000] @ space.vectors)
        block += 0.35 * space.common
        block += (noise / np.sqrt(block.shape[1])) * rng.standard_normal(block.shape, dtype=np.float32)
        vectors[first : first + block.shape[0]] = unit_rows(block)
    boundaries = np.cumsum(per_row)[:-1]
    skill_lists = [[space.names[i] for i in dict.fromkeys(part)] for part in np.split(skill, boundaries)]
    return Profiles(vectors, archetypes, skill_lists)


def exact_top_k(vectors: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """The exact top-k ids: every similarity, by similarity then id."""
    similarities = vectors @ query
    return ids[np.lexsort((ids, -similarities))[:k]]


# ------------------------------------------------------------------------------------ measuring


def milliseconds(samples: Sequence[float]) -> tuple[float, float]:
    values = np.asarray(samples) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def recall(found: Sequence[Sequence[int]], exact: Sequence[np.ndarray]) -> float:
    shares = [len(set(f) & set(e.tolist())) / max(1, len(e)) for f, e in zip(found, exact, strict=True)]
    return float(np.mean(shares))


@dataclass(frozen=True)
class Workload:
    candidates: Profiles
    queries: Profiles
    filters: list[list[int]]  # per query: the candidate ids of a random tenth (filled after insert)
    k: int


def search_all(
    index: VectorIndex, workload: Workload, *, filtered: bool, limit: int | None = None
) -> tuple[list[float], list[list[int]]]:
    timings, found = [], []
    for number, query in enumerate(workload.queries.vectors[:limit]):
        candidate_ids = workload.filters[number] if filtered else None
        seconds, hits = timed(
            lambda q=query, c=candidate_ids: index.search(q, workload.k, model=MODEL, candidate_ids=c)
        )
        timings.append(seconds)
        found.append([hit.candidate_id for hit in hits])
    return timings, found


def exact_answers(ids: np.ndarray, workload: Workload, *, filtered: bool) -> list[np.ndarray]:
    answers = []
    vectors = workload.candidates.vectors
    for number, query in enumerate(workload.queries.vectors):
        if filtered:
            positions = np.searchsorted(ids, workload.filters[number])
            answers.append(exact_top_k(vectors[positions], ids[positions], query, workload.k))
        else:
            answers.append(exact_top_k(vectors, ids, query, workload.k))
    return answers


# ------------------------------------------------------------------------------------ database


def build_app(url: str, instance: str) -> Flask:
    return create_app(
        {
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "MATCHING_REFRESH_JOBS": False,
        }
    )


def insert_candidates(session: Session, profiles: Profiles) -> np.ndarray:
    """One candidates row per profile (the FK of candidate_vectors); their ids, ascending."""
    archetypes = list(ARCHETYPES)
    statement = insert(Candidate).returning(Candidate.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for first in range(0, len(profiles.skills), BATCH):
        rows = [
            {
                "name": f"Bench candidate {first + offset}",
                "headline": archetypes[profiles.archetypes[first + offset]],
                "skills": skills,
            }
            for offset, skills in enumerate(profiles.skills[first : first + BATCH])
        ]
        ids.extend(session.scalars(statement, rows))
    return np.array(ids, dtype=np.int64)


def vector_rows(ids: np.ndarray, vectors: np.ndarray, first: int, last: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "candidate_id": int(ids[i]),
            "model": MODEL,
            "content_hash": f"{int(ids[i]):064x}",
            "dimension": DIMENSION,
            "passages": 4,
            "vector": vectors[i].tobytes(),
            "updated_at": now,
        }
        for i in range(first, min(last, ids.size))
    ]


def finish(session: Session, keep: bool) -> None:
    """Commit into a throwaway database; only flush into the user's (rolled back at the end)."""
    if keep:
        session.commit()
    else:
        session.flush()


POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def copy_vectors(session: Session, ids: np.ndarray, vectors: np.ndarray) -> None:
    """COPY candidate_vectors rows, ``embedding`` included, in PostgreSQL's binary format.

    Every row has the same layout, so one numpy record array per batch is the COPY data.
    """
    model = MODEL.encode()
    count, dimension = vectors.shape
    layout = np.dtype(
        [
            ("fields", ">i2"),
            ("id_size", ">i4"),
            ("id", ">i4"),
            ("model_size", ">i4"),
            ("model", f"S{len(model)}"),
            ("hash_size", ">i4"),
            ("hash", "S64"),
            ("dimension_size", ">i4"),
            ("dimension", ">i4"),
            ("passages_size", ">i4"),
            ("passages", ">i4"),
            ("vector_size", ">i4"),
            ("vector", "<f4", (dimension,)),
            ("updated_size", ">i4"),
            ("updated", ">i8"),
            ("embedding_size", ">i4"),
            ("embedding_dimension", ">i2"),
            ("embedding_unused", ">i2"),
            ("embedding", ">f4", (dimension,)),
        ]
    )
    updated = (datetime.now(UTC) - POSTGRES_EPOCH) // timedelta(microseconds=1)
    columns = "candidate_id, model, content_hash, dimension, passages, vector, updated_at, embedding"
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY candidate_vectors ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        for first in range(0, count, BATCH):
            batch = np.zeros(min(BATCH, count - first), dtype=layout)
            batch["fields"] = 8
            batch["id_size"], batch["id"] = 4, ids[first : first + BATCH]
            batch["model_size"], batch["model"] = len(model), model
            batch["hash_size"] = 64
            batch["hash"] = [f"{int(i):064x}".encode() for i in ids[first : first + BATCH]]
            batch["dimension_size"], batch["dimension"] = 4, dimension
            batch["passages_size"], batch["passages"] = 4, 4
            batch["vector_size"] = 4 * dimension
            batch["vector"] = vectors[first : first + BATCH]
            batch["updated_size"], batch["updated"] = 8, updated
            batch["embedding_size"] = 4 + 4 * dimension
            batch["embedding_dimension"] = dimension
            batch["embedding"] = vectors[first : first + BATCH]
            copy.write(batch.tobytes())
        copy.write(struct.pack(">h", -1))


def backend_peak_rss(session: Session) -> int | None:
    """The peak resident memory of this session's server process, if it runs on this machine."""
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


# ---------------------------------------------------------------------------------------- legs


def numpy_leg(url: str, instance: str, workload: Workload, *, keep: bool, context: dict) -> None:
    app = build_app(url, instance)
    with app.app_context():
        upgrade_database()
        session = get_session()
        context = {**context, "database": get_database().engine.dialect.name}
        try:
            candidates_seconds, ids = timed(lambda: insert_candidates(session, workload.candidates))
            finish(session, keep)
            set_filters(workload, ids)
            vectors = workload.candidates.vectors

            def insert_vectors() -> None:
                for first in range(0, ids.size, BATCH):
                    session.execute(
                        insert(CandidateVector), vector_rows(ids, vectors, first, first + BATCH)
                    )
                finish(session, keep)

            seconds, _ = timed(insert_vectors)
            emit(
                BENCH,
                "numpy_insert",
                seconds,
                "s",
                candidates_insert_s=round(candidates_seconds, 2),
                committed=keep,
                **context,
            )

            clear_numpy_cache()
            rss_before = rss_bytes()
            seconds, matrix = timed(lambda: NumpyIndex(session).matrix(MODEL, DIMENSION))
            rss_growth = rss_bytes() - rss_before
            emit(BENCH, "numpy_index_build", seconds, "s", **context)
            clear_numpy_cache()
            del matrix
            tracemalloc.start()
            matrix = NumpyIndex(session).matrix(MODEL, DIMENSION)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            matrix_mib = matrix.vectors.nbytes / 2**20
            emit(
                BENCH,
                "numpy_index_peak_memory",
                peak / 2**20,
                "MiB",
                what="tracemalloc peak while loading",
                matrix_mib=round(matrix_mib, 1),
                **context,
            )
            emit(
                BENCH,
                "numpy_index_rss_growth",
                rss_growth / 2**20,
                "MiB",
                what="resident memory added by the first load, matrix kept",
                **context,
            )

            index = NumpyIndex(session)
            search_all(index, workload, filtered=False, limit=3)  # warm up
            timings, found = search_all(index, workload, filtered=False)
            emit_latencies("numpy_search", timings, context)
            emit(
                BENCH,
                "numpy_recall_at_k",
                recall(found, exact_answers(ids, workload, filtered=False)),
                "ratio",
                **context,
            )
            timings, _ = search_all(index, workload, filtered=True)
            emit_latencies("numpy_filtered_search", timings, {**context, "filter_share": FILTER_SHARE})
            strict = NumpyIndex(session, recheck_seconds=0)
            timings, _ = search_all(strict, workload, filtered=False, limit=STRICT_QUERIES)
            emit_latencies(
                "numpy_strict_search", timings, {**context, "what": "stamp query every search"}
            )

            brute_force_baseline(session, matrix.candidate_ids, matrix.vectors, workload, context)
        finally:
            session.rollback()
            get_database().engine.dispose()


def set_filters(workload: Workload, ids: np.ndarray) -> None:
    rng = np.random.default_rng(len(ids))
    size = max(1, int(ids.size * FILTER_SHARE))
    workload.filters.clear()
    for _ in range(len(workload.queries.vectors)):
        workload.filters.append(sorted(rng.choice(ids, size=size, replace=False).tolist()))


def brute_force_baseline(
    session: Session, ids: np.ndarray, vectors: np.ndarray, workload: Workload, context: dict
) -> None:
    k = workload.k
    timings = []
    for query in workload.queries.vectors:
        seconds, _ = timed(lambda q=query: ids[np.argsort(-(vectors @ q), kind="stable")[:k]])
        timings.append(seconds)
    emit_latencies("bruteforce_search", timings, {**context, "what": "full argsort, matrix in memory"})

    statement = select(CandidateVector.candidate_id, CandidateVector.vector).where(
        CandidateVector.model == MODEL
    )

    def load_and_rank(query: np.ndarray) -> np.ndarray:
        rows = session.execute(statement).all()
        loaded = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), -1)
        row_ids = np.array([row[0] for row in rows])
        return row_ids[np.argsort(-(loaded @ query), kind="stable")[:k]]

    timings = [timed(lambda q=q: load_and_rank(q))[0] for q in workload.queries.vectors[:RELOAD_QUERIES]]
    emit(
        BENCH,
        "bruteforce_reload_search_p50",
        milliseconds(timings)[0],
        "ms",
        what="rows loaded from the database for every query",
        queries_measured=len(timings),
        **context,
    )


def emit_latencies(name: str, timings: list[float], context: dict) -> None:
    p50, p95 = milliseconds(timings)
    emit(BENCH, f"{name}_p50", p50, "ms", queries_measured=len(timings), **context)
    emit(BENCH, f"{name}_p95", p95, "ms", queries_measured=len(timings), **context)


def pgvector_leg(url: str, instance: str, workload: Workload, *, keep: bool, context: dict) -> None:
    app = build_app(url, instance)
    with app.app_context():
        upgrade_database()
        session = get_session()
        context = {**context, "database": "postgresql"}
        try:
            if not pgvector_enabled(session):
                print(f"No pgvector at {url.split('@')[-1]}: no pgvector figures.", file=sys.stderr)
                return
            candidates_seconds, ids = timed(lambda: insert_candidates(session, workload.candidates))
            finish(session, keep)
            set_filters(workload, ids)
            session.execute(text(f"DROP INDEX {HNSW_INDEX}"))

            def copy() -> None:
                copy_vectors(session, ids, workload.candidates.vectors)
                finish(session, keep)

            seconds, _ = timed(copy)
            emit(
                BENCH,
                "pgvector_copy",
                seconds,
                "s",
                candidates_insert_s=round(candidates_seconds, 2),
                committed=keep,
                **context,
            )

            def build() -> None:
                for name, value in BUILD_SETTINGS.items():
                    session.execute(
                        text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
                    )
                session.execute(
                    text(
                        f"CREATE INDEX {HNSW_INDEX} ON candidate_vectors"
                        " USING hnsw (embedding vector_cosine_ops)"
                    )
                )
                finish(session, keep)

            seconds, _ = timed(build)
            emit(BENCH, "pgvector_hnsw_build", seconds, "s", **BUILD_SETTINGS, **context)
            session.execute(text("ANALYZE candidate_vectors"))
            size = session.scalar(text(f"SELECT pg_relation_size('{HNSW_INDEX}')"))
            emit(BENCH, "pgvector_index_size", size / 2**20, "MiB", **context)

            index = PgvectorIndex(session)
            search_all(index, workload, filtered=False, limit=3)  # warm up
            timings, found = search_all(index, workload, filtered=False)
            emit_latencies("pgvector_search", timings, context)
            exact = exact_answers(ids, workload, filtered=False)
            emit(BENCH, "pgvector_recall_at_k", recall(found, exact), "ratio", **context)
            filtered_context = {**context, "filter_share": FILTER_SHARE}
            timings, found = search_all(index, workload, filtered=True)
            emit_latencies("pgvector_filtered_search", timings, filtered_context)
            exact = exact_answers(ids, workload, filtered=True)
            emit(
                BENCH, "pgvector_filtered_recall_at_k", recall(found, exact), "ratio", **filtered_context
            )
            peak = backend_peak_rss(session)
            if peak is not None:
                emit(
                    BENCH,
                    "pgvector_backend_peak_rss",
                    peak / 2**20,
                    "MiB",
                    what="VmHWM of the server process that built the index and searched",
                    **context,
                )
        finally:
            session.rollback()
            get_database().engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pgserver", action="store_true", help="also start a PostgreSQL with pgvector")
    options = parser.parse_args(argv)

    rng = np.random.default_rng(options.seed)
    space = skill_space(default_taxonomy(), rng)
    workload = Workload(
        candidates=draw_profiles(space, rng, options.candidates, skills=10, noise=0.6),
        queries=draw_profiles(space, rng, options.queries, skills=7, noise=0.3),
        filters=[],
        k=options.k,
    )
    context = {
        "candidates": options.candidates,
        "queries": options.queries,
        "k": options.k,
        "seed": options.seed,
        "dimension": DIMENSION,
        "cores": os.cpu_count(),
    }
    instance = tempfile.mkdtemp(prefix="loopwise-bench-")
    user_url = os.environ.get("LOOPWISE_DATABASE_URL")
    try:
        numpy_url = user_url or f"sqlite:///{instance}/bench.db"
        numpy_leg(numpy_url, instance, workload, keep=not user_url, context=context)
        if options.pgserver:
            with PgServer(settings=PGSERVER_SETTINGS) as server:
                emit(BENCH, "pgserver_startup", server.startup_seconds or 0.0, "s", **context)
                pgvector_leg(server.url, instance, workload, keep=True, context=context)
        elif user_url and user_url.startswith("postgresql"):
            pgvector_leg(user_url, instance, workload, keep=False, context=context)
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"Peak resident memory of the bench process: {peak_mib} MiB", file=sys.stderr)


if __name__ == "__main__":
    main()
