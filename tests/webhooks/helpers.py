"""A real HTTP receiver on 127.0.0.1 that records requests and can answer 500 or hang; a burst worker."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from flask import Flask
from rq import Queue

from core import jobs
from webhooks.delivery import QUEUE


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


class Receiver:
    """Answers ``status`` with ``reply``; while ``hang`` is set it holds each request until released."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status = 200
        self.reply = b'{"ok": true}'
        self.hang = False
        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.receiver = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/loopwise"

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        receiver.requests.append(Received(self.path, headers, body))
        if receiver.hang:
            receiver.released.wait(30)
        try:
            self.send_response(receiver.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(receiver.reply)))
            self.end_headers()
            self.wfile.write(receiver.reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out): what a hanging endpoint sees

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def empty_queue(queue: Queue) -> None:
    queue.empty()
    for job_id in queue.scheduled_job_registry.get_job_ids():
        queue.scheduled_job_registry.remove(job_id, delete_job=True)


def run_worker(app: Flask) -> None:
    """Run the queued deliveries in this process (rq's burst mode), as `flask worker` would."""
    jobs.make_worker(app, (QUEUE,), simple=True).work(burst=True)
