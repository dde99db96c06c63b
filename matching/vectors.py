"""Vector search over candidates' profile vectors: numpy in process, or pgvector's HNSW index.

Both indexes answer the same question the same way: the ``k`` candidates whose vector (under one
embedding model) is most similar to a query by cosine similarity, best first, ties broken by
candidate id ascending, optionally among given candidates only. ``vector_index(session)`` picks
pgvector where migration 0006 could add the ``embedding vector(384)`` column (PostgreSQL with the
extension), and numpy everywhere else (SQLite, PostgreSQL without pgvector).

The ``vector`` column (float32 bytes) is the source of truth; ``embedding`` is a copy for the index
that the ORM does not map. Write vectors through ``store_candidate_vector``, which keeps both.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from matching.models import CandidateVector

log = logging.getLogger(__name__)

PGVECTOR_DIMENSION = 384
# pgvector refuses hnsw.ef_search above 1000; iterative scans go on past it when a filter needs it.
MAX_EF_SEARCH = 1000
MIN_EF_SEARCH = 40  # pgvector's default
# The graph search keeps 4k candidates for k rows. On 300 clustered vectors ef_search = k + 1 missed
# a true neighbour in 3% of top-50 searches, 2k in none of 510. On 100,000 synthetic profiles
# (bench.matching) recall@50 was 0.955 with 2k and 0.981 with 4k, for p95 6.7 and 9.4 ms.
EF_SEARCH_PER_ROW = 4
NUMPY_CACHE_ENTRIES = 4  # one matrix per (database, model, dimension); models are few
RECHECK_SECONDS = 1.0  # how long NumpyIndex trusts a big matrix before comparing it with the table
RECHECK_FROM_ROWS = 5_000  # below this, NumpyIndex compares before every search (it costs little)


@dataclass(frozen=True)
class VectorHit:
    candidate_id: int
    similarity: float  # cosine similarity, in [-1, 1]


class VectorIndex(Protocol):
    name: str

    def search(
        self,
        query: np.ndarray,
        k: int,
        *,
        model: str,
        candidate_ids: Collection[int] | None = None,
    ) -> list[VectorHit]:
        """The ``k`` most similar candidates of ``model`` to ``query``, best first."""
        ...


def unit_vector(vector: np.ndarray) -> np.ndarray:
    """``vector`` as a one-dimensional float32 array scaled to length 1, or ValueError."""
    array = np.asarray(vector, dtype=np.float32)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"A vector must be one-dimensional and not empty, not of shape {array.shape}.")
    norm = float(np.linalg.norm(array))
    if not np.isfinite(norm) or norm == 0.0:
        raise ValueError("A vector must have finite values and a length above zero.")
    return array / np.float32(norm)


# ---------------------------------------------------------------------------------------- numpy


@dataclass
class _Matrix:
    candidate_ids: np.ndarray  # int64, ascending
    vectors: np.ndarray  # float32, one unit row per candidate id
    stamp: tuple[Any, ...]  # what the rows looked like when loaded (see NumpyIndex)
    checked_at: float  # time.monotonic() of the last comparison of the stamp with the table
    generation: int  # _generations[...] at that comparison


_matrices: OrderedDict[tuple[str, str, int], _Matrix] = OrderedDict()
_generations: dict[tuple[str, str], int] = {}  # (database, model): vectors stored by this process
_matrices_lock = threading.Lock()


def clear_numpy_cache() -> None:
    """Forget every cached matrix (the next search of each model loads it again)."""
    with _matrices_lock:
        _matrices.clear()


def _database_key(session: Session) -> str:
    return _engine_of(session).url.render_as_string(hide_password=True)


class NumpyIndex:
    """Exact search: all vectors of a model in one float32 matrix, cached in the process.

    The matrix is kept per database, model and dimension, and reloaded only when the rows changed:
    their count, id sum and latest ``updated_at`` (the stamp, one aggregate query) differ from what
    they were at loading. The aggregate reads the whole table: a few milliseconds for a few
    thousand rows, but 70 to 170 ms for 100,000 in SQLite. So from ``recheck_from_rows`` rows on, a
    search compares it at most every ``recheck_seconds``, and at once after
    ``store_candidate_vector`` wrote a vector of that model in this process: another change (another
    process, a rolled-back transaction, a delete) is seen within ``recheck_seconds``. Below that
    size, and with ``recheck_seconds=0``, every search compares.
    """

    name = "numpy"

    def __init__(
        self,
        session: Session,
        *,
        recheck_seconds: float = RECHECK_SECONDS,
        recheck_from_rows: int = RECHECK_FROM_ROWS,
    ) -> None:
        self.session = session
        self.recheck_seconds = recheck_seconds
        self.recheck_from_rows = recheck_from_rows

    def search(
        self,
        query: np.ndarray,
        k: int,
        *,
        model: str,
        candidate_ids: Collection[int] | None = None,
    ) -> list[VectorHit]:
        """The ``k`` most similar candidates of ``model`` to ``query``, best first."""
        query = unit_vector(query)
        if k <= 0 or (candidate_ids is not None and len(candidate_ids) == 0):
            return []
        matrix = self.matrix(model, query.size)
        ids, vectors = matrix.candidate_ids, matrix.vectors
        if candidate_ids is not None:
            positions = _positions_of(ids, candidate_ids)
            ids, vectors = ids[positions], vectors[positions]
        return top_k(vectors @ query, ids, k)

    def matrix(self, model: str, dimension: int) -> _Matrix:
        """The matrix of ``model``'s vectors of ``dimension``, from the cache if still current."""
        database = _database_key(self.session)
        key = (database, model, dimension)
        with _matrices_lock:
            cached = _matrices.get(key)
            generation = _generations.get((database, model), 0)
        now = time.monotonic()
        if (
            cached is not None
            and cached.generation == generation
            and cached.candidate_ids.size >= self.recheck_from_rows
            and now - cached.checked_at < self.recheck_seconds
        ):
            return cached
        stamp = self._stamp(model, dimension)
        if cached is not None and cached.stamp == stamp:
            cached.checked_at, cached.generation = now, generation
            return cached
        loaded = self._load(model, dimension, stamp, generation)
        with _matrices_lock:
            _matrices[key] = loaded
            _matrices.move_to_end(key)
            while len(_matrices) > NUMPY_CACHE_ENTRIES:
                _matrices.popitem(last=False)
        return loaded

    def _rows_of(self, model: str, dimension: int) -> tuple[Any, ...]:
        return (CandidateVector.model == model, CandidateVector.dimension == dimension)

    def _stamp(self, model: str, dimension: int) -> tuple[Any, ...]:
        statement = select(
            func.count(),
            func.coalesce(func.sum(CandidateVector.candidate_id), 0),
            func.max(CandidateVector.updated_at),
        ).where(*self._rows_of(model, dimension))
        return tuple(self.session.execute(statement).one())

    def _load(self, model: str, dimension: int, stamp: tuple[Any, ...], generation: int) -> _Matrix:
        statement = (
            select(CandidateVector.candidate_id, CandidateVector.vector)
            .where(*self._rows_of(model, dimension))
            .order_by(CandidateVector.candidate_id)
        )
        rows = self.session.execute(statement).all()
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        vectors = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32)
        log.debug("Loaded %d vectors of %s (%d-d)", len(rows), model, dimension)
        return _Matrix(
            candidate_ids=ids,
            vectors=vectors.reshape(len(rows), dimension),
            stamp=stamp,
            checked_at=time.monotonic(),
            generation=generation,
        )


def _positions_of(sorted_ids: np.ndarray, wanted: Collection[int]) -> np.ndarray:
    """The positions in ``sorted_ids`` of the ids in ``wanted`` that it holds, ascending."""
    wanted_ids = np.unique(np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
    positions = np.searchsorted(sorted_ids, wanted_ids)
    inside = positions < sorted_ids.size
    positions = positions[inside]
    return positions[sorted_ids[positions] == wanted_ids[inside]]


def top_k(similarities: np.ndarray, candidate_ids: np.ndarray, k: int) -> list[VectorHit]:
    """The ``k`` best of ``similarities``, best first, ties by candidate id ascending.

    ``candidate_ids`` must be ascending. argpartition finds the k-th best similarity; every row at
    least that similar is kept (so that ties across the cut are all seen), then a stable sort orders
    them, which keeps tied rows in id order.
    """
    count = similarities.size
    if count == 0 or k <= 0:
        return []
    if k < count:
        kth_best = similarities[np.argpartition(-similarities, k - 1)[k - 1]]
        kept = np.flatnonzero(similarities >= kth_best)
    else:
        kept = np.arange(count)
    order = kept[np.argsort(-similarities[kept], kind="stable")][:k]
    return [
        VectorHit(candidate_id=int(candidate_ids[i]), similarity=float(similarities[i])) for i in order
    ]


# -------------------------------------------------------------------------------------- pgvector


@dataclass(frozen=True)
class _Pgvector:
    enabled: bool
    iterative_scan: bool  # pgvector 0.8 or newer


_pgvector_by_engine: weakref.WeakKeyDictionary[Engine, _Pgvector] = weakref.WeakKeyDictionary()


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _pgvector(session: Session) -> _Pgvector:
    engine = _engine_of(session)
    found = _pgvector_by_engine.get(engine)
    if found is None:
        found = _Pgvector(enabled=False, iterative_scan=False)
        if engine.dialect.name == "postgresql":
            column = session.scalar(
                text(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                    " AND table_name = 'candidate_vectors' AND column_name = 'embedding'"
                )
            )
            version = session.scalar(
                text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            )
            if column is not None and version is not None:
                major, minor = (int(part) for part in version.split(".")[:2])
                found = _Pgvector(enabled=True, iterative_scan=(major, minor) >= (0, 8))
        _pgvector_by_engine[engine] = found
    return found


def pgvector_enabled(session: Session) -> bool:
    """Whether the database is PostgreSQL with the ``candidate_vectors.embedding`` column.

    Checked once per engine: a process that migrates to 0006 while running keeps using numpy until
    it restarts.
    """
    return _pgvector(session).enabled


def _vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(repr(value) for value in vector.tolist()) + "]"


class PgvectorIndex:
    """Approximate search in PostgreSQL on the HNSW index of ``candidate_vectors.embedding``.

    Rows whose ``embedding`` is NULL (vectors of another dimension than 384) are not in the index;
    a query of another dimension is answered by NumpyIndex over the ``vector`` column instead.
    ``hnsw.ef_search`` (the size of the candidate list the graph search keeps) is set to at least
    ``k``, and with pgvector 0.8 ``hnsw.iterative_scan`` lets a filtered search go on through the
    graph until it has ``k`` rows that pass the filter. Both are ``SET LOCAL``: they last until
    the caller's transaction ends.
    """

    name = "pgvector"

    def __init__(self, session: Session) -> None:
        self.session = session

    def search(
        self,
        query: np.ndarray,
        k: int,
        *,
        model: str,
        candidate_ids: Collection[int] | None = None,
    ) -> list[VectorHit]:
        """The ``k`` most similar candidates of ``model`` to ``query``, best first."""
        query = unit_vector(query)
        if query.size != PGVECTOR_DIMENSION:
            return NumpyIndex(self.session).search(query, k, model=model, candidate_ids=candidate_ids)
        if k <= 0 or (candidate_ids is not None and len(candidate_ids) == 0):
            return []
        self._configure(EF_SEARCH_PER_ROW * k, filtered=candidate_ids is not None)
        parameters: dict[str, Any] = {"q": _vector_literal(query), "model": model, "limit": k + 1}
        where = "model = :model AND embedding IS NOT NULL"
        if candidate_ids is not None:
            # One text parameter: psycopg adapts a list of 10,000 ints element by element (3x slower).
            where += " AND candidate_id = ANY(CAST(:ids AS integer[]))"
            parameters["ids"] = "{" + ",".join(str(int(i)) for i in candidate_ids) + "}"
        # The inner query is the one the HNSW index can serve (ORDER BY distance alone, LIMIT);
        # the outer one puts ties in id order (an iterative scan may also return rows slightly
        # out of order). One row more than asked tells whether a tie crosses the cut.
        rows = self.session.execute(
            text(
                "WITH nearest AS MATERIALIZED ("
                " SELECT candidate_id, embedding <=> CAST(:q AS vector) AS distance"
                f" FROM candidate_vectors WHERE {where}"
                " ORDER BY distance LIMIT :limit)"
                " SELECT candidate_id, distance FROM nearest ORDER BY distance, candidate_id"
            ),
            parameters,
        ).all()
        if len(rows) > k and rows[k].distance == rows[k - 1].distance:
            rows = self._with_all_ties(rows[:k], where, parameters)
        return [
            VectorHit(candidate_id=row.candidate_id, similarity=1.0 - row.distance) for row in rows[:k]
        ]

    def _configure(self, wanted: int, *, filtered: bool) -> None:
        """SET LOCAL the graph search's breadth (and, from pgvector 0.8, iterative scans).

        A filtered search also asks for custom plans: once psycopg prepares the statement,
        PostgreSQL may switch to a generic plan, in which ``ANY(ids)`` is a parameter it cannot
        turn into a hash table, and checking each row against 10,000 ids one by one made the
        search three times slower (bench.matching).
        """
        ef_search = str(min(max(wanted, MIN_EF_SEARCH), MAX_EF_SEARCH))
        statement = "SELECT set_config('hnsw.ef_search', :ef_search, true)"
        if _pgvector(self.session).iterative_scan:
            statement += ", set_config('hnsw.iterative_scan', 'relaxed_order', true)"
        if filtered:
            statement += ", set_config('plan_cache_mode', 'force_custom_plan', true)"
        self.session.execute(text(statement), {"ef_search": ef_search})

    def _with_all_ties(self, rows: list[Any], where: str, parameters: dict[str, Any]) -> list[Any]:
        """``rows`` with every row as far as the last one's distance, the tied ones in id order.

        Rare (equal vectors): the tied rows are found by an exact scan, which ignores the index.
        """
        cut = rows[-1].distance
        tied = self.session.execute(
            text(
                "SELECT candidate_id, distance FROM ("
                " SELECT candidate_id, embedding <=> CAST(:q AS vector) AS distance"
                f" FROM candidate_vectors WHERE {where}) AS scored"
                " WHERE distance = :cut ORDER BY candidate_id"
            ),
            {**parameters, "cut": cut},
        ).all()
        return [row for row in rows if row.distance < cut] + list(tied)


def vector_index(session: Session) -> VectorIndex:
    """The index for this database: pgvector's HNSW where migration 0006 enabled it, else numpy."""
    return PgvectorIndex(session) if pgvector_enabled(session) else NumpyIndex(session)


# ------------------------------------------------------------------------------------- writing


def store_candidate_vector(
    session: Session,
    candidate_id: int,
    *,
    model: str,
    content_hash: str,
    vector: np.ndarray,
    passages: int,
) -> CandidateVector:
    """Create or replace a candidate's profile vector (stored at unit length); never commits.

    With pgvector, the row's ``embedding`` column is set too when the vector has 384 dimensions;
    a vector of another dimension leaves ``embedding`` NULL, and PgvectorIndex leaves such rows to
    its numpy fallback. Rows written any other way have no ``embedding`` and so are not found by
    PgvectorIndex.
    """
    unit = unit_vector(vector)
    row = session.get(CandidateVector, candidate_id)
    if row is None:
        row = CandidateVector(candidate_id=candidate_id)
        session.add(row)
    row.model = model
    row.content_hash = content_hash
    row.dimension = int(unit.size)
    row.passages = passages
    row.vector = unit.tobytes()
    session.flush()
    with _matrices_lock:
        generation_key = (_database_key(session), model)
        _generations[generation_key] = _generations.get(generation_key, 0) + 1
    if pgvector_enabled(session):
        embedding = _vector_literal(unit) if unit.size == PGVECTOR_DIMENSION else None
        session.execute(
            text("UPDATE candidate_vectors SET embedding = CAST(:e AS vector) WHERE candidate_id = :id"),
            {"e": embedding, "id": candidate_id},
        )
    return row
