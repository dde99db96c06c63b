"""Production-shaped run: gunicorn (several workers) and two rq workers on the machine's PostgreSQL
and Redis, a database of 10k candidates / 1k roles / 50k scorecards, and wrk at 32 connections
against the pipeline board, the interview kit and the debrief page, beside a bare Flask "hello"
served by the same gunicorn config in the same run.

Run: scripts/production-run [--workers N] [--duration 20] [--reuse-data] (see --help)

PostgreSQL 127.0.0.1:5432 (user postgres, trust auth) gets a dedicated database that is dropped
and recreated (loopwise_bench); Redis 127.0.0.1:6379 a dedicated DB index that is flushed (14).
Both are started as .ci/run starts them when they are down, and stopped again at the end. Each page
kind is measured as the user who would open it, signed in through the real login form: the
hiring manager for the board and the debrief, an interviewer on the panel for the kit; wrk rotates
over many ids. Prints one JSON object per figure; stops everything it started, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
LUA = ROOT / "bench" / "production.lua"
USER_AGENT = "loopwise-bench/1"
GOAL_P95_MS = 100.0
PAGES = (  # figure, paths key, who signs in
    ("load_pipeline_board", "board", "manager"),
    ("load_interview_kit", "kit", "interviewer"),
    ("load_debrief", "debrief", "manager"),
)


def parse_args() -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workers", type=int, default=2 * cores + 1, help="gunicorn workers (2×cores+1)"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument(
        "--no-preload", action="store_true", help="load the app in each worker, not once before forking"
    )
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20, help="seconds measured per figure")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each")
    parser.add_argument("--single-client", type=int, default=5, help="seconds at 1 connection (0: skip)")
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--roles", type=int, default=1_000)
    parser.add_argument("--scorecards", type=int, default=50_000)
    parser.add_argument("--ids", type=int, default=300, help="ids rotated over per page kind")
    parser.add_argument("--board-roles", type=int, default=20, help="largest roles whose boards rotate")
    parser.add_argument("--jobs", type=int, default=20, help="real jobs enqueued during the load")
    parser.add_argument("--database", default="loopwise_bench")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--port", type=int, default=8310)
    parser.add_argument("--hello-port", type=int, default=8311)
    parser.add_argument("--reuse-data", action="store_true", help="keep the database if already loaded")
    parser.add_argument(
        "--only",
        choices=[page[1] for page in PAGES],
        action="append",
        help="measure only these page kinds (repeatable)",
    )
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[production] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


class Processes:
    """Everything this run started, stopped in reverse order by process group (ours only)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.cleanups: list[tuple[str, list[str]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        output = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (lives as long as the process)
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self.running:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.folder / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop_all(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for name, process in reversed(self.running):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time: killing it")
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.running.clear()
        for name, argv in reversed(self.cleanups):
            log(f"stopping {name}")
            subprocess.run(argv, check=False, capture_output=True)
        self.cleanups.clear()


def ensure_services(processes: Processes) -> None:
    """Start PostgreSQL and Redis like .ci/run's start_services when they are down."""
    ready = ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
    if subprocess.run(ready, check=False).returncode != 0:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        log(f"starting PostgreSQL {version}")
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
        )
        processes.cleanups.append(
            ("PostgreSQL", ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop"])
        )
        wait_for(lambda: subprocess.run(ready, check=False).returncode == 0, 30, "PostgreSQL")
    ping = ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"]
    if subprocess.run(ping, check=False, capture_output=True).returncode != 0:
        log("starting Redis")
        os.makedirs("/var/lib/redis", exist_ok=True)
        os.makedirs("/var/log/redis", exist_ok=True)
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "-::1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                "/var/lib/redis",
                "--logfile",
                "/var/log/redis/ci.log",
            ],
            check=True,
        )
        processes.cleanups.append(("Redis", [*ping[:-1], "shutdown", "nosave"]))
        wait_for(
            lambda: subprocess.run(ping, check=False, capture_output=True).returncode == 0, 30, "Redis"
        )


def has_option(program: Path, option: str) -> bool:
    help_text = subprocess.run([str(program), "--help"], capture_output=True, text=True).stdout
    return option in help_text


def wait_for(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(Exception):
            if check():
                return
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


# ---------------------------------------------------------------- data


def prepare_database(name: str, reuse: bool, scorecards: int) -> bool:
    """Recreate the bench database; return False when --reuse-data finds it already loaded."""
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if reuse and exists:
            with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}") as bench:
                with suppress(psycopg.Error):
                    found = bench.execute("SELECT count(*) FROM scorecards").fetchone()[0]
                    if found >= scorecards:
                        return False
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    return True


def load_data(app: Any, options: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import text

    from bench.production_data import load
    from core.cli import upgrade_database
    from core.db import get_session

    with app.app_context():
        started = time.perf_counter()
        upgrade_database()
        migrated = time.perf_counter() - started
        session = get_session()
        counts = load(
            session, candidates=options.candidates, roles=options.roles, scorecards=options.scorecards
        )
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
    summary = {k: v for k, v in vars(counts).items() if k != "extra"}
    summary["migrate_seconds"] = round(migrated, 1)
    summary["load_seconds"] = round(counts.seconds, 1)
    summary.pop("seconds")
    return summary


@dataclass
class Targets:
    paths: dict[str, list[str]]
    detail: dict[str, Any]


def find_targets(app: Any, options: argparse.Namespace) -> Targets:
    """The URLs to rotate over: the largest roles' boards, the signed-in interviewer's kits, debriefs."""
    from sqlalchemy import func, select

    from bench.production_data import INTERVIEWER_EMAIL
    from core.auth import User
    from core.db import get_session
    from hiring.models import Application
    from interviews.models import Debrief, InterviewRound, Scorecard

    with app.app_context():
        session = get_session()
        sizes = session.execute(
            select(Application.role_id, func.count())
            .group_by(Application.role_id)
            .order_by(func.count().desc(), Application.role_id)
            .limit(options.board_roles)
        ).all()
        interviewer = session.scalar(select(User.id).where(User.email == INTERVIEWER_EMAIL))
        rounds = session.scalars(
            select(InterviewRound.id)
            .join(Scorecard, Scorecard.round_id == InterviewRound.id)
            .where(Scorecard.interviewer_id == interviewer)
            .order_by(InterviewRound.id)
        ).all()
        loops = session.scalars(select(Debrief.loop_id).order_by(Debrief.loop_id)).all()
        counts = {
            "applications": session.scalar(select(func.count()).select_from(Application)),
            "scorecards": session.scalar(select(func.count()).select_from(Scorecard)),
        }
    return Targets(
        paths={
            "board": [f"/hiring/roles/{role_id}/board" for role_id, _ in sizes],
            "kit": [f"/interviews/rounds/{i}/kit" for i in spread(rounds, options.ids)],
            "debrief": [f"/interviews/loops/{i}/debrief" for i in spread(loops, options.ids)],
        },
        detail={
            "board_applications_per_role": [n for _, n in sizes],
            "kit_rounds_available": len(rounds),
            "debriefs_available": len(loops),
            **counts,
        },
    )


def spread(ids: list[int], count: int) -> list[int]:
    """``count`` ids taken evenly from the whole list (old and new rows alike)."""
    if len(ids) <= count:
        return list(ids)
    step = len(ids) / count
    return [ids[int(i * step)] for i in range(count)]


# ---------------------------------------------------------------- HTTP


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the login form (with its CSRF token); return the Cookie header to send."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    if match is None:
        raise RuntimeError("No CSRF token on the login page")
    form = urllib.parse.urlencode({"csrf_token": match.group(1), "email": email, "password": password})
    answer = opener.open(f"{base}/login", data=form.encode(), timeout=30)
    if urllib.parse.urlsplit(answer.geturl()).path == "/login":
        raise RuntimeError(f"Signing in as {email} failed")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def preflight(base: str, paths: list[str], cookie: str) -> None:
    """Open a few of the paths as wrk will: each must answer 200 with a page, not a redirect."""
    opener = urllib.request.build_opener(_NoRedirect)
    for path in paths[:: max(1, len(paths) // 5)][:5]:
        request = urllib.request.Request(
            base + path, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
        )
        try:
            with opener.open(request, timeout=60) as answer:
                answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}, not 200: check the data and the sign-in")


def run_wrk(
    base: str, paths: list[str], cookie: str, connections: int, threads: int, seconds: int, folder: Path
) -> dict[str, Any]:
    paths_file = folder / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    argv = [
        shutil.which("wrk") or "/usr/bin/wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base,
        "--",
        str(paths_file),
        cookie,
        USER_AGENT,
    ]
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    return json.loads(line.removeprefix("WRK_RESULT "))


def drain(probe: str) -> None:
    """Wait for the requests wrk left behind: gunicorn still answers what it accepted before wrk
    closed its connections, and they would slow the next measurement down."""
    for _ in range(3):
        urllib.request.urlopen(probe, timeout=300).read()


def figures(raw: dict[str, Any]) -> dict[str, Any]:
    requests = raw["requests"]
    errors = (
        raw["non_2xx"]
        + raw["connect_errors"]
        + raw["read_errors"]
        + raw["write_errors"]
        + raw["timeouts"]
    )
    return {
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "requests": requests,
        "requests_per_s": round(requests / (raw["duration_us"] / 1e6), 1),
        "errors": errors,
        "error_rate": round(errors / requests, 5) if requests else None,
        "non_2xx": raw["non_2xx"],
        "socket_errors": errors - raw["non_2xx"],
    }


def emit(figure: str, **fields: Any) -> None:
    print(json.dumps({"benchmark": "production", "figure": figure, **fields}), flush=True)


# ---------------------------------------------------------------- server CPU


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _backends(database: str | None) -> list[int]:
    if database is None:
        return []
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as db:
        rows = db.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return [row[0] for row in rows]


class ServerCpu:
    """The CPU time a server spends on a measurement: its gunicorn workers plus the PostgreSQL
    backends of its database. Unlike latency, this hardly moves with what else runs on the box."""

    def __init__(self, master: int, database: str | None) -> None:
        self.master, self.database = master, database

    def _pids(self) -> set[int]:
        return set(_children(self.master)) | set(_backends(self.database))

    def start(self) -> None:
        self.pids = self._pids()
        self.before = {pid: _cpu_seconds(pid) for pid in self.pids}
        self.started = time.monotonic()

    def stop(self) -> dict[str, float]:
        # Processes born during the run count in full; the ones that died are lost (rare: none
        # of ours is recycled during a run).
        pids = self.pids | self._pids()
        used = sum(_cpu_seconds(pid) - self.before.get(pid, 0.0) for pid in pids)
        return {"cpu_s": used, "wall_s": time.monotonic() - self.started}


# ---------------------------------------------------------------- jobs


def enqueue_jobs(app: Any, count: int) -> list[int]:
    """Real jobs for the rq workers while the pages are under load: overdue-scorecard reminders
    (reads the scorecards, writes reminders) and tracked no-op runs."""
    from bench.tasks import noop
    from core.db import get_session
    from core.jobs import enqueue_after_commit
    from interviews.jobs.reminders import remind_overdue_scorecards

    with app.app_context():
        session = get_session()
        runs = [enqueue_after_commit(session, remind_overdue_scorecards)]
        runs += [enqueue_after_commit(session, noop, number=n) for n in range(max(0, count - 1))]
        session.commit()
        return [run.id for run in runs]


def job_report(app: Any, run_ids: list[int], wait_seconds: float) -> dict[str, Any]:
    from rq import Worker
    from sqlalchemy import select

    from core.db import get_session
    from core.jobs import JobRun, JobStatus, get_redis

    deadline = time.monotonic() + wait_seconds
    with app.app_context():
        while True:
            session = get_session()
            statuses = [
                run.status for run in session.scalars(select(JobRun).where(JobRun.id.in_(run_ids)))
            ]
            session.rollback()
            pending = sum(s in (JobStatus.QUEUED, JobStatus.RUNNING) for s in statuses)
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(1)
        workers = Worker.all(connection=get_redis(app))
    return {
        "enqueued": len(run_ids),
        "finished": sum(s is JobStatus.FINISHED for s in statuses),
        "failed": sum(s is JobStatus.FAILED for s in statuses),
        "pending": pending,
        "rq_workers_registered": len(workers),
    }


# ---------------------------------------------------------------- the run


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> None:
    options = parse_args()
    if not (BIN / "gunicorn").exists():
        sys.exit("gunicorn is missing: scripts/bootstrap dev,prod")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="loopwise-production-"))
    processes = Processes(folder)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run(options, processes, folder)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
    except Exception:
        for name, _ in processes.running:
            log(f"--- last lines of {name}:\n{processes.tail(name)}")
        raise
    finally:
        processes.stop_all()
        log(f"logs in {folder}")


def run(options: argparse.Namespace, processes: Processes, folder: Path) -> None:
    ensure_services(processes)
    database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{options.database}"
    redis_url = f"redis://127.0.0.1:6379/{options.redis_db}"
    env = {
        **os.environ,
        "LOOPWISE_DATABASE_URL": database_url,
        "LOOPWISE_REDIS_URL": redis_url,
        "LOOPWISE_SECRET_KEY": secrets.token_hex(32),
        "LOOPWISE_INSTANCE_PATH": str(folder / "instance"),
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update({k: env[k] for k in env if k.startswith("LOOPWISE_")})
    subprocess.run(
        ["redis-cli", "-n", str(options.redis_db), "flushdb"], check=True, capture_output=True
    )

    from app import create_app
    from bench.production_data import INTERVIEWER_EMAIL, MANAGER_EMAIL, PASSWORD

    app = create_app()
    data: dict[str, Any] = {"reused": True}
    if prepare_database(options.database, options.reuse_data, options.scorecards):
        log(
            f"loading {options.candidates} candidates, {options.roles} roles, "
            f"{options.scorecards} scorecards"
        )
        data = load_data(app, options)
        log(f"loaded: {json.dumps(data)}")
    targets = find_targets(app, options)

    cores = os.cpu_count() or 1
    gunicorn = [
        str(BIN / "gunicorn"),
        "--workers",
        str(options.workers),
        "--worker-class",
        options.worker_class,
        "--threads",
        str(options.gunicorn_threads),
        "--log-level",
        "info",
        "--backlog",
        "2048",
        # The app (torch and spaCy among its imports) loads once, before the workers fork.
        *([] if options.no_preload else ["--preload"]),
        "--config",  # the production hooks (gc.freeze()), whatever the working directory
        str(ROOT / "gunicorn.conf.py"),
        # Two servers side by side: newer gunicorns would otherwise share one control socket.
        *(["--no-control-socket"] if has_option(BIN / "gunicorn", "--no-control-socket") else []),
    ]
    base, hello = f"http://127.0.0.1:{options.port}", f"http://127.0.0.1:{options.hello_port}"
    app_server = processes.start(
        "gunicorn-app", [*gunicorn, "--bind", base[7:], "app:create_app()"], env
    )
    hello_server = processes.start(
        "gunicorn-hello", [*gunicorn, "--bind", hello[7:], "bench.hello_app:app"], env
    )
    servers = {
        base: ServerCpu(app_server.pid, options.database),
        hello: ServerCpu(hello_server.pid, None),
    }
    for number in range(1, options.rq_workers + 1):
        processes.start(f"rq-worker-{number}", [str(BIN / "flask"), "--app", "app", "worker"], env)
    health = f"{base}/healthz"
    wait_for(lambda: urllib.request.urlopen(health, timeout=5).status == 200, 300, "gunicorn")
    wait_for(lambda: urllib.request.urlopen(hello, timeout=5).status == 200, 60, "gunicorn (hello)")
    processes.check_alive()

    cookies = {
        "manager": sign_in(base, MANAGER_EMAIL, PASSWORD),
        "interviewer": sign_in(base, INTERVIEWER_EMAIL, PASSWORD),
    }
    pages = [page for page in PAGES if not options.only or page[1] in options.only]
    for _, key, who in pages:
        preflight(base, targets.paths[key], cookies[who])

    context = {
        "connections": options.connections,
        "workers": options.workers,
        "worker_class": options.worker_class,
        "preload": not options.no_preload,
        "rq_workers": options.rq_workers,
        "cores": cores,
        "duration_s": options.duration,
        "wrk_threads": options.wrk_threads,
        "database": "postgresql",
        "data": {**data, **targets.detail},
    }

    def measure(
        url: str, probe: str, paths: list[str], cookie: str, connections: int, seconds: int
    ) -> dict[str, Any]:
        if options.warmup:
            run_wrk(url, paths, cookie, connections, options.wrk_threads, options.warmup, folder)
            drain(probe)
        cpu = servers[url]
        cpu.start()
        raw = run_wrk(url, paths, cookie, connections, options.wrk_threads, seconds, folder)
        used = cpu.stop()
        result = figures(raw)
        if result["requests"]:
            result["server_cpu_ms_per_request"] = round(1000 * used["cpu_s"] / result["requests"], 2)
        result["server_cores_busy"] = round(used["cpu_s"] / used["wall_s"], 2)
        processes.check_alive()
        drain(probe)
        return result

    log("measuring the bare Flask hello")
    baseline = measure(hello, f"{hello}/", ["/"], "", options.connections, options.duration)
    emit("load_hello_baseline", **baseline, **context)
    run_ids = enqueue_jobs(app, options.jobs)
    for figure, key, who in pages:
        log(f"measuring {figure} over {len(targets.paths[key])} ids")
        result = measure(
            base, health, targets.paths[key], cookies[who], options.connections, options.duration
        )
        met = result["requests"] > 0 and result["p95_ms"] < GOAL_P95_MS and result["errors"] == 0
        emit(
            figure,
            **result,
            baseline_hello_p95_ms=baseline["p95_ms"],
            baseline_hello_requests_per_s=baseline["requests_per_s"],
            ids=len(targets.paths[key]),
            goal={"p95_ms_below": GOAL_P95_MS, "errors": 0, "met": met},
            **context,
        )
    if options.single_client:
        for figure, key, who in pages:
            result = measure(base, health, targets.paths[key], cookies[who], 1, options.single_client)
            emit(
                f"{figure}_1_client",
                **result,
                ids=len(targets.paths[key]),
                cores=cores,
                workers=options.workers,
                connections=1,
                duration_s=options.single_client,
            )
    emit("rq_jobs", **job_report(app, run_ids, wait_seconds=60), cores=cores)


if __name__ == "__main__":
    main()
