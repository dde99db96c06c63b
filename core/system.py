"""A system check run as a background job: proves the database, queue, worker and model work."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from core.auth import User
from core.db import get_session
from core.embeddings import embed, get_model
from core.jobs import get_redis, report_progress, task

PARAPHRASES = (
    "The candidate explained how backpropagation computes gradients layer by layer.",
    "She described how gradients flow backwards through each layer of the network.",
)
UNRELATED = "The office kitchen is cleaned every Friday afternoon."


@task(title="System check", queue="high", timeout=300)
def check_system() -> dict[str, Any]:
    """Check the database, Redis and the embedding model from inside a worker."""
    report_progress(10, "Querying the database")
    users = get_session().scalar(select(func.count()).select_from(User))
    report_progress(30, "Pinging Redis")
    started = time.perf_counter()
    get_redis(current_app).ping()
    redis_ms = (time.perf_counter() - started) * 1000
    report_progress(50, "Loading the embedding model")
    started = time.perf_counter()
    model = get_model()
    load_seconds = time.perf_counter() - started
    report_progress(80, "Embedding test sentences")
    vectors = embed([*PARAPHRASES, UNRELATED], model=model)
    report_progress(95, "Comparing")
    return {
        "users": users,
        "redis_ping_ms": round(redis_ms, 2),
        "model_load_seconds": round(load_seconds, 3),
        "embedding_dimensions": int(vectors.shape[1]),
        "paraphrase_similarity": round(float(vectors[0] @ vectors[1]), 3),
        "unrelated_similarity": round(float(vectors[0] @ vectors[2]), 3),
    }
