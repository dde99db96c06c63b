"""gunicorn hooks, read by gunicorn from the working directory (and by bench.production).

The app's imports (torch and spaCy among them) leave ~470,000 objects that Python's cyclic garbage
collector walks on every full collection: ~250 ms per collection in each worker, which lands on
whichever request happens to allocate at that moment (the tail of the latency). ``gc.freeze()``
moves the objects that exist once the app is loaded out of the collector's reach; later
collections only look at what requests create. Frozen in the master too, before it forks the
workers (with ``--preload``), the loaded app's memory pages also stay shared between workers.
"""

from __future__ import annotations

import gc
from typing import Any


def when_ready(server: Any) -> None:
    gc.freeze()  # the master, after --preload loaded the app and before it forks any worker


def post_worker_init(worker: Any) -> None:
    gc.freeze()  # each worker, once the app is loaded (by itself when there is no --preload)
