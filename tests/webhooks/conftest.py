"""Fixtures: a real HTTP receiver and the delivery queue on the session's Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from rq import Queue

from core import jobs
from tests.webhooks.helpers import Receiver, empty_queue
from webhooks.delivery import QUEUE


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.close()


@pytest.fixture
def webhook_queue(app: Flask) -> Iterator[Queue]:
    """The delivery queue, empty before and after the test (other tests leave jobs behind)."""
    queue = Queue(QUEUE, connection=jobs.get_redis(app))
    empty_queue(queue)
    yield queue
    empty_queue(queue)
