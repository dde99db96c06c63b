"""Job throughput: tracked job runs (database record + enqueue-after-commit + app context) versus
bare rq jobs, both through the same Redis and an in-process rq SimpleWorker.

Run: .venv/bin/python -m bench.jobs [--jobs 200]
(uses a throwaway instance folder: SQLite + the embedded redis-server, or LOOPWISE_REDIS_URL)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from app import create_app
from bench.common import emit
from bench.tasks import bare_noop, noop
from core import jobs
from core.cli import upgrade_database
from core.db import get_session


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    options = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="loopwise-bench-")
    app = create_app(
        {
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench",
            "DATABASE_URL": os.environ.get("LOOPWISE_DATABASE_URL") or f"sqlite:///{instance}/bench.db",
        }
    )
    try:
        run(app, options.jobs)
    finally:
        jobs.stop_embedded_redis(app.instance_path)


def run(app, count: int) -> None:
    with app.app_context():
        upgrade_database()
        connection = jobs.get_redis(app)
        queue = Queue("low", connection=connection)
        queue.empty()
        context = {
            "jobs": count,
            "redis": app.extensions["jobs"]["url"].split(":")[0],
            "database": app.config["DATABASE_URL"].split(":")[0],
        }

        started = time.perf_counter()
        for number in range(count):
            queue.enqueue(bare_noop, number)
        SimpleWorker([queue], connection=connection).work(burst=True)
        bare = count / (time.perf_counter() - started)
        emit("jobs", "bare_rq_throughput", bare, "jobs/s", **context)

        session = get_session()
        started = time.perf_counter()
        for number in range(count):
            jobs.enqueue_after_commit(session, noop, number=number)
            session.commit()
        jobs.make_worker(app, ("low",), simple=True).work(burst=True)
        tracked = count / (time.perf_counter() - started)
        finished = session.scalar(
            select(func.count()).where(jobs.JobRun.status == jobs.JobStatus.FINISHED)
        )
        emit("jobs", "tracked_run_throughput", tracked, "jobs/s", finished=finished, **context)
        emit("jobs", "tracked_vs_bare_rq", tracked / bare, "ratio", **context)


if __name__ == "__main__":
    main()
