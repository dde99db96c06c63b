"""Jobs for the job benchmark (a module of their own: rq cannot run functions of __main__)."""

from __future__ import annotations

from core.jobs import task


@task(title="Benchmark: no-op", queue="low")
def noop(number: int) -> dict[str, int]:
    return {"number": number}


def bare_noop(number: int) -> int:
    return number
