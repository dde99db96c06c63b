"""A small OpenAI-compatible chat-completions server of ours, for the judge's fault cases.

A real HTTP server on 127.0.0.1 (``http.server`` in a thread). Each request is answered by the
next scripted ``Reply`` if any, else by ``handler(request)``; every request body is recorded.
A reply can be delayed (timeouts), carry any status (500, 400), a raw body (garbage), or chat
content (valid, schema-violating or invented-quote JSON).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FENCE = re.compile(
    r"<<<UNTRUSTED-DATA-(\w+)>>>\s*QUESTION:\n(.*?)\n\nANSWER:\n(.*)\n<<<END-UNTRUSTED-DATA-\1>>>", re.S
)


@dataclass
class Reply:
    content: str | None = None  # the assistant message's content
    status: int = 200
    body: str | None = None  # a raw body instead of a chat completion
    delay: float = 0.0
    tokens_in: int = 321
    tokens_out: int = 45


def completion(
    content: str, *, model: str = "fake-judge", tokens_in: int = 321, tokens_out: int = 45
) -> dict:
    """A chat-completions reply in the wire format of an OpenAI-compatible server."""
    return {
        "id": "chatcmpl-fake-0001",
        "object": "chat.completion",
        "created": 1764090000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
        },
    }


def fenced_answer(request: dict) -> str:
    """The answer as the judge fenced it in the request's user message."""
    for message in request.get("messages", []):
        match = FENCE.search(message.get("content", ""))
        if match:
            return match.group(3)
    raise AssertionError("the request has no fenced answer")


def criterion_keys(request: dict) -> list[str]:
    """The criterion keys the judge asked for (from the schema, else from the prompt)."""
    schema = (request.get("response_format") or {}).get("schema")
    if schema:
        return list(schema["required"])
    text = request["messages"][-1]["content"]
    return re.findall(r'^Criterion "([a-z0-9_-]+)"', text, re.M)


def first_sentence_reply(request: dict) -> Reply:
    """A judge that quotes the answer's first sentence and gives level 3 on every criterion."""
    quote = fenced_answer(request).split(".")[0]
    body = {
        key: {"level": 3, "rationale": "Explains it.", "evidence": [quote]}
        for key in criterion_keys(request)
    }
    return Reply(content=json.dumps(body))


class FakeOpenAI:
    """The server; use as a context manager or call ``start``/``stop``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.script: list[Reply] = []
        self.handler: Callable[[dict], Reply] | None = None
        self.reject_schema = False  # answer 400 to response_format with a schema
        self.reject_json_mode = False  # answer 400 to any response_format
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.times.clear()
            self.script.clear()
            self.handler = None
            self.reject_schema = self.reject_json_mode = False

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: dict) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.times.append(time.monotonic())
            response_format = request.get("response_format")
            if response_format and (
                self.reject_json_mode or (self.reject_schema and "schema" in response_format)
            ):
                message = "response_format: this server does not support that response format"
                return Reply(
                    status=400,
                    body=json.dumps({"error": {"message": message, "type": "invalid_request_error"}}),
                )
            if self.script:
                return self.script.pop(0)
            handler = self.handler
        if handler is None:
            return Reply(status=500, body=json.dumps({"error": {"message": "no reply scripted"}}))
        return handler(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()  # headers and body are written apart: no Nagle delay between them
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                reply = fake._answer(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.body is not None:
                    body = reply.body.encode()
                else:
                    body = json.dumps(
                        completion(
                            reply.content or "",
                            model=request.get("model", "fake-judge"),
                            tokens_in=reply.tokens_in,
                            tokens_out=reply.tokens_out,
                        )
                    ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def do_GET(self) -> None:
                body = json.dumps(
                    {"object": "list", "data": [{"id": "fake-judge", "object": "model"}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
