"""A bare Flask "hello": the baseline of bench.production, served by the same gunicorn config.

No app factory, database, session or template: what is left is gunicorn, the WSGI round trip and
Flask's routing, i.e. the floor under any Loopwise page on the same machine.
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
