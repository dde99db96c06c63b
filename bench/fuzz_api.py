"""API fuzzing: schemathesis against /api/v1/openapi.json of a throwaway instance in a real server.

Run: scripts/fuzz-api [--requests 10000] [--quick] [--seed 1] [--database-url URL]
The instance (own SQLite file in a temporary folder unless --database-url names an empty
PostgreSQL database) is migrated, loaded with the demo data, and given one API token per demo role;
it is then served by gunicorn with 2 workers (werkzeug's threaded server when gunicorn is missing)
and fuzzed by schemathesis rounds, one role's token per round, until --requests were sent; then a
fixed set of hostile requests (huge, non-UTF-8 and deeply nested bodies, NUL characters, ids past
the database's range, replayed idempotency keys, expired and revoked tokens) probes the same server.
Prints one JSON line; exits 1 when any request got a 5xx or the server log shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = "/api/v1/openapi.json"
QUICK_REQUESTS = 1000
# Checks that answer "is the API robust and does it keep its own document?". positive_data_acceptance
# is left out: schema-valid bodies that name records which do not exist are rightly refused (404/422).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "ignored_auth",
)


@dataclass
class Tally:
    requests: int = 0
    server_errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    check_failures: Counter = field(default_factory=Counter)
    server_error_samples: list[str] = field(default_factory=list)
    probe_failures: list[str] = field(default_factory=list)

    def count(self, method: str, url: str, status: int) -> None:
        self.requests += 1
        self.statuses[str(status)] += 1
        if status >= 500:
            self.server_errors += 1
            if len(self.server_error_samples) < 20:
                self.server_error_samples.append(f"{status} {method} {url[:300]}")


# ---------------------------------------------------------------- the instance


@dataclass(frozen=True)
class Instance:
    folder: Path
    database_url: str
    tokens: dict[str, str]  # role → bearer secret
    refused_tokens: dict[str, str]  # "expired"/"revoked" → bearer secret
    max_body: int


def prepare_instance(folder: Path, database_url: str, demo: str) -> Instance:
    """Migrate, load the demo data, issue a token per demo user, plus an expired and a revoked one."""
    from app import create_app
    from core import jobs
    from core.auth import find_user_by_email
    from core.cli import upgrade_database
    from core.db import get_session, utcnow
    from core.demo import DEMO_USERS, load_demo

    app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": database_url, "SECRET_KEY": "fuzz"})
    with app.app_context():
        upgrade_database()
        if demo == "full":
            load_demo()
        else:  # the users and the hiring section only: what /api/v1 serves, in seconds
            from hiring.demo import load_hiring_demo

            app.extensions["demo_loaders"] = [load_hiring_demo]
            load_demo()
        from api.tokens import create_api_token, revoke_api_token

        session = get_session()
        tokens, refused = {}, {}
        for _name, email, role in DEMO_USERS:
            user = find_user_by_email(session, email)
            tokens[role.value] = create_api_token(session, user, name="fuzz", roles=user.roles).secret
        admin = find_user_by_email(session, DEMO_USERS[0][1])
        expired = create_api_token(session, admin, name="fuzz expired", roles=admin.roles)
        expired.token.expires_at = utcnow() - timedelta(minutes=1)
        refused["expired"] = expired.secret
        revoked = create_api_token(session, admin, name="fuzz revoked", roles=admin.roles)
        revoke_api_token(session, revoked.token, actor_id=admin.id)
        refused["revoked"] = revoked.secret
        session.commit()
        max_body = int(app.config.get("API_MAX_BODY_BYTES", 1024 * 1024))
        if not app.config["REDIS_URL"]:
            jobs.stop_embedded_redis(app.instance_path)
    return Instance(folder, database_url, tokens, refused, max_body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(
    instance: Instance, port: int, log_path: Path, workers: int
) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "LOOPWISE_INSTANCE_PATH": str(instance.folder),
        "LOOPWISE_DATABASE_URL": instance.database_url,
        "LOOPWISE_SECRET_KEY": "fuzz",
    }
    try:
        import gunicorn  # noqa: F401  (the prod extra)

        command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind"]
        command += [f"127.0.0.1:{port}", "--timeout", "120", "app:create_app()"]
        kind = "gunicorn"
    except ImportError:
        command = [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)]
        command += ["--host", "127.0.0.1", "--with-threads", "--no-reload", "--no-debugger"]
        kind = "werkzeug"
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"The server stopped at start; see {log_path}:\n{log_path.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}{SPEC_PATH}", timeout=5).status_code == 200:
                return server, kind
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"The server did not answer within 120 s; see {log_path}")


# ---------------------------------------------------------------- schemathesis rounds


def count_operations(base_url: str) -> int:
    document = httpx.get(base_url + SPEC_PATH, timeout=30).json()
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(1 for item in document["paths"].values() for method in item if method in methods)


def run_schemathesis(
    base_url: str,
    token: str,
    *,
    max_examples: int,
    seed: int,
    concurrency: int,
    report_dir: Path,
    tally: Tally,
) -> None:
    """One schemathesis run with one token; its HAR file is what was sent, its JUnit file what failed."""
    report_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        base_url + SPEC_PATH,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--continue-on-failure",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "60",
        "--workers",
        str(concurrency),
        "--report",
        "har,junit",
        "--report-dir",
        str(report_dir),
        "--no-color",
    ]
    completed = subprocess.run(command, cwd=report_dir, capture_output=True, text=True)
    (report_dir / "output.txt").write_text(completed.stdout + completed.stderr)
    har_files = list(report_dir.glob("har-*.json"))
    if not har_files:
        raise SystemExit(
            f"schemathesis wrote no HAR report:\n{(completed.stdout + completed.stderr)[-3000:]}"
        )
    for har in har_files:
        for entry in json.loads(har.read_text())["log"]["entries"]:
            tally.count(entry["request"]["method"], entry["request"]["url"], entry["response"]["status"])
    for junit in report_dir.glob("*.xml"):
        count_junit_failures(junit.read_text(), tally)


def count_junit_failures(xml: str, tally: Tally) -> None:
    """Count each failure kind once per operation, by schemathesis's code and title (ST101 ...)."""
    from xml.etree import ElementTree

    for case in ElementTree.fromstring(xml).iter("testcase"):
        for failure in list(case.iter("failure")) + list(case.iter("error")):
            text = (failure.get("message") or "") + "\n" + (failure.text or "")
            # Not a check failing but schemathesis itself: name it by its first two lines.
            lines = [line.strip() for line in text.splitlines() if line.strip()][:2]
            summary = re.sub(r"\d+", "N", ": ".join(lines))[:100]
            kinds = set(re.findall(r"- (ST\d{3} [^\n(]+)", text)) or {f"schemathesis {summary}"}
            for kind in kinds:
                tally.check_failures[kind.strip()] += 1


# ---------------------------------------------------------------- hand-made hostile requests


def run_probes(base_url: str, instance: Instance, tally: Tally) -> None:
    """Requests that generators rarely make; each must get its documented 4xx."""
    api = base_url + "/api/v1"
    bearer = {"Authorization": f"Bearer {instance.tokens['admin']}"}
    too_big = 2**63
    huge = b'{"name":"' + b"x" * instance.max_body + b'"}'
    nested_arrays = b"[" * 100_000 + b"]" * 100_000
    nested_objects = b'{"name":' + b'{"a":' * 5000 + b"1" + b"}" * 5001
    moves = "/applications/1/moves"
    probes: list[tuple[str, str, str, dict[str, Any], set[int]]] = [
        ("body over the limit", "POST", "/candidates", {"content": huge}, {413}),
        ("text/plain body", "POST", "/candidates", {"content": b"x", "ctype": "text/plain"}, {415}),
        ("non-UTF-8 body", "POST", "/candidates", {"content": b'{"name":"\xff\xfe"}'}, {400}),
        ("deeply nested arrays", "POST", "/candidates", {"content": nested_arrays}, {400}),
        ("deeply nested objects", "POST", "/candidates", {"content": nested_objects}, {400, 422}),
        ("JSON array body", "POST", "/candidates", {"json": ["name"]}, {422}),
        ("unknown field", "POST", "/candidates", {"json": {"name": "P", "is_admin": True}}, {422}),
        ("wrong type", "POST", "/candidates", {"json": {"name": 12, "emails": "x@y.org"}}, {422}),
        ("NUL in a string", "POST", "/candidates", {"json": {"name": "Nul\x00Byte"}}, {422}),
        ("NUL in a list", "POST", "/candidates", {"json": {"name": "O", "skills": ["a\x00"]}}, {422}),
        ("lone surrogate", "POST", "/candidates", {"content": b'{"name":"\\ud800"}'}, {422}),
        ("NUL in a query", "GET", "/candidates?q=a%00b", {}, {422}),
        ("NUL in a stage query", "GET", "/applications?stage=a%00b", {}, {422}),
        ("role id past int64", "GET", f"/roles/{too_big}", {}, {404}),
        ("role id past int32", "GET", f"/roles/{2**31}", {}, {404}),
        ("candidate id past int64", "GET", f"/candidates/{too_big}", {}, {404}),
        ("move of id past int64", "POST", f"/applications/{too_big}/moves", {"json": {}}, {404}),
        ("stage id past int64", "POST", moves, {"json": {"to_stage_id": too_big}}, {404, 422}),
        ("role_id query past int64", "GET", f"/applications?role_id={too_big}", {}, {422}),
        ("cursor past int64", "GET", "/roles?cursor=" + _cursor("roles", too_big), {}, {400, 422}),
        ("cursor past int32", "GET", "/roles?cursor=" + _cursor("roles", 2**31), {}, {200, 400, 422}),
        ("limit past int64", "GET", f"/roles?limit={too_big}", {}, {422}),
    ]
    for name, method, path, options, expected in probes:
        _probe(tally, name, method, api + path, options, expected, bearer)
    for state, secret in instance.refused_tokens.items():
        headers = {"Authorization": f"Bearer {secret}"}
        _probe(tally, f"{state} token", "GET", api + "/roles", {}, {401}, headers)
    _probe(
        tally, "malformed token", "GET", api + "/roles", {}, {401}, {"Authorization": "Bearer lw_zz_"}
    )
    _probe(
        tally,
        "non-Latin-1 token",
        "GET",
        api + "/roles",
        {},
        {401},
        {"Authorization": b"Bearer lw_\xc3\xa9_x"},
    )
    key = {"Idempotency-Key": f"fuzz-{time.time_ns()}", **bearer}
    body = {"name": "Idempotent Probe", "allow_duplicate_email": True}
    _probe(tally, "first keyed write", "POST", api + "/candidates", {"json": body}, {201}, key)
    _probe(tally, "replayed keyed write", "POST", api + "/candidates", {"json": body}, {201}, key)
    changed = {**body, "name": "Another Probe"}
    _probe(tally, "key reused, other body", "POST", api + "/candidates", {"json": changed}, {409}, key)


def _cursor(listing: str, after: int) -> str:
    import base64

    raw = json.dumps({"l": listing, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _probe(
    tally: Tally,
    name: str,
    method: str,
    url: str,
    options: dict[str, Any],
    expected: set[int],
    headers: dict[str, Any],
) -> None:
    headers = dict(headers)
    content = options.get("content")
    if content is not None:
        headers["Content-Type"] = options.get("ctype", "application/json")
    try:
        response = httpx.request(
            method, url, headers=headers, content=content, json=options.get("json"), timeout=60
        )
    except httpx.HTTPError as error:
        tally.probe_failures.append(f"{name}: {type(error).__name__}: {error}")
        tally.count(method, url, 599)
        return
    tally.count(method, url, response.status_code)
    is_error_object = response.status_code < 400 or "error" in _json_or_none(response)
    if response.status_code not in expected or not is_error_object:
        tally.probe_failures.append(f"{name}: got {response.status_code}, expected {sorted(expected)}")


def _json_or_none(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# ---------------------------------------------------------------- main


def tracebacks_in(log_text: str) -> int:
    return log_text.count("Traceback (most recent call last)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=10_000, help="at least this many fuzz requests")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_REQUESTS} requests, hiring demo only"
    )
    parser.add_argument("--seed", type=int, default=1, help="schemathesis seed of the first round")
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database (default: SQLite in a temp dir)"
    )
    parser.add_argument(
        "--demo", choices=("full", "hiring"), help="demo data (default: full; --quick: hiring)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--concurrency", type=int, help="parallel schemathesis requests (SQLite: 1, else 2)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, reports)")
    options = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    target = QUICK_REQUESTS if options.quick else options.requests
    demo = options.demo or ("hiring" if options.quick else "full")

    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="loopwise-fuzz-"))
    database_url = options.database_url or f"sqlite:///{folder / 'fuzz.db'}"
    try:
        instance = prepare_instance(folder, database_url, demo)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    port = free_port()
    server_log = folder / "server.log"
    server, server_kind = start_server(instance, port, server_log, options.workers)
    base_url = f"http://127.0.0.1:{port}"
    tally = Tally()
    rounds = 0
    # SQLite lets one process write at a time and refuses to upgrade a read that another process
    # overtook ("database is locked"): concurrent requests there test SQLite, not the API.
    concurrency = options.concurrency or (1 if database_url.startswith("sqlite") else 2)
    try:
        operations = count_operations(base_url)
        roles = list(instance.tokens)
        # A first guess of examples per operation; later rounds top up whatever is still missing.
        while tally.requests < target and rounds < 50:
            missing = target - tally.requests
            max_examples = max(5, math.ceil(missing / operations / 3))
            role = roles[rounds % len(roles)]
            run_schemathesis(
                base_url,
                instance.tokens[role],
                max_examples=max_examples,
                seed=options.seed + rounds,
                concurrency=concurrency,
                report_dir=folder / f"round-{rounds:02d}-{role}",
                tally=tally,
            )
            rounds += 1
        run_probes(base_url, instance, tally)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        from core import jobs

        jobs.stop_embedded_redis(str(folder))
    log_text = server_log.read_text(errors="replace")
    summary = {
        "figure": "api_fuzz",
        "requests": tally.requests,
        "operations": operations,
        "server_errors": tally.server_errors,
        "check_failures": dict(sorted(tally.check_failures.items())),
        "probe_failures": tally.probe_failures,
        "server_log_tracebacks": tracebacks_in(log_text),
        "statuses": dict(sorted(tally.statuses.items())),
        "rounds": rounds,
        "concurrency": concurrency,
        "seed": options.seed,
        "server": f"{server_kind} x{options.workers}" if server_kind == "gunicorn" else server_kind,
        "database": database_url.split(":")[0],
        "seconds": round(time.perf_counter() - started, 1),
    }
    if tally.server_error_samples:
        summary["server_error_samples"] = tally.server_error_samples
    print(json.dumps(summary), flush=True)
    failed = tally.server_errors > 0 or summary["server_log_tracebacks"] > 0
    if options.keep or failed:
        print(f"Logs and reports kept in {folder}", file=sys.stderr)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
