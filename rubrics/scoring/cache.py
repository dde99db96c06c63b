"""Sentence embeddings cached by content hash: an in-process LRU, backed by the embedding_cache table.

The key is sha256(model name + NUL + sentence text). Only the misses are encoded, in one batch.
Writing to the table adds rows to the given session and never commits: the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from rubrics.models import EmbeddingCacheEntry

log = logging.getLogger(__name__)

Encoder = Callable[[list[str]], np.ndarray]


def embedding_key(model: str, text: str) -> str:
    """The cache key of one sentence under one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    """Unit-length float32 sentence vectors, memoised in memory and, given a session, in the DB."""

    def __init__(self, session: Session | None = None, *, max_items: int = 50_000) -> None:
        self.session = session
        self.max_items = max_items
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0
        self.db_hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._memory)

    def _remember(self, key: str, vector: np.ndarray) -> None:
        self._memory[key] = vector
        self._memory.move_to_end(key)
        while len(self._memory) > self.max_items:
            self._memory.popitem(last=False)

    def get_many(self, model: str, texts: Sequence[str], encode: Encoder) -> np.ndarray:
        """Vectors of ``texts`` under ``model`` (one row each); only texts found neither in memory nor
        in the table are encoded, in one call of ``encode``."""
        keys = [embedding_key(model, text) for text in texts]
        found: dict[str, np.ndarray] = {}
        for key in keys:
            vector = self._memory.get(key)
            if vector is not None:
                self._memory.move_to_end(key)
                found[key] = vector
        self.hits += len(found)
        wanted = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if wanted and self.session is not None:
            from_db = self._load(model, list(wanted))
            self.db_hits += len(from_db)
            for key, vector in from_db.items():
                found[key] = vector
                self._remember(key, vector)
                del wanted[key]
        if wanted:
            self.misses += len(wanted)
            new_keys = list(wanted)
            vectors = np.asarray(encode([wanted[key] for key in new_keys]), dtype=np.float32)
            for key, vector in zip(new_keys, vectors, strict=True):
                found[key] = vector
                self._remember(key, vector)
            if self.session is not None:
                self._store(model, {key: found[key] for key in new_keys})
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[key] for key in keys])

    def _load(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        loaded: dict[str, np.ndarray] = {}
        for first in range(0, len(keys), 500):
            rows = self.session.execute(
                select(EmbeddingCacheEntry.text_hash, EmbeddingCacheEntry.vector).where(
                    EmbeddingCacheEntry.model == model,
                    EmbeddingCacheEntry.text_hash.in_(keys[first : first + 500]),
                )
            )
            for key, blob in rows:
                loaded[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return loaded

    def _store(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        rows = [
            {"model": model, "text_hash": key, "vector": vector.astype(np.float32).tobytes()}
            for key, vector in vectors.items()
        ]
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:  # pragma: no cover - other databases: one merge per row
            for row in rows:
                self.session.merge(EmbeddingCacheEntry(**row))
            return
        for first in range(0, len(rows), 500):
            statement = insert(EmbeddingCacheEntry).values(rows[first : first + 500])
            self.session.execute(statement.on_conflict_do_nothing())
        log.debug("Cached %d sentence embeddings for %s", len(rows), model)
