"""Jobs used by the tests; a worker subprocess imports this module by the task's name."""

from __future__ import annotations

from flask import current_app

from core.auth import Role, create_user
from core.db import get_session
from core.jobs import get_redis, report_progress, task


@task(title="Test: wait for a signal", queue="low", timeout=120)
def wait_for_signal(key: str) -> dict[str, str]:
    report_progress(40, "Waiting for the test's signal")
    received = get_redis(current_app).blpop([key], timeout=60)
    if received is None:
        raise TimeoutError("The test never sent its signal")
    report_progress(90, "Signal received")
    return {"signal": received[1].decode()}


@task(title="Test: write, then fail", queue="low", timeout=60)
def write_then_fail(email: str) -> None:
    create_user(get_session(), email=email, name="Half Written", roles=[Role.INTERVIEWER])
    get_session().flush()
    raise RuntimeError("boom after writing")


@task(title="Test: add a user", queue="low", timeout=60)
def add_user(email: str) -> dict[str, int]:
    user = create_user(get_session(), email=email, name="Added By Job", roles=[Role.RECRUITER])
    get_session().flush()
    return {"user_id": user.id}
