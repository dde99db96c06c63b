"""Browser journeys: a live server on its own committed SQLite database, driven by Debian's Chromium.

The app is a separate one from tests/conftest.py's (its rolled-back session cannot be seen from the
server's threads): its own instance folder and SQLite file, built by the real migrations, and the
same Redis as the other tests (LOOPWISE_REDIS_URL or the embedded one). Chromium is the system one
(/usr/bin/chromium), never a browser downloaded by Playwright. Without it the journeys are skipped,
unless LOOPWISE_E2E_REQUIRED=1 (CI), where they fail instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from core import jobs
from core.cli import upgrade_database
from core.db import get_database, get_session
from tests.e2e.live import CHROMIUM, CHROMIUM_ARGS, PEOPLE, Journey, LiveServer, unavailable
from tests.support.factories import create_test_user


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium to run the browser journeys")
    try:
        import playwright  # noqa: F401  (the dev extra installs it)
    except ImportError:
        unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def live_server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app served by werkzeug on 127.0.0.1 (a free port) in a thread, with one user per role."""
    from app import create_app

    instance_path = str(tmp_path_factory.mktemp("e2e-instance"))
    app = create_app(
        {
            "INSTANCE_PATH": instance_path,
            "DATABASE_URL": f"sqlite:///{instance_path}/e2e.db",
            "REDIS_URL": os.environ.get("LOOPWISE_REDIS_URL"),
            "SECRET_KEY": "e2e-tests-only-secret",
            "MATCHING_REFRESH_JOBS": False,
        }
    )
    server = LiveServer(app=app, url="")
    with app.app_context():
        upgrade_database()
        for key, (name, roles) in PEOPLE.items():
            user = create_test_user(roles=roles, name=name, email=f"{key}@e2e.example")
            server.emails[key], server.user_ids[key] = user.email, user.id
        get_session().commit()

    http = make_server("127.0.0.1", 0, app, threaded=True)
    server.url = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield server
    http.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        if not app.config["REDIS_URL"]:
            jobs.stop_embedded_redis(app.instance_path)
        get_database().engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Keep each phase's report on the test, so a journey knows whether its test failed."""
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture
def start_journey(
    request: pytest.FixtureRequest, browser: Any, live_server: LiveServer
) -> Iterator[Callable[[str], Journey]]:
    """Start a journey whose screenshots go to the artefacts folder ``name``; closed after the test
    (with a screenshot of every open page when the test failed)."""
    started: list[Journey] = []

    def start(name: str) -> Journey:
        started.append(Journey(name, browser, live_server))
        return started[-1]

    yield start
    report = getattr(request.node, "e2e_report_call", None)
    for journey in started:
        if report is not None and report.failed:
            journey.shoot_failure()
        journey.close()
